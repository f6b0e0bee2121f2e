// Availability checker ("availability"): how often client operations
// succeeded, and how that changed while faults were active.
//
// availability = answered / completed, where completed = ok + fail + info
// client ops (pending invocations, never completed, are left out and counted
// apart) and answered = ok, plus fail whose error says "precondition failed"
// (a cas whose expected value did not match: the store's correct, definite
// answer — CONTRACTS: cas precondition failure => fail). Other fails (no
// quorum, unreachable) and info count as unavailable.
// Reported overall, per node (op.node; ops without a node only count overall
// and per f) and per f, each also split into "fault" vs "healthy": an op is a
// fault op when [invoke, completion] overlaps any active-fault interval
// (fault_intervals.h), else healthy — the same rule for every row, so the
// nodes' healthy (and fault) ops add up to the overall ones, and a node that
// lost its quorum because others were killed is unavailable during a fault,
// not during healthy time. Per node, "targeted" is the part of its fault ops
// that overlapped a fault aimed at that node itself (fault_intervals.h's
// affected nodes).
// "partition_sides": client ops overlapping a partition that recorded its
// "cut-off" nodes, split by whether the op's node was cut off from the
// majority or on the majority side (present only when such a partition ran):
// what a CP store should show is the cut-off side failing.
// Also: "longest_outage", the longest stretch of run time (between the first
// client invocation and the last client completion) with no answered
// completion; and "recovery": for each heal (stop-X / heal), seconds from the
// heal's completion to the first answered completion on each node (null: none
// after it); heals after the last client invocation are not listed.
//
// Availability by time: the run (first client invocation to last client
// completion) is cut into 1 s windows (longer for runs over 2000 s, at most
// 2000 windows); for each node, a window counts when the node was asked
// anything in it (one of its ops overlaps it) and is worth answered /
// completed of its completions in it, 0 when none completed (requests hung).
// "time_availability" per node is the mean over its counted windows, and
// overall the mean over nodes: every second weighs alike, so workers of a
// dead node that fail and retry at once (thousands of fails a second) do not
// dominate as they do the by-ops figure. A history without nodes is one node
// "all".
//
// Verdict: informational (valid) unless options.min_availability is set; then
// invalid when overall availability is below it, unknown when no client op
// completed. A history with no client ops at all is unknown.
//
// details: {"ok","answered","completed","pending","availability", "fault": A, "healthy": A,
//   "by_node": {node: A + {"fault": A, "healthy": A, "targeted": A}}, "by_f": {f: A + ...},
//   ["partition_sides": {"cut_off": A, "majority": A}],
//   "faults": [{"fault","start_s","end_s","healed","nodes"}],
//   "fault_time_s", "healthy_time_s", "longest_outage": {"start_s","end_s","duration_s"},
//   "recovery": [{"fault","heal_s","nodes": {node: seconds|null}}], ["min_availability"],
//   "time_availability": mean over nodes (null: no ops), by_node[n]["time_availability"],
//   "by_time": {"window_s", "start_s", "nodes": {node: [share | null (not asked) per window]}}}
// where A = {"ok","answered","completed","availability" (null when completed == 0)}.
// Stateless; thread-safe.
#pragma once

#include <memory>
#include <optional>

#include "checkers/checker.h"
#include "harness/core/status.h"

namespace faultline {

struct AvailabilityOptions {
  // From --min-availability: when set, availability below it is invalid.
  std::optional<double> min_availability;
};

// Error when min_availability is outside [0, 1].
Result<std::unique_ptr<Checker>> MakeAvailabilityChecker(const AvailabilityOptions& options = {});

}  // namespace faultline
