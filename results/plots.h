// Plots: the report's SVG charts over run time, each with the fault periods
// shaded (one colour per fault, hover names it and its nodes).
//
//   LatencyPlot          one point per completed client op, log-scale latency,
//                        colour = outcome (ok/info/fail), shape = f; over
//                        kMaxLatencyPoints ops it keeps every fail/info first
//                        (up to half) and samples ok evenly.
//   LatencyQuantilePlot  p50 / p95 / p99 / max latency per time bucket.
//   ThroughputPlot       completions per second by outcome.
//   AvailabilityPlot     per node, the share of its ops answered in each
//                        window (results.json availability "by_time").
//   ClockOffsetPlot      each node's clock offset over time, from the clock
//                        nemesis' ops (fault_labels.h ClockOffsets).
//   BankTotalsPlot       the bank workload's read totals over time.
//   MembershipPlot       the store's member count over time, a step line
//                        from the membership nemesis' ops (MembershipSteps).
// Each returns an <svg> plus a caption, or a one-line <p> when there is
// nothing to draw. Axes tick at round steps (1, 2 or 5 x 10^k:
// harness/core/nice_numbers.h). Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "checkers/fault_intervals.h"
#include "harness/core/op.h"

namespace faultline {

inline constexpr size_t kMaxLatencyPoints = 20000;

std::string LatencyPlot(const History& history, const std::vector<FaultInterval>& faults);
std::string LatencyQuantilePlot(const History& history, const std::vector<FaultInterval>& faults);
std::string ThroughputPlot(const History& history, const std::vector<FaultInterval>& faults);
// `by_time`: {"window_s", "start_s", "nodes": {node: [share|null]}}; each
// window's share drawn as a step across the window. The time axis reaches
// at least `end_s` (the run's end), as the other plots' do.
std::string AvailabilityPlot(const json& by_time, const std::vector<FaultInterval>& faults, double end_s = 0);
std::string ClockOffsetPlot(const std::vector<FaultInterval>& faults, double end_s = 0);
// The bank checker's details (checkers/bank_checker.h): every read's total
// over time against the expected total, wrong totals in pink.
std::string BankTotalsPlot(const json& bank, const std::vector<FaultInterval>& faults);

// One membership change as its op recorded it: when it completed, what
// changed, the members after it, and the store's epoch when it reports one
// (ringstore's ring epoch; etcd has none: null).
struct MemberStep {
  double t_s = 0;
  std::string op;                    // join, leave, replace, undo
  std::vector<std::string> left, joined, members;
  json epoch;                        // the last change's "epoch", or null
};
// The membership ops (start-/stop-membership) whose completion names the
// members after it, in time order, preceded by a step at 0 s with the
// members before the first change (its members, less what joined, plus what
// left). Empty when the run changed no membership.
std::vector<MemberStep> MembershipSteps(const History& history);
// The member count as a step line (hover: each change and the members after
// it), over the fault shading; a one-line <p> when there was no change.
std::string MembershipPlot(const History& history, const std::vector<FaultInterval>& faults, double end_s = 0);

}  // namespace faultline
