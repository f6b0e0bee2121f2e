#include "checkers/counter_checker.h"

#include <algorithm>
#include <map>

#include "checkers/op_pairs.h"

namespace faultline {
namespace {

constexpr size_t kMaxListedReads = 100;

struct KeyOps {
  // (position, delta): ok adds by completion position; attempted adds by
  // invocation position. Filled in history order, hence already sorted.
  std::vector<std::pair<size_t, int64_t>> ok_completed;
  std::vector<std::pair<size_t, int64_t>> attempted;
  struct Read { size_t invoke, completion; int64_t index, value; };
  std::vector<Read> reads;
};

// Sum of deltas at positions < pos, given (position, delta) sorted by position.
int64_t SumBefore(const std::vector<std::pair<size_t, int64_t>>& v,
                  const std::vector<int64_t>& prefix, size_t pos) {
  auto it = std::lower_bound(v.begin(), v.end(), std::make_pair(pos, INT64_MIN));
  return prefix[static_cast<size_t>(it - v.begin())];
}

std::vector<int64_t> Prefix(const std::vector<std::pair<size_t, int64_t>>& v) {
  std::vector<int64_t> p(v.size() + 1, 0);
  for (size_t i = 0; i < v.size(); ++i) p[i + 1] = p[i] + v[i].second;
  return p;
}

class CounterChecker : public Checker {
 public:
  explicit CounterChecker(CounterOptions options) : options_(options) {}
  std::string name() const override { return "counter"; }

  CheckResult Check(const TestInfo&, const History& history) override {
    CheckResult result;
    PairedOps paired = PairClientOps(history);
    std::map<json, KeyOps> keys;
    int64_t adds = 0;
    for (const OpPair& p : paired.pairs) {
      const Op& inv = history[p.invoke];
      const Op* done = p.completion ? &history[*p.completion] : nullptr;
      if (inv.f == "counter-add") {
        if (!inv.value.is_number_integer() || inv.value.get<int64_t>() < 0) {
          result.valid = Validity::kUnknown;
          result.details["error"] = "op " + std::to_string(inv.index) +
                                    ": counter-add delta must be a non-negative integer, got " +
                                    inv.value.dump();
          return result;
        }
        ++adds;
        int64_t delta = inv.value.get<int64_t>();
        KeyOps& k = keys[inv.key];
        if (done == nullptr || !done->is_fail()) k.attempted.emplace_back(p.invoke, delta);
        if (done != nullptr && done->is_ok()) k.ok_completed.emplace_back(*p.completion, delta);
      } else if (inv.f == "counter-read" && done != nullptr && done->is_ok()) {
        if (!done->value.is_number_integer()) {
          result.valid = Validity::kUnknown;
          result.details["error"] = "op " + std::to_string(done->index) +
                                    ": counter-read value must be an integer, got " +
                                    done->value.dump();
          return result;
        }
        keys[inv.key].reads.push_back({p.invoke, *p.completion, done->index,
                                       done->value.get<int64_t>()});
      }
    }

    int64_t reads = 0, errors = 0;
    json error_list = json::array();
    json finals = json::object();
    for (auto& [key, k] : keys) {
      // ok_completed was filled in invocation order; sort by completion.
      std::sort(k.ok_completed.begin(), k.ok_completed.end());
      std::vector<int64_t> ok_prefix = Prefix(k.ok_completed);
      std::vector<int64_t> att_prefix = Prefix(k.attempted);
      const KeyOps::Read* last = nullptr;
      int64_t last_lower = 0, last_upper = 0;
      for (const auto& r : k.reads) {
        ++reads;
        int64_t lower = options_.initial + SumBefore(k.ok_completed, ok_prefix, r.invoke);
        int64_t upper = options_.initial + SumBefore(k.attempted, att_prefix, r.completion);
        if (r.value < lower || r.value > upper) {
          ++errors;
          if (error_list.size() < kMaxListedReads) {
            error_list.push_back({{"key", key}, {"index", r.index}, {"value", r.value},
                                  {"lower", lower}, {"upper", upper}});
          }
        }
        if (last == nullptr || r.completion > last->completion) {
          last = &r;
          last_lower = lower;
          last_upper = upper;
        }
      }
      if (last != nullptr) {
        finals[key.is_string() ? key.get<std::string>() : key.dump()] =
            {{"value", last->value}, {"lower", last_lower}, {"upper", last_upper}};
      }
    }
    result.details = {{"reads", reads}, {"adds", adds}, {"error_count", errors},
                      {"errors", error_list}, {"final", finals}};
    if (errors > 0) {
      result.valid = Validity::kInvalid;
      result.details["error"] = std::to_string(errors) + " read(s) outside their possible bounds";
    } else if (reads == 0) {
      result.valid = Validity::kUnknown;
      result.details["error"] = "no ok counter-read in the history";
    } else {
      result.valid = Validity::kValid;
    }
    return result;
  }

 private:
  CounterOptions options_;
};

}  // namespace

std::unique_ptr<Checker> MakeCounterChecker(const CounterOptions& options) {
  return std::make_unique<CounterChecker>(options);
}

}  // namespace faultline
