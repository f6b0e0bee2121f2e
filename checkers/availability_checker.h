// Availability checker ("availability"): how often client operations
// succeeded, and how that changed while faults were active.
//
// availability = ok / completed, where completed = ok + fail + info client ops
// (pending invocations, never completed, are left out and counted apart).
// Reported overall, per node (op.node; ops without a node only count overall
// and per f) and per f, each also split into "fault" vs "healthy":
//   - overall/per f: an op is a fault op when [invoke, completion] overlaps
//     any active-fault interval (fault_intervals.h), else healthy;
//   - per node: a fault op when it overlaps a fault affecting that node.
// Also: "longest_outage", the longest stretch of run time (between the first
// client invocation and the last client completion) with no ok completion;
// and "recovery": for each heal (stop-X / heal), seconds from the heal's
// completion to the first ok completion on each node (null: none after it).
//
// Verdict: informational (valid) unless options.min_availability is set; then
// invalid when overall availability is below it, unknown when no client op
// completed. A history with no client ops at all is unknown.
//
// details: {"ok","completed","pending","availability", "fault": A, "healthy": A,
//   "by_node": {node: A + {"fault": A, "healthy": A}}, "by_f": {f: A + ...},
//   "faults": [{"fault","start_s","end_s","healed","nodes"}],
//   "fault_time_s", "healthy_time_s", "longest_outage": {"start_s","end_s","duration_s"},
//   "recovery": [{"fault","heal_s","nodes": {node: seconds|null}}], ["min_availability"]}
// where A = {"ok","completed","availability" (null when completed == 0)}.
// Stateless; thread-safe.
#pragma once

#include <memory>
#include <optional>

#include "checkers/checker.h"
#include "harness/status.h"

namespace faultline {

struct AvailabilityOptions {
  // From --min-availability: when set, availability below it is invalid.
  std::optional<double> min_availability;
};

// Error when min_availability is outside [0, 1].
Result<std::unique_ptr<Checker>> MakeAvailabilityChecker(const AvailabilityOptions& options = {});

}  // namespace faultline
