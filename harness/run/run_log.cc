#include "harness/run/run_log.h"

#include <cstdio>
#include <ctime>

#include "harness/core/utc_time.h"

namespace faultline {

RunLog::RunLog(const std::string& path) : file_(path, std::ios::app) {}

void RunLog::Line(const std::string& text, bool echo) {
  std::lock_guard<std::mutex> lock(mu_);
  file_ << UtcNowIso8601() << " " << text << "\n";
  file_.flush();
  if (echo) {
    std::printf("%s%s\n", tty_line_open_ ? "\n" : "", text.c_str());
    std::fflush(stdout);
    tty_line_open_ = false;
  }
}

void RunLog::Error(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  file_ << UtcNowIso8601() << " " << text << "\n";
  file_.flush();
  if (tty_line_open_) std::printf("\n");
  tty_line_open_ = false;
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

void RunLog::Status(const std::string& text, bool tty) {
  std::lock_guard<std::mutex> lock(mu_);
  if (tty) {
    std::printf("\r\033[K%s", text.c_str());
    tty_line_open_ = true;
  } else {
    std::printf("%s\n", text.c_str());
    file_ << text << "\n";
    file_.flush();
  }
  std::fflush(stdout);
}

void RunLog::EndStatus() {
  std::lock_guard<std::mutex> lock(mu_);
  if (tty_line_open_) std::printf("\n");
  tty_line_open_ = false;
  std::fflush(stdout);
}

}  // namespace faultline
