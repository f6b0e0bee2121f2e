#include "checkers/bank_checker.h"

#include <algorithm>
#include <map>

namespace faultline {
namespace {

constexpr size_t kMaxListedAnomalies = 100;
constexpr size_t kMaxTotals = 5000;

class BankChecker : public Checker {
 public:
  explicit BankChecker(BankCheckOptions options) : options_(options) {}
  std::string name() const override { return "bank"; }

  CheckResult Check(const TestInfo&, const History& history) override {
    CheckResult result;
    json& d = result.details;
    int64_t reads = 0, error_count = 0, min_total = 0, max_total = 0;
    std::map<std::string, int64_t> transfers = {{"ok", 0}, {"fail", 0}, {"info", 0}};
    std::map<std::string, int64_t> counts;
    json errors = json::array();
    std::vector<std::pair<double, int64_t>> totals;
    for (const Op& op : history) {
      if (!op.is_client() || op.is_invoke()) continue;
      if (op.f == "transfer") {
        ++transfers[std::string(OpTypeName(op.type))];
        continue;
      }
      if (op.f != "read-balances" || !op.is_ok()) continue;
      ++reads;
      std::vector<std::string> types;
      int64_t total = 0;
      bool readable = op.value.is_object();
      if (readable) {
        for (const auto& [account, balance] : op.value.items()) {
          if (!balance.is_number_integer()) {
            readable = false;
            break;
          }
          const int64_t b = balance.get<int64_t>();
          total += b;
          if (b < 0 && !options_.negative_balances &&
              std::find(types.begin(), types.end(), "negative-balance") == types.end()) {
            types.push_back("negative-balance");
          }
        }
      }
      if (!readable) {
        types = {"unreadable"};
      } else {
        bool accounts_ok = static_cast<int64_t>(op.value.size()) == options_.accounts;
        for (int64_t a = 0; accounts_ok && a < options_.accounts; ++a) {
          accounts_ok = op.value.contains(std::to_string(a));
        }
        if (!accounts_ok) types.push_back("wrong-accounts");
        if (total != options_.total) types.push_back("wrong-total");
        const double t = static_cast<double>(op.time) / 1e9;
        totals.emplace_back(t, total);
        min_total = totals.size() == 1 ? total : std::min(min_total, total);
        max_total = totals.size() == 1 ? total : std::max(max_total, total);
      }
      if (types.empty()) continue;
      ++error_count;
      for (const auto& type : types) {
        ++counts[type];
        if (errors.size() < kMaxListedAnomalies) {
          errors.push_back({{"index", op.index},
                            {"time_s", static_cast<double>(op.time) / 1e9},
                            {"type", type},
                            {"total", readable ? json(total) : json(nullptr)},
                            {"balances", op.value}});
        }
      }
    }
    json sampled = json::array();
    const size_t step = totals.size() > kMaxTotals ? (totals.size() + kMaxTotals - 1) / kMaxTotals : 1;
    size_t wrong_kept = 0;
    for (size_t i = 0; i < totals.size(); ++i) {
      // Every wrong total is kept (up to kMaxTotals of them); right ones are sampled.
      const bool wrong = totals[i].second != options_.total;
      if (wrong ? wrong_kept++ < kMaxTotals : i % step == 0) sampled.push_back({totals[i].first, totals[i].second});
    }
    d["reads"] = reads;
    d["transfers"] = transfers;
    d["expected_total"] = options_.total;
    d["accounts"] = options_.accounts;
    d["negative_balances_allowed"] = options_.negative_balances;
    d["error_count"] = error_count;
    d["error_counts"] = counts;
    d["errors"] = std::move(errors);
    d["totals"] = std::move(sampled);
    if (!totals.empty()) {
      d["min_total"] = min_total;
      d["max_total"] = max_total;
    }
    if (error_count > 0) {
      result.valid = Validity::kInvalid;
      std::string kinds;
      for (const auto& [type, n] : counts) kinds += (kinds.empty() ? "" : ", ") + type + " (" + std::to_string(n) + ")";
      d["message"] = std::to_string(error_count) + " of " + std::to_string(reads) + " balance reads wrong: " + kinds +
                     (totals.empty() ? std::string()
                                     : "; totals " + std::to_string(min_total) + ".." + std::to_string(max_total) +
                                           ", expected " + std::to_string(options_.total));
    } else if (reads == 0) {
      result.valid = Validity::kUnknown;
      d["error"] = "no ok read-balances: nothing to check";
    } else {
      result.valid = Validity::kValid;
    }
    return result;
  }

 private:
  const BankCheckOptions options_;
};

}  // namespace

std::unique_ptr<Checker> MakeBankChecker(const BankCheckOptions& options) {
  return std::make_unique<BankChecker>(options);
}

}  // namespace faultline
