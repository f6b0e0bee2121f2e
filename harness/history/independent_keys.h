// Independent-key histories as jepsen.independent writes them: every client
// op's value is a tuple [k v] (`:value [3 [1 4]]` is a cas on key 3,
// `:value [3 nil]` a read invocation), and the checker must judge each key k
// as its own register. SplitIndependentKeys turns such ops into keyed ops
// (key = k, value = v), so every model checks them per key.
//
// Detection (kAuto) is deliberately strict, because a plain register history
// can hold 2-element values too (a cas [1 4], a multi-register txn of two
// micro-ops): it says yes only when no client op already has a key, EVERY
// client invocation's value is [k v] with k an integer or a string, every
// cas's v is itself a pair [old new], and every ok completion carries the
// same k as its invocation. fail/info completions may lack the tuple (Jepsen
// keeps the invocation's value, but other tools write nil): they take their
// invocation's key. Nemesis ops are left as they are.
// Stateless functions; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

enum class IndependentMode { kAuto, kYes, kNo };

// "auto" | "yes" | "no"; the error lists the known names.
Result<IndependentMode> ParseIndependentMode(const std::string& name);

// True when `history` (validated: one open op per process) is an
// independent-key history by the rules above.
bool LooksIndependent(const History& history);

// Rewrites every client op [k v] into key k, value v. Error when a client op
// does not fit (names the event: "name:L: ..." with `lines[i]` the source line
// of history[i], or "event i" when `lines` is shorter); the history is then
// unchanged. Returns the number of distinct keys.
Result<size_t> SplitIndependentKeys(History* history, const std::vector<int>& lines, const std::string& name);

}  // namespace faultline
