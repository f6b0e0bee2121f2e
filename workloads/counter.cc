// Workload "counter": increments by positive deltas and reads of counters
// (Jepsen's counter test). Judged by the counter checker
// (checkers/counter_checker.h): every ok read must lie between the sum of the
// adds acknowledged before it began and the sum of all adds attempted (not
// failed) before it ended.
//
// Op vocabulary (keyed: op.key is "counter" with keys=1, else
// "counter-0".."counter-<N-1>"; every counter starts at 0):
//   counter-add   value d (an integer 1..max-delta) -> ok: the counter grew by d
//   counter-read  value null -> ok: value = the counter's value
// Main phase: adds to a random key with `read-fraction` percent of reads.
// Final phase (after faults heal): every client thread reads every key until
// one of its reads of it succeeds.
//
// Options (--workload-opt): max-delta=N (default 5), read-fraction=PERCENT
// (0..100, default 25), keys=N (independent counters, default 1).
#include <memory>
#include <vector>

#include "checkers/counter_checker.h"
#include "workloads/final_reads.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr char kCounterName[] = "counter";

class CounterWorkload : public Workload {
 public:
  CounterWorkload(int64_t max_delta, int64_t read_percent, int64_t keys)
      : max_delta_(max_delta), read_percent_(read_percent) {
    for (int64_t i = 0; i < keys; ++i) {
      keys_.push_back(keys == 1 ? json("counter") : json("counter-" + std::to_string(i)));
    }
  }

  GenPtr Generator() override {
    return FromFn([max = max_delta_, reads = read_percent_, keys = keys_](
                      Rng& rng, const Context&) -> std::optional<Op> {
      Op op;
      op.key = keys[rng.Below(keys.size())];
      if (static_cast<int64_t>(rng.Below(100)) < reads) {
        op.f = "counter-read";
      } else {
        op.f = "counter-add";
        op.value = rng.Range(1, max);
      }
      return op;
    });
  }

  GenPtr FinalGenerator() override { return FinalReads("counter-read", keys_); }

  Result<std::unique_ptr<Checker>> MakeChecker() override {
    return std::unique_ptr<Checker>(MakeCounterChecker());
  }

  std::set<std::string> RequiredFs() const override { return {"counter-add", "counter-read"}; }

 private:
  int64_t max_delta_;
  int64_t read_percent_;
  std::vector<json> keys_;
};

Result<std::unique_ptr<Workload>> MakeCounter(const WorkloadOptions& options) {
  Status s = CheckWorkloadOptionKeys(kCounterName, options, {"max-delta", "read-fraction", "keys"});
  if (!s.ok()) return s;
  auto max = WorkloadIntOption(kCounterName, options, "max-delta", 5, 1, 1000000);
  if (!max.ok()) return max.status();
  auto reads = WorkloadIntOption(kCounterName, options, "read-fraction", 25, 0, 100);
  if (!reads.ok()) return reads.status();
  auto keys = WorkloadIntOption(kCounterName, options, "keys", 1, 1, 1000);
  if (!keys.ok()) return keys.status();
  return std::unique_ptr<Workload>(new CounterWorkload(*max, *reads, *keys));
}

Registrar<WorkloadFactory> kCounterWorkload(kCounterName, "positive increments + reads; reads within [acked, attempted]",
                               &MakeCounter);

}  // namespace
}  // namespace faultline
