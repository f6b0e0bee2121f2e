#include "harness/run/status_reporter.h"

#include <unistd.h>

#include <cstdio>

namespace faultline {

StatusReporter::StatusReporter(RunLog* log, const Interpreter* in, const FaultBoard* board)
    : log_(log), in_(in), board_(board), tty_(::isatty(STDOUT_FILENO) == 1) {
  thread_ = std::thread([this] { Loop(); });
}

StatusReporter::~StatusReporter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
  log_->EndStatus();
}

void StatusReporter::SetPhase(const std::string& phase, double limit_s) {
  std::lock_guard<std::mutex> lock(mu_);
  phase_ = phase;
  limit_s_ = limit_s;
  phase_start_ = Clock::now();
}

void StatusReporter::Loop() {
  const auto period = tty_ ? std::chrono::seconds(1) : std::chrono::seconds(10);
  int64_t last_done = 0;
  auto last = Clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, period, [&] { return done_; })) {
    const auto& c = in_->counters();
    int64_t ok = c.ok.load(), fail = c.fail.load(), info = c.info.load();
    auto now = Clock::now();
    double dt = std::chrono::duration<double>(now - last).count();
    double rate = dt > 0 ? (ok + fail + info - last_done) / dt : 0;
    last_done = ok + fail + info;
    last = now;
    double elapsed = std::chrono::duration<double>(now - phase_start_).count();
    std::string faults;
    for (const auto& f : board_->Active()) faults += (faults.empty() ? "" : ",") + f;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "[%s %.0fs/%.0fs] %.0f ops/s  ok %lld  fail %lld  info %lld  faults: %s",
                  phase_.c_str(), elapsed, limit_s_, rate, static_cast<long long>(ok),
                  static_cast<long long>(fail), static_cast<long long>(info),
                  faults.empty() ? "none" : faults.c_str());
    log_->Status(buf, tty_);
  }
}

}  // namespace faultline
