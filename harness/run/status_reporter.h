// StatusReporter: the live status line of a run — phase, elapsed / limit,
// ops/s, ok/fail/info counts, active faults — every second on a terminal,
// every 10 s otherwise; and the same, every second, in <run_dir>/status.json
// (results/run_status.h) for `faultline serve`, marked finished when the
// reporter is destroyed. Owns a thread from construction to destruction.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "harness/run/interpreter.h"
#include "harness/run/nemesis_driver.h"
#include "harness/run/run_log.h"

namespace faultline {

class StatusReporter {
 public:
  // `log`, `in` and `board` must outlive the reporter. `run_dir` empty: no
  // status file.
  StatusReporter(RunLog* log, const Interpreter* in, const FaultBoard* board, std::string run_dir = "");
  ~StatusReporter();
  // Names the phase now running and its time limit (seconds).
  void SetPhase(const std::string& phase, double limit_s);

 private:
  using Clock = std::chrono::steady_clock;
  void Loop();

  RunLog* log_;
  const Interpreter* in_;
  const FaultBoard* board_;
  std::string run_dir_;
  bool tty_;
  json last_status_ = json::object();
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::string phase_ = "setup";
  double limit_s_ = 0;
  Clock::time_point phase_start_ = Clock::now();
  std::thread thread_;
};

}  // namespace faultline
