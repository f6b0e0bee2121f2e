// FaultlineChild: a real `faultline` child process for tests that signal it
// mid-run, with its stdout+stderr on a pipe the test reads as it goes.
// The destructor SIGKILLs (by pid) and reaps a child that is still running.
// Not thread-safe.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

extern char** environ;

namespace faultline::testing {

class FaultlineChild {
 public:
  // Starts build/faultline with `args`; check ok().
  explicit FaultlineChild(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    std::vector<std::string> all = {std::string(FAULTLINE_BINARY_DIR) + "/faultline"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~FaultlineChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  FaultlineChild(const FaultlineChild&) = delete;
  FaultlineChild& operator=(const FaultlineChild&) = delete;

  bool ok() const { return pid_ > 0 && fd_ >= 0; }
  void Signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Reads output until `text` appears after position `from` (true), EOF or
  // the timeout (false).
  bool WaitFor(const std::string& text, double timeout_s, size_t from = 0) {
    auto until = Deadline(timeout_s);
    while (output_.find(text, from) == std::string::npos) {
      if (!ReadSome(until)) return false;
    }
    return true;
  }
  // Reads to EOF, reaps the child; its exit code, -1 if killed by a signal
  // or still running after the timeout.
  int Wait(double timeout_s) {
    auto until = Deadline(timeout_s);
    while (ReadSome(until)) {
    }
    if (pid_ <= 0) return -1;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      ::usleep(10000);
    }
    return -1;
  }
  const std::string& output() const { return output_; }

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  static TimePoint Deadline(double s) {
    return std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               std::chrono::duration<double>(s));
  }
  // One read (waiting until `until`); false at EOF, error or timeout.
  bool ReadSome(TimePoint until) {
    if (fd_ < 0) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    until - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[4096];
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    output_.append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
};

}  // namespace faultline::testing
