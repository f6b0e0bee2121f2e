// TxnWorkload: what the transactional workloads (list-append, rw-register)
// share — Elle's generator and the option set; each workload file only names
// its write micro-op and its checker.
//
// Op vocabulary (op.key is null; the keys are inside the micro-ops):
//   txn  value [[mop, k, v] ...], 1..max-txn-length micro-ops, each a read
//        ["r", k, null] (with read-fraction percent) or a write [WRITE, k, v]:
//        WRITE is "append" (list-append: v joins the end of k's list) or "w"
//        (rw-register: k now holds v)  -> ok: the same list with every read's
//        null replaced by what it read (list-append: the list or null;
//        rw-register: the value or null); fail: the txn did not commit.
// Keys are integers; `keys` of them are active at once, and a key that has
// taken max-writes-per-key writes is retired for a fresh one, so lists stay
// short however long the run (as Elle's generator). The values written to a
// key are 1, 2, 3, ...: unique per key, which the checkers rely on.
//
// Options (--workload-opt): keys=N (active keys, default 8), max-txn-length=N
// (default 4), max-writes-per-key=N (the model's default: list-append 32, whose
// reads give whole version orders; rw-register 4, which orders two versions
// only when a txn reads one and overwrites it, so keys must stay young for
// reads of the initial nil to expose write skew), read-fraction=PERCENT
// (default 50), consistency-models=a,b (default strict-serializable; also the
// `faultline test --consistency-models` flag). Targets: a txn of more than one
// micro-op needs the target's fs to hold "txn" (multi-key transactions); one
// of one micro-op needs "txn-single" (every txn target lists it), so stores
// without transactions (ringstore) run the workload with max-txn-length=1.
// No final phase: Elle infers everything from the reads made during the run.
#pragma once

#include <memory>
#include <string>

#include "checkers/txn_check.h"
#include "workloads/workload.h"

namespace faultline {

struct TxnWorkloadModel {
  std::string name;         // "list-append"
  std::string write_mop;    // "append"
  // The checker with the workload's consistency models.
  Result<std::unique_ptr<Checker>> (*make_checker)(const TxnCheckOptions&);
  int64_t default_max_writes_per_key = 32;
};

// The options of both transactional workloads and what each trades, for
// `faultline test --help`.
extern const char* const kTxnWorkloadOptionsHelp;

// The workload `model.name` with `options`; error: an unknown option, a value
// out of range or an unknown consistency model, named in one line.
Result<std::unique_ptr<Workload>> MakeTxnWorkload(const TxnWorkloadModel& model, const WorkloadOptions& options);

}  // namespace faultline
