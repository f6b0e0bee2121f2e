// Workload "rw-register": Elle's rw-register test — transactions of writes
// and reads of integer-keyed registers (unique values per key), checked for
// transactional isolation (checkers/rw_register.h) under --consistency-models
// (default strict-serializable). Ops, options and target requirements:
// txn_workload.h.
#include "checkers/rw_register.h"
#include "workloads/txn_workload.h"

namespace faultline {
namespace {

Result<std::unique_ptr<Workload>> MakeRwRegister(const WorkloadOptions& options) {
  return MakeTxnWorkload({"rw-register", "w", &MakeRwRegisterChecker, /*default_max_writes_per_key=*/4}, options);
}

Registrar<WorkloadFactory> kRwRegisterWorkload("rw-register",
                               "Elle's rw-register txns (writes + reads of registers); isolation anomalies "
                               "by consistency model",
                               &MakeRwRegister);

}  // namespace
}  // namespace faultline
