// Boost.Process starts the adapter (argv and environment handling, the
// process group, exec errors reported back to the parent); the reading and
// writing is plain poll(2) on the pipe ends, because Boost.Process's streams
// have no deadlines and its async pipes would need an io_context per worker.
#include "targets/external/adapter_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/group.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/start_dir.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace faultline {

namespace bp = boost::process;
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

// A pipe whose both ends are close-on-exec: only the dup2'd copy on the
// child's fd 0/1/2 survives exec, so no other child inherits this one.
Result<bp::pipe> CloexecPipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::Error(std::string("pipe: ") + std::strerror(errno));
  return bp::pipe(fds[0], fds[1]);
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

struct AdapterProcess::Impl {
  bp::group group;
  bp::child child;
};

AdapterProcess::AdapterProcess(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<AdapterProcess>> AdapterProcess::Start(Options options) {
  if (options.argv.empty()) return Status::Error("no adapter command");
  std::string exe = options.argv[0];
  if (exe.find('/') == std::string::npos) {
    exe = FindProgramOnPath(options.argv[0]);
    if (exe.empty()) return Status::Error("adapter program \"" + options.argv[0] + "\" is not on PATH");
  }
  std::vector<std::string> args(options.argv.begin() + 1, options.argv.end());
  bp::environment env = boost::this_process::environment();
  for (const auto& [k, v] : options.env) env[k] = v;
  auto in = CloexecPipe(), out = CloexecPipe(), err = CloexecPipe();
  if (!in.ok()) return in.status();
  if (!out.ok()) return out.status();
  if (!err.ok()) return err.status();
  auto impl = std::make_unique<Impl>();
  std::error_code ec;
  // PDEATHSIG: if the thread that started it ends without stopping it (a
  // worker the interpreter abandoned, a controller killed by SIGKILL), the
  // kernel kills the adapter, so none outlives the run.
  const pid_t parent = ::getpid();
  auto die_with_parent = [parent](auto&) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent is already gone
    // An ignored SIGPIPE (the controller's) or a blocked signal would be
    // inherited across exec: the adapter starts with the defaults.
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
  };
  impl->child =
      bp::child(bp::exe = exe, bp::args = args, bp::std_in<*in, bp::std_out> * out, bp::std_err > *err, env,
                bp::start_dir = options.dir, impl->group, bp::extend::on_exec_setup = die_with_parent, ec);
  if (ec) {
    return Status::Error("cannot start adapter " + options.argv[0] + ": " + ec.message());
  }
  std::unique_ptr<AdapterProcess> p(new AdapterProcess(std::move(impl)));
  p->pid_ = p->impl_->child.id();
  // Take our ends from the pipes (Boost closed the child's ends here).
  p->in_ = in->native_sink();
  in->assign_sink(-1);
  p->out_ = out->native_source();
  out->assign_source(-1);
  p->err_ = err->native_source();
  err->assign_source(-1);
  for (int fd : {p->in_, p->out_, p->err_}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  p->options_ = std::move(options);
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

std::string AdapterProcess::ExitDescription(std::chrono::milliseconds wait) {
  auto deadline = Clock::now() + wait;
  std::error_code ec;
  while (impl_->child.running(ec) && Clock::now() < deadline) {
    DrainStderr();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (impl_->child.running(ec)) return "still running";
  DrainStderr();
  int status = impl_->child.native_exit_code();
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
  std::error_code ec;
  auto deadline = Clock::now() + grace;
  while (impl_->child.running(ec) && Clock::now() < deadline) {
    pollfd fds[1] = {{err_, POLLIN, 0}};
    if (err_ >= 0) {
      ::poll(fds, 1, 10);
      DrainStderr();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // Whatever is left of its process group (the adapter itself, or what it
  // forked) goes now.
  impl_->group.terminate(ec);
  impl_->child.wait(ec);
  impl_->child.detach();
  impl_->group.detach();
  DrainStderr();
  CloseFd(&out_);
  CloseFd(&err_);
}

}  // namespace faultline
