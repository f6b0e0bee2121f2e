// The linearizability checker (Wing & Gong / Lowe search with Porcupine's
// accelerations), public API. The search itself is private to linearizable.cc.
//
// Semantics (DESIGN.md §1): ok ops took effect within their interval; fail ops
// are dropped; info ops and invocations never completed are pending forever
// (they may take effect at any time after their invoke, or never); nemesis
// events are ignored. With partitioning (default) ops with different keys
// (Model::PartitionKey) are checked as independent histories, in parallel on
// all cores; the first violation cancels the rest. A time or memory limit
// that is hit answers unknown, never valid.
//
// Thread safety: the checker is stateless between calls; Check may be called
// from several threads at once.
#pragma once

#include <memory>
#include <string>

#include "checkers/checker.h"
#include "harness/core/status.h"

namespace faultline {

struct LinearizableOptions {
  std::string model = "kv";
  json initial;                 // null = the model's default
  bool strict_reads = false;    // true: an ok read of null must match null
  bool partition = true;        // false: one search over all keys (--no-partition)
  double time_limit_s = 0;      // 0 = none
  size_t memory_limit_mb = 0;   // 0 = 3/4 of physical memory
};

// The checker; error: unknown model (lists the known ones).
// Checker::name() == "linearizable". CheckResult.details: see CheckLinearizable.
Result<std::unique_ptr<Checker>> MakeLinearizableChecker(const LinearizableOptions& options);

// Checks `history` directly. Error (bad input, one line): unknown model, an op
// the model does not support or a malformed value, naming the op and event.
// The result's details carry:
//   model, ops (client ops checked), partitions, elapsed_s, and when invalid
//   "failure": {key, op, message, linearized: [{op, state}...], concurrent: [op...],
//   states_before: [state...], window: {from, to}}; when unknown "reason".
// Ops in details are {index, completion_index, process, type, f, key, value,
// invoke_time, complete_time}.
Result<CheckResult> CheckLinearizable(const History& history, const LinearizableOptions& options);

// A short human-readable explanation of a CheckLinearizable result
// (several lines, no trailing newline; empty when valid).
std::string ExplainLinearizable(const CheckResult& result);

// Writes a self-contained linearizability.html (no network needed) for the
// result: the failure window per process on a time axis, the partial
// linearization with the state after each op, the possible states.
Status WriteLinearizabilityHtml(const CheckResult& result, const History& history,
                                const std::string& title, const std::string& path);

}  // namespace faultline
