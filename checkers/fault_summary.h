// FaultSummary: what each fault kind did over a run, read from the history's
// nemesis ops (fault_intervals.h) — how often it started, how long it was
// active, which nodes it hit and by which targets, and how many schedule
// steps had to wait for the previous fault op. The terminal prints one line
// per kind after the run, the verdict line names the kinds, results.json has
// the list as "faults". Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/op.h"

namespace faultline {

struct FaultKindSummary {
  std::string fault;                 // "partition"
  int64_t count = 0;                 // intervals (starts that took)
  double active_s = 0;               // their total length
  std::vector<std::string> nodes;    // every node hit (a partition: cut off), sorted
  std::vector<std::string> targets;  // target specs / kinds, in first-use order ("majority", "leader")
  int64_t waited = 0;                // its ops that waited for the previous fault op
  double waited_max_s = 0;
};

// One entry per fault kind that started at least once, in order of the first start.
std::vector<FaultKindSummary> SummarizeFaults(const History& history);

// [{"fault", "count", "active_s", "nodes", "targets", "waited", "waited_max_s"}, ...].
json FaultSummaryJson(const std::vector<FaultKindSummary>& summary);

// "fault partition: 3 times, 12.4 s active, nodes n1,n2,n3 (targets majority)"
// (+ "; 1 step waited up to 2.1 s for the previous fault op").
std::string FaultSummaryLine(const FaultKindSummary& s);

// "faults: partition 3x, kill 2x" (empty for no faults), for the verdict line.
std::string FaultSummaryShort(const std::vector<FaultKindSummary>& summary);

}  // namespace faultline
