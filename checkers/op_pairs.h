// OpPairs: matches each client invocation in a history with its completion.
//
// Jepsen's process model: a process has at most one open operation, so an
// invoke is completed by the next non-invoke op of the same process. Nemesis
// ops are skipped (see fault_intervals.h). An invoke that is never completed
// (the run ended or was killed first) is "pending": checkers treat it like
// `info` (it may or may not have happened). A completion with no open invoke,
// or a second invoke while one is open, is malformed; such ops are counted in
// `malformed` and otherwise ignored, so callers can report them.
// Pure function of its input; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "harness/core/op.h"

namespace faultline {

struct OpPair {
  size_t invoke = 0;                 // position of the invoke in the history
  std::optional<size_t> completion;  // position of its ok/fail/info; none = pending
};

struct PairedOps {
  std::vector<OpPair> pairs;  // client ops in invocation order
  size_t malformed = 0;       // orphan completions + invokes on a busy process
};

PairedOps PairClientOps(const History& history);

// The completion type of a pair: kOk/kFail/kInfo, or kInvoke when pending.
OpType PairOutcome(const History& history, const OpPair& pair);

}  // namespace faultline
