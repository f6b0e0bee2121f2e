// harness/run — running a test: generators, the interpreter (worker
// threads), the test spec, interrupts, and the runner's lifecycle. Depends on
// core, history and control (and on the checkers, nemeses, targets and results
// it drives); nothing in core, history or control depends on it.
//
// Runner: one test run, the lifecycle of DESIGN.md §4, each step a function of
// runner.cc composed by RunTest (the helpers it uses are this folder's other
// files: run_log, run_scopes, nemesis_driver, status_reporter, check_and_report).
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
#include "harness/run/check_and_report.h"  // AnalyzeRun, MakeRunChecker, ExitCodeFor
#include "harness/run/test_spec.h"

namespace faultline {

struct RunResult {
  int exit_code = 4;
  std::string run_dir;  // empty when nothing was created
  bool interrupted = false;  // stopped by SIGINT/SIGTERM (further runs must not start)
};

// Runs `spec` once (spec.test_count is handled by the `test` command).
RunResult RunTest(const TestSpec& spec);

}  // namespace faultline
