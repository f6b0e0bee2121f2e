// TxnChecker: a transactional check function (CheckListAppend,
// CheckRwRegister) as a Checker the runner can compose. An error from the
// check (malformed txn ops in the history) becomes an unknown result whose
// details carry "error": the run's history is still judged by the others.
// An invalid result's details gain "message" (the anomaly types with counts
// and the requested models violated), which the run's verdict line shows.
// Stateless besides its options; Check may run on several threads.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "checkers/checker.h"
#include "checkers/txn_check.h"

namespace faultline {

using TxnCheckFn = std::function<Result<CheckResult>(const History&, const TxnCheckOptions&)>;

// The checker named `name` running `check` with `options`. Error: an unknown
// or empty consistency model list (named as ParseConsistencyModels does).
Result<std::unique_ptr<Checker>> MakeTxnChecker(std::string name, TxnCheckFn check, TxnCheckOptions options);

}  // namespace faultline
