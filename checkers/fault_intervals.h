// FaultIntervals: when each injected fault was active, read from the nemesis
// ops of a history (CONTRACTS.md): f "start-X" opens fault X, the next
// "stop-X" closes it; a nemesis "heal"/"heal-all" op closes every open fault.
// A start op's completed value carries {"nodes": [affected nodes], ...}; a
// membership change without "nodes" counts its "left" and "joined" nodes.
//
// Nemesis ops may be recorded as invoke+completion or, Jepsen style, as two
// `info` records of the same f; both are understood. A lone record counts as
// both invocation and completion.
//
// A start or stop op whose completed value has "blocked" did nothing (the
// membership nemesis found that no change could complete then, and asks for
// a retry): it neither opens nor closes a fault; the retry that acts does.
// A start while its fault is active adds the nodes it names to the fault's.
//
// A fault counts as active from the start op's invocation (the earliest it may
// have taken effect) to the stop op's completion (the latest it may still have
// been in effect). A fault never stopped lasts until the end of the history
// (`healed` = false). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/op.h"

namespace faultline {

struct FaultInterval {
  std::string fault;               // "partition" for start-partition
  int64_t start = 0;               // ns: start op invoked
  int64_t end = 0;                 // ns: stop op completed (or end of history)
  bool healed = false;             // a stop/heal op closed it
  std::vector<std::string> nodes;  // affected nodes; empty = unknown (all)
  json value;                      // the start op's completed value
};

// One nemesis operation: its invocation and completion records (the same
// record twice for a lone one). Pairs in history order.
struct NemesisOp {
  const Op* invoke;
  const Op* completion;
};
std::vector<NemesisOp> PairNemesisOps(const History& history);

// Intervals in order of their start; faults still open at the end last until
// the latest op time in the history.
std::vector<FaultInterval> FaultIntervals(const History& history);

// True when [from, to] overlaps `interval` and, if `node` is non-empty, the
// interval affects `node` (an interval with unknown nodes affects all).
bool Overlaps(const FaultInterval& interval, int64_t from, int64_t to,
              const std::string& node = "");

}  // namespace faultline
