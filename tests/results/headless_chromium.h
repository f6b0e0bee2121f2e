// HeadlessChromium: opens a page in Debian's `chromium` (installed by
// scripts/install-deps.sh) the way the report tests need: headless, no
// sandbox (tests run as root), no GPU, a fresh profile in a temporary
// directory removed afterwards. Load() returns the DOM after the page's
// scripts ran (--dump-dom) and every console message Chromium logged
// (uncaught errors included); Screenshot() saves a PNG.
//
// Chromium runs in its own process group; a run past its timeout is killed
// by that group's id (the child's pid) and reaped, so nothing outlives the
// call. Not thread-safe (one page at a time).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/test_files.h"

extern char** environ;

namespace faultline::testing {

struct ChromiumRun {
  int exit_code = -1;                  // -1: killed (timeout) or could not start
  std::string out;                     // stdout (the DOM for Load)
  std::vector<std::string> console;    // "INFO:CONSOLE" lines: console.* calls and uncaught errors
  std::string err;                     // all of stderr
};

// The chromium binary, or "" when it is not installed.
inline std::string ChromiumBinary() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

// Runs chromium with the common flags plus `args`, for at most `timeout_s`.
inline ChromiumRun RunChromium(const std::vector<std::string>& args, double timeout_s = 60) {
  ChromiumRun run;
  std::string bin = ChromiumBinary();
  std::string profile = TempDir("chromium-profile");
  if (bin.empty() || profile.empty()) return run;
  std::vector<std::string> all = {bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                  "--disable-extensions", "--disable-background-networking",
                                  "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out_fd[2], err_fd[2];
  if (::pipe2(out_fd, O_CLOEXEC) != 0) return run;
  if (::pipe2(err_fd, O_CLOEXEC) != 0) {
    ::close(out_fd[0]);
    ::close(out_fd[1]);
    return run;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_fd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: chromium's helpers die with it
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(out_fd[1]);
  ::close(err_fd[1]);
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  pollfd fds[2] = {{out_fd[0], POLLIN, 0}, {err_fd[0], POLLIN, 0}};
  int open = pid > 0 ? 2 : 0;
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
    if (left <= 0 || ::poll(fds, 2, static_cast<int>(left)) <= 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? run.out : run.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  ::close(out_fd[0]);
  ::close(err_fd[0]);
  if (pid > 0) {
    int status = 0;
    if (open > 0) ::kill(-pid, SIGKILL);  // timed out: the whole group
    ::waitpid(pid, &status, 0);
    if (open == 0 && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  }
  std::error_code ec;
  std::filesystem::remove_all(profile, ec);
  size_t pos = 0;
  while (pos < run.err.size()) {
    size_t nl = run.err.find('\n', pos);
    if (nl == std::string::npos) nl = run.err.size();
    std::string line = run.err.substr(pos, nl - pos);
    if (line.find(":CONSOLE") != std::string::npos) run.console.push_back(line);
    pos = nl + 1;
  }
  return run;
}

// The DOM of `url` after its scripts ran (and up to `budget_ms` of virtual
// time for timers and fetches). Virtual time also runs performance.now():
// pass budget_ms 0 to time a page in real time (the DOM is then dumped once
// the page has loaded, its inline scripts having run).
inline ChromiumRun LoadPage(const std::string& url, int budget_ms = 3000, int width = 1280, int height = 1600,
                            double timeout_s = 60) {
  std::vector<std::string> args = {"--window-size=" + std::to_string(width) + "," + std::to_string(height)};
  if (budget_ms > 0) args.push_back("--virtual-time-budget=" + std::to_string(budget_ms));
  args.push_back("--dump-dom");
  args.push_back(url);
  return RunChromium(args, timeout_s);
}

// Saves a PNG of `url` at `width`x`height` to `png`.
inline ChromiumRun Screenshot(const std::string& url, const std::string& png, int width = 1280, int height = 2400,
                              int budget_ms = 3000) {
  return RunChromium({"--window-size=" + std::to_string(width) + "," + std::to_string(height), "--hide-scrollbars",
                      "--virtual-time-budget=" + std::to_string(budget_ms), "--screenshot=" + png, url});
}

// Where a test saves its screenshots: beside the test output, under
// build/test-screenshots/ (kept after the test so a person can look).
inline std::string ScreenshotPath(const std::string& name) {
  std::string dir = std::string(FAULTLINE_BINARY_DIR) + "/test-screenshots";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return dir + "/" + name + ".png";
}

}  // namespace faultline::testing
