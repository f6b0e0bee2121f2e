// Workload "monotonic": counters that only ever grow, read concurrently; no
// read may go backwards. It is the worked example of README "Adding a
// workload": a generator, a checker of its own, and a composition of that
// checker with an existing one, in one file.
//
// Op vocabulary (keyed: op.key is "m0".."m<keys-1>"; every counter starts at 0):
//   counter-add   value 1     -> ok: the counter grew by 1
//   counter-read  value null  -> ok: value = the counter's value
// Checker "monotonic" = the counter checker (each read lies between the sum of
// acknowledged and the sum of attempted adds) + "monotonic-reads": a read
// that began after another read of the same key had completed must not return
// less. The second catches what the bounds alone allow: with adds whose fate
// is unknown (info), 5 then 3 both fit the bounds, but a counter that only
// grows cannot be read as 5 and later as 3 (a stale replica did it).
//
// Options (--workload-opt): keys=N (default 2), read-fraction=PERCENT (default 50).
#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <vector>

#include "checkers/counter_checker.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr char kName[] = "monotonic";

// Sweeps the history once: at each read's invocation, remember the largest
// value any read of that key had returned by then; at its ok completion, the
// value must be at least that.
class MonotonicReadsChecker : public Checker {
 public:
  std::string name() const override { return "monotonic-reads"; }

  CheckResult Check(const TestInfo&, const History& history) override {
    constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
    std::map<json, int64_t> max_completed;  // key -> largest value read so far
    std::map<int64_t, int64_t> floor;       // process -> max_completed at its invocation
    json errors = json::array();
    int64_t reads = 0;
    CheckResult result;
    for (const Op& op : history) {
      if (op.f != "counter-read" || !op.is_client()) continue;
      if (op.is_invoke()) {
        auto it = max_completed.find(op.key);
        floor[op.process] = it == max_completed.end() ? kNone : it->second;
        continue;
      }
      int64_t at_least = floor.count(op.process) ? floor[op.process] : kNone;
      floor.erase(op.process);
      if (!op.is_ok()) continue;  // a failed or unknown read returned nothing
      if (!op.value.is_number_integer()) {
        result.details["error"] = "event " + std::to_string(op.index) + ": read value " +
                                  op.value.dump() + " is not an integer";
        return result;  // unknown: nothing can be judged
      }
      int64_t v = op.value.get<int64_t>();
      ++reads;
      if (v < at_least) {
        errors.push_back({{"key", op.key}, {"index", op.index}, {"value", v},
                          {"earlier_read", at_least}});
      }
      int64_t& m = max_completed.try_emplace(op.key, v).first->second;
      m = std::max(m, v);
    }
    result.details["reads"] = reads;
    result.details["error_count"] = errors.size();
    if (errors.size() > 100) errors.erase(errors.begin() + 100, errors.end());
    result.details["errors"] = errors;
    if (!errors.empty()) {
      result.valid = Validity::kInvalid;
      result.details["error"] = std::to_string(result.details["error_count"].get<size_t>()) +
                                " read(s) went backwards";
    } else {
      result.valid = reads > 0 ? Validity::kValid : Validity::kUnknown;
      if (reads == 0) result.details["error"] = "no ok counter-read in the history";
    }
    return result;
  }
};

// ComposeChecker under this workload's name: results.json then holds
// "monotonic": {"valid", "counter": {...}, "monotonic-reads": {...}}.
class MonotonicChecker : public ComposeChecker {
 public:
  using ComposeChecker::ComposeChecker;
  std::string name() const override { return kName; }
};

class MonotonicWorkload : public Workload {
 public:
  MonotonicWorkload(int64_t keys, int64_t read_percent)
      : keys_(keys), read_percent_(read_percent) {}

  GenPtr Generator() override {
    return FromFn([keys = keys_, reads = read_percent_](Rng& rng,
                                                        const Context&) -> std::optional<Op> {
      Op op;
      op.key = "m" + std::to_string(rng.Below(keys));
      if (static_cast<int64_t>(rng.Below(100)) < reads) {
        op.f = "counter-read";
      } else {
        op.f = "counter-add";
        op.value = 1;
      }
      return op;
    });
  }

  GenPtr FinalGenerator() override { return nullptr; }  // reads happen throughout

  Result<std::unique_ptr<Checker>> MakeChecker() override {
    std::vector<std::unique_ptr<Checker>> parts;
    parts.push_back(MakeCounterChecker());
    parts.push_back(std::make_unique<MonotonicReadsChecker>());
    return std::unique_ptr<Checker>(new MonotonicChecker(std::move(parts)));
  }

  std::set<std::string> RequiredFs() const override { return {"counter-add", "counter-read"}; }

 private:
  int64_t keys_, read_percent_;
};

Result<std::unique_ptr<Workload>> MakeMonotonic(const WorkloadOptions& options) {
  Status s = CheckWorkloadOptionKeys(kName, options, {"keys", "read-fraction"});
  if (!s.ok()) return s;
  auto keys = WorkloadIntOption(kName, options, "keys", 2, 1, 1000);
  if (!keys.ok()) return keys.status();
  auto reads = WorkloadIntOption(kName, options, "read-fraction", 50, 0, 100);
  if (!reads.ok()) return reads.status();
  return std::unique_ptr<Workload>(new MonotonicWorkload(*keys, *reads));
}

Registrar<WorkloadFactory> kMonotonicWorkload(kName, "growing counters; no read may go backwards (worked example)",
                               &MakeMonotonic);

}  // namespace
}  // namespace faultline
