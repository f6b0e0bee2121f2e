// Workload "set": unique elements added to sets, and reads of whole sets
// (Jepsen's set test). Judged by the set checker (checkers/set_checker.h):
// acknowledged adds missing from the final read are lost, elements nobody
// added are unexpected, and with `linearizable=true` (`faultline test
// --linearizable`) a read that misses an element whose add had already been
// acknowledged when the read began is stale.
//
// Op vocabulary (keyed: op.key is "set" with keys=1, else "set-0".."set-<N-1>"):
//   set-add   value e (a unique integer 0, 1, 2, ... across all keys)
//             -> ok: e is in the set
//   set-read  value null -> ok: value = list of the elements present
// Main phase: adds to a random key, with `read-fraction` percent of reads
// mixed in (those are what --linearizable judges for staleness). Final phase
// (after faults heal): every client thread reads every key until one of its
// reads of it succeeds (FinalReads); the last ok read of a key is the final
// state its lost/unexpected check compares against.
//
// Options (--workload-opt): linearizable=true|false (default false),
// read-fraction=PERCENT (0..100, default 10), keys=N (independent sets,
// default 1; more keys = less contention on one key in a Paxos store).
#include <memory>
#include <vector>

#include "checkers/set_checker.h"
#include "workloads/final_reads.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr char kSetName[] = "set";

class SetWorkload : public Workload {
 public:
  SetWorkload(bool linearizable, int64_t read_percent, int64_t keys)
      : linearizable_(linearizable), read_percent_(read_percent) {
    for (int64_t i = 0; i < keys; ++i) {
      keys_.push_back(keys == 1 ? json("set") : json("set-" + std::to_string(i)));
    }
  }

  GenPtr Generator() override {
    return FromFn([next = int64_t{0}, reads = read_percent_, keys = keys_](
                      Rng& rng, const Context&) mutable -> std::optional<Op> {
      Op op;
      op.key = keys[rng.Below(keys.size())];
      if (static_cast<int64_t>(rng.Below(100)) < reads) {
        op.f = "set-read";
      } else {
        op.f = "set-add";
        op.value = next++;
      }
      return op;
    });
  }

  GenPtr FinalGenerator() override { return FinalReads("set-read", keys_); }

  Result<std::unique_ptr<Checker>> MakeChecker() override {
    SetOptions options;
    options.linearizable = linearizable_;
    return MakeSetChecker(options);
  }

  std::set<std::string> RequiredFs() const override { return {"set-add", "set-read"}; }

 private:
  bool linearizable_;
  int64_t read_percent_;
  std::vector<json> keys_;
};

Result<std::unique_ptr<Workload>> MakeSet(const WorkloadOptions& options) {
  Status s = CheckWorkloadOptionKeys(kSetName, options, {"linearizable", "read-fraction", "keys"});
  if (!s.ok()) return s;
  auto lin = WorkloadBoolOption(kSetName, options, "linearizable", false);
  if (!lin.ok()) return lin.status();
  auto reads = WorkloadIntOption(kSetName, options, "read-fraction", 10, 0, 100);
  if (!reads.ok()) return reads.status();
  auto keys = WorkloadIntOption(kSetName, options, "keys", 1, 1, 1000);
  if (!keys.ok()) return keys.status();
  return std::unique_ptr<Workload>(new SetWorkload(*lin, *reads, *keys));
}

Registrar<WorkloadFactory> kSetWorkload(kSetName, "unique adds to a set + reads; lost/unexpected/stale elements",
                               &MakeSet);

}  // namespace
}  // namespace faultline
