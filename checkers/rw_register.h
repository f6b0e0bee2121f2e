// The rw-register transactional checker (Elle's rw-register, in C++).
//
// Input: client ops with f = "txn" whose value is a list of micro-ops
// ["w", k, v] and ["r", k, v-or-null] (EDN [:w k v] / [:r k v]); keys are
// integers or strings, values integers, each (k, v) written at most once.
// Txn semantics as list-append (list_append.h): ok committed, fail did not
// (a read of its write is G1a), info may have.
//
// Registers keep no history, so version orders are only partly known; what
// is inferred: the initial state (nil) precedes every write; a txn that read
// k = x and then wrote k = y puts x before y. Edges: wr (writer of the value
// a read returned -> reader), ww (writer of x -> writer of y for x before y),
// rw (a reader of x -> the writer of y for x before y; readers of nil -> the
// writers of k's earliest known writes). Only a txn's external reads (before
// it writes the key) and final writes count. Also found: G1a, G1b (a read of
// a value its writer overwrote in the same txn), internal (a read not
// matching the txn's own earlier write or read of the key), garbage-read (an
// external read of a value no txn in the history wrote). Because orders
// are partial the checker is sound (every anomaly it reports is real) but
// not complete. Cycles, models and the result format: as list-append.
// Stateless; Check may run on several threads.
#pragma once

#include <memory>

#include "checkers/checker.h"
#include "checkers/txn_check.h"

namespace faultline {

// Errors and details: as CheckListAppend, with model "rw-register".
Result<CheckResult> CheckRwRegister(const History& history, const TxnCheckOptions& options);
// The same over a history loaded with TxnModel::kRwRegister (txn_load.h;
// e.g. streamed from a file); its own name places the errors.
Result<CheckResult> CheckRwRegister(const txn::TxnHistory& history, const TxnCheckOptions& options);

// The checker (name "rw-register"); error: an unknown consistency model.
Result<std::unique_ptr<Checker>> MakeRwRegisterChecker(const TxnCheckOptions& options);

}  // namespace faultline
