// Checking a recorded run, the last step of the lifecycle (DESIGN.md §4 step 8)
// and all of `faultline analyze`: load history.jsonl, run the run's checker
// (the workload's plus stats, perf, availability), write results.json and
// report.html, print the verdict line with the reproducing seed.
// Not thread-safe: one check at a time per process.
#pragma once

#include <memory>
#include <string>

#include "checkers/checker.h"
#include "harness/run/run_log.h"
#include "harness/run/test_spec.h"

namespace faultline {

// The target's own counters of a run (Target::stats), written by the runner
// into the run directory; results.json carries them as "target".
inline constexpr char kTargetStatsFile[] = "target-stats.json";

// The checker a run uses: the workload's checker plus the generic ones.
Result<std::unique_ptr<Checker>> MakeRunChecker(const TestSpec& spec, Workload& workload);

// Exit code for a verdict: 0 valid, 1 invalid, 2 unknown.
int ExitCodeFor(Validity v);

// Checks the run in `run_dir`, writes results.json (+ the report), prints the
// verdict line; returns the exit code (3 when the history cannot be loaded, 4
// when the checker cannot be built). `interrupted`: the run was stopped early
// by a signal (the verdict says so). When a second signal arrives while
// checking (only RunTest holds an InterruptGuard), the check is abandoned:
// the verdict line says unknown and the process exits at once with code 2 —
// everything else (heal, history, teardown) was done before checking started,
// and the checker thread cannot be cancelled.
int CheckAndReport(const TestSpec& spec, Workload& workload, const std::string& run_dir,
                   RunLog* log, bool interrupted = false);

// Checks a stored run again — `where` is "latest", a run directory or a test
// directory under `store` (see results/run_store.h LoadRun) — writes
// results.json and report.html, prints the verdict line; returns the exit code.
// Works on the prefix left by a killed run.
int AnalyzeRun(const std::string& where, const std::string& store = "store");

}  // namespace faultline
