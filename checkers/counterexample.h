// Counterexample: an invalid linearizability verdict made into something a
// person can act on — one sentence and a diagram of the failure window.
//
// The sentence names the op that cannot be linearized (its f, key, node,
// what it returned and when), what every linearization allows instead (the
// model states just before it, and the last write that produced them: its
// process, node and completion time), and the faults active in the window,
// because they are usually the explanation: clock offsets of the nodes
// involved ("n3's clock was +4.2 s"), partitions ("partition (majority):
// n4,n5 cut off"), killed or paused nodes. Nodes come from the history (the
// checker's ops name events by index). When the cause is a skewed clock on
// the node of a write, even one skewed before the window, the sentence says
// so — as last-write-wins goes wrong: the write the read's value came from,
// made on a node whose clock was ahead ("the 2 it returned was written on n3
// (...), whose clock was 3.2 s ahead at that time"), or the last write, made
// on a node whose clock was behind (or strobing behind); from the clock
// nemesis' recorded offsets, kind and period.
//
// The diagram (inline SVG, no script) draws the window on a time axis (run
// time in seconds; event positions when the history has no times): one lane
// per process labelled with its node, one box per op from invocation to
// completion (pending ops to the window's end), coloured by role (linearized,
// with its order; the failing op; pending; not linearized yet), labels set in
// rows under the boxes so that no label overlaps another or a box, and the
// active faults as labelled bands. Every op's <g> carries data-index (its
// invocation's history index) so a page can link it to its timeline.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/op.h"

namespace faultline {

struct Counterexample {
  std::string sentence;            // plain text
  std::string svg;                 // the window diagram, with a legend (HTML)
  std::vector<int64_t> indices;    // history indices of the window's invocations
  double from_s = 0, to_s = 0;     // the window on the run's time axis (seconds)
  bool has_time = false;           // false: the diagram uses event positions
};

// `failure` is a CheckLinearizable result's details["failure"], well formed
// (see results/report.cc WellFormedLinearizable); `history` the checked one.
Counterexample DescribeCounterexample(const json& failure, const History& history);

}  // namespace faultline
