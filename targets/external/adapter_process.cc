// The adapter is started with fork + execve (not Boost.Process, whose
// exec-error pipe is made with pipe() and flagged close-on-exec afterwards on
// one end only: an adapter forked by another worker in between inherited it,
// and the worker starting the first adapter then waited for that pipe's EOF
// as long as the other adapter lived). The reading and writing is plain
// poll(2) on the pipe ends, with deadlines.
#include "targets/external/adapter_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "harness/control/child_fds.h"

extern char** environ;

namespace faultline {

using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kStderrTailLines = 8;
constexpr size_t kMaxStderrLine = 4096;  // longer stderr lines are cut for the log

// Rounded up: 0 only once the deadline has passed, so a caller that sees
// 0 and then compares the clock with the deadline agrees (rounding down made
// a write timeout with 0.4 ms left look like an exited adapter).
int MillisUntil(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>((left + 999) / 1000, 1 << 30));
}

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

// How long Start waits for the child to exec (or to say why it could not).
// The child only makes a few system calls before exec; this bounds a chdir
// into a hung network file system.
constexpr auto kExecTimeout = std::chrono::seconds(10);

// What a child that could not exec reports on its report pipe.
struct ExecFailure {
  int stage;  // 0: chdir, 1: exec
  int error;  // errno
};

void ClosePair(int fds[2]) {
  for (int i = 0; i < 2; ++i) {
    if (fds[i] >= 0) ::close(fds[i]);
    fds[i] = -1;
  }
}

}  // namespace

std::string FindProgramOnPath(const std::string& name) {
  const char* env = std::getenv("PATH");
  std::string dirs = env ? env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return "";
}

Result<std::unique_ptr<AdapterProcess>> AdapterProcess::Start(Options options) {
  if (options.argv.empty()) return Status::Error("no adapter command");
  std::string exe = options.argv[0];
  if (exe.find('/') == std::string::npos) {
    exe = FindProgramOnPath(options.argv[0]);
    if (exe.empty()) return Status::Error("adapter program \"" + options.argv[0] + "\" is not on PATH");
  }
  // Everything the child needs is made here: between fork and exec it may
  // only make async-signal-safe calls (other threads may hold malloc's lock).
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    bool overridden = false;
    for (const auto& [k, v] : options.env) overridden = overridden || k == key;
    if (!overridden) env_strings.push_back(std::move(kv));
  }
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& kv : env_strings) envp.push_back(kv.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = options.argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string dir = options.dir;

  // All four pipes close-on-exec from their creation (pipe2): no other
  // child, forked by another thread at any moment, can keep one past exec.
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
  auto close_all = [&] {
    ClosePair(in);
    ClosePair(out);
    ClosePair(err);
    ClosePair(report);
  };
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
      ::pipe2(report, O_CLOEXEC) != 0) {
    std::string why = std::strerror(errno);
    close_all();
    return Status::Error("cannot start adapter " + options.argv[0] + ": pipe: " + why);
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::string why = std::strerror(errno);
    close_all();
    return Status::Error("cannot start adapter " + options.argv[0] + ": fork: " + why);
  }
  if (pid == 0) {
    // Its own process group, so Stop kills whatever it forks too.
    ::setpgid(0, 0);
    // PDEATHSIG: if the thread that started it ends without stopping it (a
    // worker the interpreter abandoned, a controller killed by SIGKILL), the
    // kernel kills the adapter, so none outlives the run.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent is already gone
    // Ignored signals (the controller's SIGPIPE) and the signal mask would
    // be inherited across exec: the adapter starts with the defaults.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // dup2 clears close-on-exec on the copies 0-2 only.
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ExecFailure failure{0, 0};
    if (::chdir(dir.c_str()) == 0) {
      // Exactly 0-2 survive exec (and the report pipe until then).
      CloseInheritedFds(report[1]);
      ::execve(exe.c_str(), argv.data(), envp.data());
      failure.stage = 1;
    }
    failure.error = errno;
    ssize_t ignored = ::write(report[1], &failure, sizeof failure);
    (void)ignored;
    ::_exit(127);
  }
  // Also from here: a Stop before the child ran setpgid still hits the group.
  ::setpgid(pid, pid);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::close(report[1]);
  std::unique_ptr<AdapterProcess> p(new AdapterProcess());
  p->pid_ = pid;
  p->in_ = in[1];
  p->out_ = out[0];
  p->err_ = err[0];
  p->stopped_ = false;
  // The report pipe's write end lives only in the child, closed by its
  // exec: EOF means it runs the adapter; a record means it could not.
  ExecFailure failure{0, 0};
  size_t got = 0;
  const auto deadline = Clock::now() + kExecTimeout;
  bool timed_out = false;
  while (got < sizeof failure) {
    pollfd pfd{report[0], POLLIN, 0};
    int wait = MillisUntil(deadline);
    if (wait == 0) {
      timed_out = true;
      break;
    }
    int pr = ::poll(&pfd, 1, wait);
    if (pr < 0 && errno != EINTR) break;
    if (pr <= 0) continue;
    ssize_t n = ::read(report[0], reinterpret_cast<char*>(&failure) + got, sizeof failure - got);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(report[0]);
  p->options_ = std::move(options);
  if (timed_out || got == sizeof failure) {
    p->Kill();
    std::string what = timed_out ? "it did not start within " + std::to_string(kExecTimeout.count()) + "s"
                       : failure.stage == 0
                           ? "cannot enter directory " + dir + ": " + std::strerror(failure.error)
                           : std::strerror(failure.error);
    return Status::Error("cannot start adapter " + p->options_.argv[0] + ": " + what);
  }
  for (int fd : {p->in_, p->out_, p->err_}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return p;
}

AdapterProcess::~AdapterProcess() { Stop(); }

void AdapterProcess::StderrLine(std::string line) {
  if (line.size() > kMaxStderrLine) line = line.substr(0, kMaxStderrLine) + "... (cut)";
  if (options_.on_stderr) options_.on_stderr(line);
  err_tail_.push_back(std::move(line));
  if (err_tail_.size() > kStderrTailLines) err_tail_.pop_front();
}

bool AdapterProcess::DrainStderr() {
  if (err_ < 0) return true;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(err_, buf, sizeof buf);
    if (n > 0) {
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] == '\n') {
          StderrLine(std::move(err_buf_));
          err_buf_.clear();
        } else if (err_buf_.size() < kMaxStderrLine + 1) {
          err_buf_ += buf[i];
        }
      }
      continue;
    }
    if (n == 0) {
      if (!err_buf_.empty()) StderrLine(std::move(err_buf_));
      err_buf_.clear();
      CloseFd(&err_);
      return true;
    }
    if (errno == EINTR) continue;
    return false;  // EAGAIN: nothing more now
  }
}

Status AdapterProcess::WriteLine(const std::string& line, Clock::time_point deadline) {
  std::string data = line + "\n";
  size_t done = 0;
  while (done < data.size()) {
    if (in_ < 0) return Status::Error("its stdin is closed");
    ssize_t n = ::write(in_, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return Status::Error(std::string("writing to it: ") + std::strerror(errno));
    // Its stdin is full: wait for room, reading stderr meanwhile.
    pollfd fds[2] = {{in_, POLLOUT, 0}, {err_, POLLIN, 0}};
    int wait = MillisUntil(deadline);
    if (wait == 0) return Status::Error("writing to it timed out");
    if (::poll(fds, err_ >= 0 ? 2 : 1, wait) < 0 && errno != EINTR) {
      return Status::Error(std::string("poll: ") + std::strerror(errno));
    }
    if (err_ >= 0 && fds[1].revents) DrainStderr();
  }
  return Status::Ok();
}

AdapterProcess::Read AdapterProcess::ReadLine(Clock::time_point deadline, std::string* line) {
  for (;;) {
    size_t nl = out_buf_.find('\n');
    if (nl != std::string::npos) {
      if (nl > options_.max_line_bytes) return Read::kTooLong;
      line->assign(out_buf_, 0, nl);
      out_buf_.erase(0, nl + 1);
      return Read::kLine;
    }
    if (out_buf_.size() > options_.max_line_bytes) return Read::kTooLong;
    if (out_ < 0) return Read::kEof;
    char buf[65536];
    ssize_t n = ::read(out_, buf, sizeof buf);
    if (n > 0) {
      out_buf_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      CloseFd(&out_);
      DrainStderr();
      return Read::kEof;  // a last line without its newline is no answer
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      CloseFd(&out_);
      return Read::kEof;
    }
    pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
    int wait = MillisUntil(deadline);
    if (wait == 0) {
      DrainStderr();
      return Read::kTimeout;
    }
    if (::poll(fds, err_ >= 0 ? 2 : 1, wait) < 0 && errno != EINTR) return Read::kEof;
    if (err_ >= 0 && fds[1].revents) DrainStderr();
  }
}

bool AdapterProcess::Reaped() {
  if (reaped_) return true;
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    reaped_ = true;
    wait_status_ = status;
  }
  return reaped_;
}

std::string AdapterProcess::ExitDescription(std::chrono::milliseconds wait) {
  auto deadline = Clock::now() + wait;
  while (!Reaped() && Clock::now() < deadline) {
    DrainStderr();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!Reaped()) return "still running";
  DrainStderr();
  int status = wait_status_;
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

std::string AdapterProcess::StderrTail() const {
  std::string s;
  for (const auto& l : err_tail_) s += (s.empty() ? "" : "|") + l;
  return s;
}

void AdapterProcess::Stop(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  CloseFd(&in_);  // "the run is over": the protocol says exit now
  auto deadline = Clock::now() + grace;
  while (!Reaped() && Clock::now() < deadline) {
    pollfd fds[1] = {{err_, POLLIN, 0}};
    if (err_ >= 0) {
      ::poll(fds, 1, 10);
      DrainStderr();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // Whatever is left of its process group (the adapter itself, or what it
  // forked) goes now. The group id stays reserved while any member lives.
  ::kill(-pid_, SIGKILL);
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    wait_status_ = status;
  }
  DrainStderr();
  CloseFd(&out_);
  CloseFd(&err_);
}

}  // namespace faultline
