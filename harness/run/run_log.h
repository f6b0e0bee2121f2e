// RunLog: a run's faultline.log. Every runner message goes there with a UTC
// timestamp and is echoed to stdout (an error that ends a run: to stderr);
// the status line (StatusReporter) is rewritten in place on a terminal and
// logged only when stdout is not one.
// Thread-safe: workers, the status thread and the lifecycle all write to it.
#pragma once

#include <fstream>
#include <mutex>
#include <string>

namespace faultline {

class RunLog {
 public:
  // Appends to `path`; a file that cannot be opened loses the log lines, never
  // the run (stdout still shows them).
  explicit RunLog(const std::string& path);

  // One timestamped line in the log, also printed unless `echo` is false.
  void Line(const std::string& text, bool echo = true);
  // One timestamped line in the log, also printed on stderr: an error that
  // ends the run (the last thing a user sees).
  void Error(const std::string& text);
  // The status line: on a terminal redrawn in place (not logged, it changes
  // every second); otherwise printed and logged like a line.
  void Status(const std::string& text, bool tty);
  // Ends a status line left open on the terminal.
  void EndStatus();

 private:
  std::mutex mu_;
  std::ofstream file_;
  bool tty_line_open_ = false;
};

}  // namespace faultline
