// Workload "list-append": Elle's list-append test — transactions of appends
// to and reads of integer-keyed lists, checked for transactional isolation
// (checkers/list_append.h) under --consistency-models (default
// strict-serializable). Ops, options and target requirements: txn_workload.h.
#include "checkers/list_append.h"
#include "workloads/txn_workload.h"

namespace faultline {
namespace {

Result<std::unique_ptr<Workload>> MakeListAppend(const WorkloadOptions& options) {
  return MakeTxnWorkload({"list-append", "append", &MakeListAppendChecker}, options);
}

Registrar<WorkloadFactory> kListAppendWorkload("list-append",
                               "Elle's list-append txns (appends + reads of lists); isolation anomalies by "
                               "consistency model",
                               &MakeListAppend);

}  // namespace
}  // namespace faultline
