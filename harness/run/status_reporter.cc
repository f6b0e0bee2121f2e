#include "harness/run/status_reporter.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "results/run_status.h"

namespace faultline {

StatusReporter::StatusReporter(RunLog* log, const Interpreter* in, const FaultBoard* board,
                               std::string run_dir)
    : log_(log), in_(in), board_(board), run_dir_(std::move(run_dir)), tty_(::isatty(STDOUT_FILENO) == 1) {
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
  if (!run_dir_.empty()) {
    json last = last_status_;
    const auto& c = in_->counters();
    last["ok"] = c.ok.load();
    last["fail"] = c.fail.load();
    last["info"] = c.info.load();
    json faults = json::array();
    for (const auto& f : board_->Active()) faults.push_back(f);
    last["faults"] = faults;
    last["finished"] = true;
    last["phase"] = "checking";
    last["updated"] = static_cast<double>(std::time(nullptr));
    (void)WriteRunStatus(run_dir_, last);
  }
}

void StatusReporter::SetPhase(const std::string& phase, double limit_s) {
  std::lock_guard<std::mutex> lock(mu_);
  phase_ = phase;
  limit_s_ = limit_s;
  phase_start_ = Clock::now();
}

void StatusReporter::Loop() {
  // The status file every second; the log line every second on a terminal,
  // every 10 s otherwise.
  const int line_every = tty_ ? 1 : 10;
  int tick = 0;
  int64_t last_done = 0;
  auto last = Clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::seconds(1), [&] { return done_; })) {
    const auto& c = in_->counters();
    int64_t ok = c.ok.load(), fail = c.fail.load(), info = c.info.load();
    auto now = Clock::now();
    double dt = std::chrono::duration<double>(now - last).count();
    double rate = dt > 0 ? (ok + fail + info - last_done) / dt : 0;
    last_done = ok + fail + info;
    last = now;
    double elapsed = std::chrono::duration<double>(now - phase_start_).count();
    std::string faults;
    json fault_list = json::array();
    for (const auto& f : board_->Active()) {
      faults += (faults.empty() ? "" : ",") + f;
      fault_list.push_back(f);
    }
    if (!run_dir_.empty()) {
      last_status_ = {{"phase", phase_}, {"elapsed_s", elapsed}, {"limit_s", limit_s_}, {"ops_s", rate},
                      {"ok", ok}, {"fail", fail}, {"info", info}, {"faults", fault_list},
                      {"updated", static_cast<double>(std::time(nullptr))}, {"pid", ::getpid()},
                      {"finished", false}};
      (void)WriteRunStatus(run_dir_, last_status_);  // best effort: the run matters more
    }
    if (++tick % line_every != 0) continue;
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
