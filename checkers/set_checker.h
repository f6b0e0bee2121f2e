// Set checker ("set"): Jepsen's set checker for the `set` workload.
//
// Ops (keyed by op.key; a null key is one set): f "set-add" with value = the
// element (adds are unique), f "set-read" with ok value = the list of
// elements present. Per key, the final read is the last ok set-read in the
// history; every element is judged against it:
//   ok         - acknowledged (ok) add, present in the final read
//   lost       - acknowledged add that completed before the final read
//                was invoked, missing from it                      => invalid
//   unread     - acknowledged add that completed after the final read
//                was invoked, missing from it: that read may miss it and no
//                later read shows it (e.g. a run stopped before its final
//                reads)                                            => unknown
//   unexpected - element in ANY ok read that no set-add attempted  => invalid
//   recovered  - add that ended info (or never completed), present
//   duplicated - element listed twice within one read (a set has no
//                duplicates)                                       => invalid
// With options.linearizable, additionally:
//   stale      - an ok read lacks an element whose ok add completed before
//                that read was invoked                             => invalid
// A key with adds but no ok read at all makes the result unknown ("set was
// never read"), unless something else already made it invalid. Failed adds
// must not appear: one that does is reported as unexpected.
//
// details: {"attempt_count","acknowledged_count","ok_count","lost_count",
//   "unexpected_count","recovered_count","duplicated_count","unread_count",
//   ["stale_count"], "lost","unexpected","recovered","duplicated","unread",
//   ["stale"] (first 100 each),
//   "keys", ["never_read"]}; per-element entries carry {"key","element",...}.
// Stateless; thread-safe.
#pragma once

#include <memory>

#include "checkers/checker.h"

namespace faultline {

struct SetOptions {
  bool linearizable = false;  // from --linearizable: also report stale reads
};

std::unique_ptr<Checker> MakeSetChecker(const SetOptions& options = {});

}  // namespace faultline
