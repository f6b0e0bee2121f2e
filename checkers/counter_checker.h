// Counter checker ("counter"): Jepsen's counter checker for the `counter`
// workload.
//
// Ops (keyed by op.key; a null key is one counter): f "counter-add" with an
// integer value = the delta (must be >= 0), f "counter-read" with ok value =
// the observed integer. Each ok read must lie within
//   lower = initial + sum of deltas of ok adds that completed before the
//           read was invoked (they certainly happened before it), and
//   upper = initial + sum of deltas of attempted adds (ok, info or never
//           completed; failed adds certainly did not happen) invoked before
//           the read completed (all that could have happened by then).
// "before" is history order. A read outside its bounds is an error => invalid.
// No ok read at all => unknown. A negative or non-integer delta, or a
// non-integer read value, makes the bounds meaningless => unknown, naming the op.
//
// details: {"reads", "adds", "error_count", "errors": [{"key","index","value",
//   "lower","upper"}] (first 100), "final": {key: {"value","lower","upper"}}}
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "checkers/checker.h"

namespace faultline {

struct CounterOptions {
  int64_t initial = 0;  // the counter's value before the test
};

std::unique_ptr<Checker> MakeCounterChecker(const CounterOptions& options = {});

}  // namespace faultline
