// Fault labels: what an injected fault did, in a few words a person reads on a
// timeline band or next to a counterexample — "partition (majority): n4,n5 cut
// off", "clock bump: n3 +4.2 s, n1 -0.8 s", "kill: n2". Read from the start
// op's completed value as the nemeses record it (nemesis/partition.cc,
// clock.cc, process_fault.cc); a value in another shape falls back to the
// fault's name and its nodes. Also the clock offset each node had over time,
// for the clock plot. Pure; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "checkers/fault_intervals.h"

namespace faultline {

// One line describing `interval` (never empty).
std::string DescribeFault(const FaultInterval& interval);

// A node's clock offset as a step function: offset_ms holds from t_s on
// (until the next point). Drift is linear, so it is sampled at 21 points
// across its interval (the nemesis caps it at its max skew, which the value
// does not record: a long drift may be drawn larger than it was).
struct ClockPoint {
  double t_s = 0;
  double offset_ms = 0;
};
std::map<std::string, std::vector<ClockPoint>> ClockOffsets(const std::vector<FaultInterval>& faults);

}  // namespace faultline
