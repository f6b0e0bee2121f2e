// Stats checker ("stats"): how many client operations of each f ended ok,
// fail or info, plus the same overall. Nemesis ops are not counted.
//
// Verdict (Jepsen's stats rule): valid when every f that was invoked has at
// least one `ok` completion; INVALID when some f never succeeded at all (a
// workload whose reads never once worked has tested nothing about reads).
// An empty history (no client ops) is unknown: there is nothing to judge.
// Invocations never completed are counted as "pending" (neither ok nor info).
//
// details: {"count", "ok", "fail", "info", "pending",
//           "by_f": {f: {"count","ok","fail","info","pending","valid"}},
//           "never_ok": [f...]}   ("count" = completed ops)
// Stateless; thread-safe.
#pragma once

#include <memory>

#include "checkers/checker.h"

namespace faultline {

struct StatsOptions {};

std::unique_ptr<Checker> MakeStatsChecker(const StatsOptions& options = {});

}  // namespace faultline
