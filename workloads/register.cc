// Workload "register": many independent read/write/cas registers, checked for
// linearizability key by key (Knossos/Porcupine's cas-register test).
//
// Op vocabulary (every op is keyed: op.key is a string "k<N>"):
//   read   value null           -> ok: value = the register's value (null if never written)
//   write  value v              -> ok: the register now holds v
//   cas    value [expected, v]  -> ok: it held `expected` and now holds v;
//                                  fail: it did not hold `expected` (no effect)
// Values are small integers 0..values-1 so that cas often succeeds and reads
// often match several writes (which is what makes the check meaningful).
// Each key gets at most `per-key-limit` ops, then a fresh key replaces it: short
// per-key histories keep the linearizability search cheap however long the run.
//
// Options (--workload-opt): keys=N (keys in use at once, default 4),
// per-key-limit=N (default 100), values=N (default 5).
// Checker: MakeLinearizableChecker, model "kv" (partitioned by key).
#include <memory>
#include <vector>

#include "checkers/linearizable.h"
#include "workloads/key_pool.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr char kRegisterName[] = "register";

class RegisterWorkload : public Workload {
 public:
  RegisterWorkload(int64_t keys, int64_t per_key_limit, int64_t values)
      : keys_(keys), per_key_limit_(per_key_limit), values_(values) {}

  GenPtr Generator() override {
    return FromFn([pool = KeyPool(keys_, per_key_limit_), values = values_](
                      Rng& rng, const Context&) mutable -> std::optional<Op> {
      const size_t slot = pool.Pick(rng);
      Op op;
      op.key = "k" + std::to_string(pool.Key(slot));
      pool.Use(slot);
      switch (rng.Below(3)) {
        case 0:
          op.f = "read";
          break;
        case 1:
          op.f = "write";
          op.value = rng.Below(values);
          break;
        default:
          op.f = "cas";
          op.value = json::array({rng.Below(values), rng.Below(values)});
          break;
      }
      return op;
    });
  }

  GenPtr FinalGenerator() override { return nullptr; }

  Result<std::unique_ptr<Checker>> MakeChecker() override {
    LinearizableOptions options;
    options.model = "kv";
    return MakeLinearizableChecker(options);
  }

  std::set<std::string> RequiredFs() const override { return {"read", "write", "cas"}; }

 private:
  int64_t keys_, per_key_limit_, values_;
};

Result<std::unique_ptr<Workload>> MakeRegister(const WorkloadOptions& options) {
  Status s = CheckWorkloadOptionKeys(kRegisterName, options, {"keys", "per-key-limit", "values"});
  if (!s.ok()) return s;
  auto keys = WorkloadIntOption(kRegisterName, options, "keys", 4, 1, 100000);
  if (!keys.ok()) return keys.status();
  auto limit = WorkloadIntOption(kRegisterName, options, "per-key-limit", 100, 1, 1000000000);
  if (!limit.ok()) return limit.status();
  auto values = WorkloadIntOption(kRegisterName, options, "values", 5, 1, 1000000);
  if (!values.ok()) return values.status();
  return std::unique_ptr<Workload>(new RegisterWorkload(*keys, *limit, *values));
}

Registrar<WorkloadFactory> kRegisterWorkload(kRegisterName, "independent read/write/cas registers, linearizable per key",
                               &MakeRegister);

}  // namespace
}  // namespace faultline
