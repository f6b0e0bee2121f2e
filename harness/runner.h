// Runner: one test run, the lifecycle of DESIGN.md §4.
//
//   seed + test.json -> nodes -> Db teardown+setup (parallel) -> clients
//   (workers round-robin over nodes) -> main phase (generator, workers,
//   nemesis thread) -> final phase (heal, recovery wait, final reads) ->
//   close clients -> node logs into nodes/<node>/ -> Db teardown (unless
//   leave_db_running) -> checkers -> results.json + report -> verdict line.
//
// Every step after connecting is undone by an RAII scope, so an exception,
// SIGINT or SIGTERM still heals faults, closes clients, saves the history and
// tears the Db down. First signal: stop generating, heal, check what was
// recorded (the verdict line says the run was interrupted). Second: skip the
// checking (a second signal during checking abandons it and exits with 2 at
// once; everything else is done by then). The history is streamed to
// history.jsonl as ops happen, so even `kill -9` leaves a checkable prefix.
//
// Exit codes: 0 valid, 1 invalid, 2 unknown (or interrupted before checking),
// 3 bad spec (nothing was deployed), 4 infrastructure error.
// Not thread-safe: one run at a time per process.
#pragma once

#include <string>

#include "checkers/checker.h"
#include "harness/test_spec.h"

namespace faultline {

struct RunResult {
  int exit_code = 4;
  std::string run_dir;  // empty when nothing was created
  bool interrupted = false;  // stopped by SIGINT/SIGTERM (further runs must not start)
};

// Runs `spec` once (spec.test_count is handled by the `test` command).
RunResult RunTest(const TestSpec& spec);

// Checks a stored run again — `where` is "latest", a run directory or a test
// directory under `store` (see results/run_store.h LoadRun) — writes
// results.json and report.html, prints the verdict line; returns the exit code.
// Works on the prefix left by a killed run.
int AnalyzeRun(const std::string& where, const std::string& store = "store");

// The checker a run uses: the workload's checker plus the generic ones.
Result<std::unique_ptr<Checker>> MakeRunChecker(const TestSpec& spec, Workload& workload);

// Exit code for a verdict: 0 valid, 1 invalid, 2 unknown.
int ExitCodeFor(Validity v);

}  // namespace faultline
