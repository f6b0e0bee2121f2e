// LocalShellRemote (tests only): a Remote whose commands run as real local
// processes (`/bin/sh -c`), optionally inside a network namespace
// (`ip netns exec NS sh -c`). Lets the nemesis tests drive real iptables,
// real processes and real files without SSH. Upload/Download copy with cp -a.
// Thread-safe (each Exec is its own child process).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "harness/control/remote.h"

namespace faultline {

class LocalShellRemote : public Remote {
 public:
  LocalShellRemote(std::string node, std::string address, std::string netns = "")
      : node_(std::move(node)), address_(std::move(address)), netns_(std::move(netns)) {}

  const std::string& node() const override { return node_; }
  const std::string& address() const override { return address_; }

  Result<ExecResult> Exec(const std::string& command, const std::string& stdin_data = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds(60)) override {
    std::vector<std::string> argv;
    if (!netns_.empty()) argv = {"ip", "netns", "exec", netns_};
    argv.insert(argv.end(), {"/bin/sh", "-c", command});
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
      return Status::Error(node_ + ": pipe failed");
    }
    pid_t pid = fork();
    if (pid < 0) return Status::Error(node_ + ": fork failed");
    if (pid == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    if (!stdin_data.empty()) {
      ssize_t unused = write(in[1], stdin_data.data(), stdin_data.size());
      (void)unused;
    }
    close(in[1]);
    ExecResult result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool timed_out = false;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        timed_out = true;
        break;
      }
      if (poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[4096];
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        } else {
          (i == 0 ? result.out : result.err).append(buf, n);
        }
      }
    }
    for (auto& f : fds) {
      if (f.fd >= 0) close(f.fd);
    }
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (timed_out) {
      return Status::Error(node_ + ": timed out after " +
                           std::to_string(timeout.count() / 1000) + "s");
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
  }

  Status Upload(const std::string& local_path, const std::string& remote_path) override {
    auto r = ExecOrError(*this, "mkdir -p \"$(dirname " + ShellQuote(remote_path) + ")\" && cp -a " +
                                    ShellQuote(local_path) + " " + ShellQuote(remote_path));
    return r.ok() ? Status::Ok() : r.status();
  }
  Status Download(const std::string& remote_path, const std::string& local_path) override {
    return Upload(remote_path, local_path);
  }

 private:
  std::string node_;
  std::string address_;
  std::string netns_;
};

}  // namespace faultline
