// The list-append transactional checker (Elle's list-append, in C++).
//
// Input: client ops with f = "txn" whose value is a list of micro-ops
// ["append", k, v] and ["r", k, list-or-null] (EDN's [:append k v] / [:r k
// [..]] read the same). Keys are integers or strings; appended values and
// list elements are integers, each (k, v) appended at most once. Other ops
// (nemesis, other f) are ignored.
//
// Semantics: ok txns committed, with the reads they returned; fail txns did
// not commit (a read seeing their write is G1a); info txns and invocations
// never completed may or may not have committed (their writes count, their
// reads are unknown). Per key, the version order is the longest ok read;
// every other read must be a prefix of it ("incompatible-order"). From it:
// ww (consecutive versions' writers), wr (writer of a read's last element ->
// reader), rw (reader -> writer of the element after the read's end) edges;
// with process and realtime orders when a requested consistency model needs
// them. Also found: duplicate-elements, internal (a read not matching the
// txn's own earlier reads and appends), G1a, G1b (a read ending at an
// element that is not its writer's final append to that key), dirty-update
// (in a key's version order a committed txn's append follows a failed txn's,
// with only failed or info appends between; named: the failed and the
// committed txn), garbage-read (an ok read holding an element no txn in the
// history appended to that key; named: the reader and the element). Cycles:
// see txn_graph.h; kinds and models: consistency_models.h.
//
// Verdict: invalid when a requested model forbids a found anomaly; else
// unknown when the cycle search hit a time/step limit or the memory limit
// was exceeded; else valid. Stateless; Check may run on several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "checkers/txn_check.h"
#include "harness/core/status.h"

namespace faultline {

using ListAppendOptions = TxnCheckOptions;  // txn_check.h: models, limits, names for errors

// Error (one line, "name:line: reason"): an unknown consistency model, a txn
// value that is not a list of micro-ops, a non-integer element, a value
// appended twice to the same key (txn_load.h loads, then the check runs:
// the same code and messages for a History and for a streamed file). The result's details:
//   model "list-append", consistency-models, txns {ok, info, fail}, keys,
//   edges, anomaly-types [...], anomaly-counts {type: n}, anomalies {type:
//   [anomaly...]} where a cycle anomaly is {txns: [{name, index, process,
//   type, value}], steps: [{from, to, type, key, why}]} and the others carry
//   their txns and a "why" line; not (requested models violated),
//   weakest-violated, strongest-satisfied, elapsed_s; when unknown "reason".
Result<CheckResult> CheckListAppend(const History& history, const ListAppendOptions& options);
// The same over a history loaded with TxnModel::kListAppend (txn_load.h;
// e.g. streamed from a file by LoadTxnHistoryFile, which is how `faultline
// check` reads one: never a whole History); its own name places the errors.
Result<CheckResult> CheckListAppend(const txn::TxnHistory& history, const ListAppendOptions& options);

// Human-readable explanation of a CheckListAppend result: one line per
// anomaly type, then each anomaly's txns and steps (no trailing newline;
// empty when there is nothing to say).
std::string ExplainListAppend(const CheckResult& result);

// The checker (name "list-append"); error: an unknown consistency model.
Result<std::unique_ptr<Checker>> MakeListAppendChecker(const ListAppendOptions& options);

}  // namespace faultline
