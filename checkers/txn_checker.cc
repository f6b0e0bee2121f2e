#include "checkers/txn_checker.h"

#include "checkers/consistency_models.h"

namespace faultline {
namespace {

// "G-single (3), incompatible-order (1): not strict-serializable" — the
// verdict line's reason for a run.
std::string Summary(const json& d) {
  std::string out;
  const json counts = d.value("anomaly-counts", json::object());
  for (const auto& [type, n] : counts.items()) {
    out += (out.empty() ? "" : ", ") + type + " (" + n.dump() + ")";
  }
  std::string models;
  const json violated = d.value("not", json::array());
  for (const auto& m : violated) {
    if (m.is_string()) models += (models.empty() ? "" : ", ") + m.get<std::string>();
  }
  if (!models.empty()) out += ": not " + models;
  return out;
}

class TxnChecker : public Checker {
 public:
  TxnChecker(std::string name, TxnCheckFn check, TxnCheckOptions o)
      : name_(std::move(name)), check_(std::move(check)), o_(std::move(o)) {}
  std::string name() const override { return name_; }
  CheckResult Check(const TestInfo&, const History& history) override {
    auto r = check_(history, o_);
    if (r.ok()) {
      if (r->valid == Validity::kInvalid) r->details["message"] = Summary(r->details);
      return *r;
    }
    CheckResult u;
    u.details = {{"error", r.status().message()}};
    return u;
  }

 private:
  std::string name_;
  TxnCheckFn check_;
  TxnCheckOptions o_;
};

}  // namespace

Result<std::unique_ptr<Checker>> MakeTxnChecker(std::string name, TxnCheckFn check, TxnCheckOptions options) {
  std::string csv;
  for (const auto& m : options.consistency_models) csv += (csv.empty() ? "" : ",") + m;
  auto models = ParseConsistencyModels(csv);
  if (!models.ok()) return models.status();
  return std::unique_ptr<Checker>(new TxnChecker(std::move(name), std::move(check), std::move(options)));
}

}  // namespace faultline
