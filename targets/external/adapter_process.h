// AdapterProcess: one running adapter program of an external target — a
// child of the controller with pipes on its stdin, stdout and stderr, in its
// own process group (so whatever it forks is killed with it).
//
// The child gets exactly fds 0-2 (harness/control/child_fds.h): the pipes are
// made close-on-exec (pipe2), and the child closes every other descriptor
// between fork and exec, so an adapter never holds another adapter's pipe
// (which would hide that adapter's EOF, or hang the thread starting it), nor
// the controller's log file or SSH sockets. Start returns once the program was
// exec'd (or with why not), within a bounded time.
//
// Reading is line based with a deadline, and drains stderr while it waits, so
// an adapter flooding stderr can never block on a full pipe. Each stderr line
// goes to `on_stderr` (the caller rate-limits and logs) and the last few are
// kept for error messages.
//
// Not thread-safe: one worker thread owns it. The destructor stops it (Stop).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/core/status.h"

namespace faultline {

// `name` looked up in PATH as execvp would ("" when not found).
std::string FindProgramOnPath(const std::string& name);

class AdapterProcess {
 public:
  struct Options {
    std::vector<std::string> argv;                         // argv[0]: a path, or a name looked up in PATH
    std::string dir;                                       // working directory
    std::vector<std::pair<std::string, std::string>> env;  // added to the controller's environment
    std::function<void(const std::string&)> on_stderr;     // each stderr line (may be empty)
    size_t max_line_bytes = size_t{16} << 20;              // longer stdout lines are refused
  };

  // Starts the program. Error: it could not be started (not found, not
  // executable), with the reason.
  static Result<std::unique_ptr<AdapterProcess>> Start(Options options);
  ~AdapterProcess();
  AdapterProcess(const AdapterProcess&) = delete;
  AdapterProcess& operator=(const AdapterProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Writes `line` and a newline to its stdin. Error: it closed stdin or
  // exited (EPIPE), or the write did not finish by `deadline`.
  Status WriteLine(const std::string& line, std::chrono::steady_clock::time_point deadline);

  enum class Read { kLine, kTimeout, kEof, kTooLong };
  // The next stdout line (without the newline) into `*line`, or what
  // happened instead: nothing by `deadline`, stdout closed (it exited or
  // closed it), or a line longer than max_line_bytes (the process is then
  // of no further use).
  Read ReadLine(std::chrono::steady_clock::time_point deadline, std::string* line);

  // "exited with status 3" / "killed by signal 11" / "still running"; waits
  // up to `wait` for it to exit first (a closed stdout usually means it is
  // exiting).
  std::string ExitDescription(std::chrono::milliseconds wait = std::chrono::milliseconds(500));

  // The last stderr lines, oldest first, '|'-joined ("" when none).
  std::string StderrTail() const;

  // The end of the run: closes its stdin, gives it `grace` to exit (reading
  // its stderr meanwhile), then SIGKILLs its process group; reaps it.
  // Idempotent. Kill() is Stop with no grace.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(2));
  void Kill() { Stop(std::chrono::milliseconds(0)); }

 private:
  AdapterProcess() = default;
  // Reaps it if it has exited (non-blocking); true when it has.
  bool Reaped();
  // Reads what stderr has (non-blocking); true at its EOF.
  bool DrainStderr();
  void StderrLine(std::string line);

  Options options_;
  pid_t pid_ = 0;
  bool reaped_ = false;
  int wait_status_ = 0;  // valid once reaped_
  int in_ = -1, out_ = -1, err_ = -1;  // our ends of the pipes; -1 once closed
  std::string out_buf_, err_buf_;
  std::deque<std::string> err_tail_;
  bool stopped_ = false;
};

}  // namespace faultline
