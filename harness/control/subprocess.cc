#include "harness/control/subprocess.h"

#include "harness/control/child_fds.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;

// Resolves `prog` against PATH (before any fork: the child must not allocate).
std::string FindProgram(const std::string& prog) {
  if (prog.find('/') != std::string::npos) return prog;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  // Root's tools (ip, iptables, sshd) live in sbin, which PATH may lack.
  dirs += ":/usr/local/sbin:/usr/sbin:/sbin";
  std::stringstream ss(dirs);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + prog;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string Describe(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s.size() > 160 ? s.substr(0, 157) + "..." : s;
}

std::vector<char*> CArgv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<ExecResult> RunLocal(const std::vector<std::string>& argv, const std::string& stdin_data,
                            std::chrono::milliseconds timeout) {
  if (argv.empty()) return Status::Error("RunLocal: empty command");
  std::string path = FindProgram(argv[0]);
  if (path.empty()) return Status::Error(argv[0] + ": program not found in PATH");
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) return Status::Error(std::string("pipe: ") + strerror(errno));
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]); close(in[1]);
    return Status::Error(std::string("pipe: ") + strerror(errno));
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(in[0]); close(in[1]); close(out[0]); close(out[1]);
    return Status::Error(std::string("pipe: ") + strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  AddCloseInheritedFds(&actions);  // only 0-2: not our log, sockets or other threads' pipes
  // Its own process group, so a timeout kills whatever it started too.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  auto cargv = CArgv(argv);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, path.c_str(), &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(in[1]); close(out[0]); close(err[0]);
    return Status::Error(argv[0] + ": cannot start: " + strerror(rc));
  }

  ExecResult result;
  size_t written = 0;
  int in_fd = in[1];
  if (stdin_data.empty()) {
    close(in_fd);
    in_fd = -1;
  } else {
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  int out_fd = out[0], err_fd = err[0];
  auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3];
    int n = 0;
    int out_i = -1, err_i = -1, in_i = -1;
    if (out_fd >= 0) { out_i = n; fds[n++] = {out_fd, POLLIN, 0}; }
    if (err_fd >= 0) { err_i = n; fds[n++] = {err_fd, POLLIN, 0}; }
    if (in_fd >= 0) { in_i = n; fds[n++] = {in_fd, POLLOUT, 0}; }
    int pr = poll(fds, n, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (pr < 0 && errno != EINTR) break;
    if (pr <= 0) continue;
    auto drain = [&](int idx, int& fd, std::string& into) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t r = read(fd, buf, sizeof buf);
      if (r > 0) {
        into.append(buf, r);
      } else if (r == 0 || errno != EINTR) {
        close(fd);
        fd = -1;
      }
    };
    drain(out_i, out_fd, result.out);
    drain(err_i, err_fd, result.err);
    if (in_i >= 0 && (fds[in_i].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in_fd, stdin_data.data() + written, stdin_data.size() - written);
      if (w > 0) written += w;
      if (w < 0 && errno != EAGAIN && errno != EINTR) written = stdin_data.size();
      if (written >= stdin_data.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  if (out_fd >= 0) close(out_fd);
  if (err_fd >= 0) close(err_fd);
  if (timed_out) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Status::Error("`" + Describe(argv) + "` timed out after " +
                         std::to_string(timeout.count()) + "ms");
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

Result<std::string> RunLocalOrError(const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) {
  auto r = RunLocal(argv, "", timeout);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    std::string err = r->err.empty() ? r->out : r->err;
    if (err.size() > 400) err = "..." + err.substr(err.size() - 400);
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return Status::Error("`" + Describe(argv) + "` exited " + std::to_string(r->exit_code) +
                         (err.empty() ? "" : ": " + err));
  }
  return std::move(r->out);
}

Result<pid_t> SpawnDaemon(const std::vector<std::string>& argv, const std::string& log_path) {
  if (argv.empty()) return Status::Error("SpawnDaemon: empty command");
  std::string path = FindProgram(argv[0]);
  if (path.empty()) return Status::Error(argv[0] + ": program not found in PATH");
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::Error(log_path + ": " + strerror(errno));
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];
  if (null_fd < 0 || pipe2(report, O_CLOEXEC) != 0) {
    close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return Status::Error(std::string("SpawnDaemon: ") + strerror(errno));
  }
  auto cargv = CArgv(argv);
  // Double fork: the middle child exits at once, so the daemon is re-parented
  // to init and never lingers as our zombie. Only async-signal-safe calls
  // between fork and exec (this process may have other threads).
  pid_t middle = fork();
  if (middle < 0) {
    close(log_fd); close(null_fd); close(report[0]); close(report[1]);
    return Status::Error(std::string("fork: ") + strerror(errno));
  }
  if (middle == 0) {
    setsid();
    pid_t daemon = fork();
    if (daemon == 0) {
      dup2(null_fd, 0);
      dup2(log_fd, 1);
      dup2(log_fd, 2);
      CloseInheritedFds();  // only 0-2 (log_fd, null_fd, the report pipe and whatever else)
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execv(path.c_str(), cargv.data());
      _exit(127);
    }
    ssize_t ignored = write(report[1], &daemon, sizeof daemon);
    (void)ignored;
    _exit(daemon > 0 ? 0 : 1);
  }
  close(report[1]);
  close(log_fd);
  close(null_fd);
  pid_t daemon = -1;
  ssize_t r = read(report[0], &daemon, sizeof daemon);
  close(report[0]);
  int status = 0;
  while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (r != sizeof daemon || daemon <= 0) {
    return Status::Error(argv[0] + ": cannot start daemon");
  }
  return daemon;
}

ProcessId IdentifyProcess(pid_t pid) {
  ProcessId id{pid, 0};
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return id;
  // The command name (field 2) may contain spaces; fields restart after ')'.
  auto close_paren = line.rfind(')');
  if (close_paren == std::string::npos) return id;
  std::istringstream rest(line.substr(close_paren + 2));
  std::string field;
  std::string state;
  rest >> state;  // field 3
  if (state == "Z" || state == "X") return id;
  for (int i = 4; i <= 22 && rest >> field; ++i) {
    if (i == 22) id.start_time = std::stoull(field);
  }
  return id;
}

bool ProcessAlive(const ProcessId& id) {
  if (id.pid <= 0) return false;
  ProcessId now = IdentifyProcess(id.pid);
  if (now.start_time == 0) return false;
  return id.start_time == 0 || id.start_time == now.start_time;
}

bool KillProcess(const ProcessId& id, std::chrono::milliseconds wait) {
  if (!ProcessAlive(id)) return true;
  kill(id.pid, SIGKILL);
  auto deadline = Clock::now() + wait;
  while (Clock::now() < deadline) {
    if (!ProcessAlive(id)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !ProcessAlive(id);
}

}  // namespace faultline
