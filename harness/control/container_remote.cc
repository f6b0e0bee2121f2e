#include "harness/control/container_remote.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/control/subprocess.h"
#include "harness/core/text_lines.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

bool IsKubectl(const ContainerOptions& o) { return o.transport == ContainerTransport::kKubectl; }

// kubectl exec reports the command's own non-zero exit on stderr as its last
// line; it is kubectl's, not the command's, so it is removed from `err`.
void StripKubectlExitLine(std::string& err) {
  static const std::string kLine = "command terminated with exit code ";
  auto at = err.rfind(kLine);
  if (at == std::string::npos || (at != 0 && err[at - 1] != '\n')) return;
  if (err.find('\n', at) != std::string::npos && err.find('\n', at) + 1 < err.size()) return;
  err.resize(at);
}

// True when a non-zero exit came from the runtime program rather than from
// the command run inside the node. podman (also behind podman-docker's
// `docker`) exits 125 for its own errors; Docker's CLI exits 1 with "Error
// response from daemon"; kubectl exits 1 with "Error from server" or
// "error: ..." and reports the command's own exits as "command terminated".
bool RuntimeFailed(const ContainerOptions& o, const ExecResult& r) {
  if (r.exit_code == 0) return false;
  if (IsKubectl(o)) {
    if (r.err.find("command terminated with exit code") != std::string::npos) return false;
    return r.err.rfind("Error from server", 0) == 0 || r.err.rfind("error: ", 0) == 0 ||
           r.err.rfind("Error: ", 0) == 0 || r.err.find("\nerror: ") != std::string::npos;
  }
  if (r.exit_code == 125) return true;
  return r.out.empty() && (r.err.rfind("Error response from daemon", 0) == 0 ||
                           r.err.rfind("Error: No such container", 0) == 0);
}

// Capability numbers 0-40 as setpriv names them.
const char* const kCapNames[] = {
    "chown",        "dac_override",    "dac_read_search", "fowner",        "fsetid",         "kill",
    "setgid",       "setuid",          "setpcap",         "linux_immutable", "net_bind_service", "net_broadcast",
    "net_admin",    "net_raw",         "ipc_lock",        "ipc_owner",     "sys_module",     "sys_rawio",
    "sys_chroot",   "sys_ptrace",      "sys_pacct",       "sys_admin",     "sys_boot",       "sys_nice",
    "sys_resource", "sys_time",        "sys_tty_config",  "mknod",         "lease",          "audit_write",
    "audit_control", "setfcap",        "mac_override",    "mac_admin",     "syslog",         "wake_alarm",
    "block_suspend", "audit_read",     "perfmon",         "bpf",           "checkpoint_restore"};

std::optional<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The value after "KEY:" on its line of a /proc status file, or "".
std::string StatusField(const std::string& status, const std::string& key) {
  std::istringstream lines(status);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(key + ":", 0) == 0) return Trim(line.substr(key.size() + 1));
  }
  return "";
}

// "SOFT:HARD" of a /proc limits line ("Max open files  4096  4096  files").
std::optional<std::string> LimitPair(const std::string& limits, const std::string& name) {
  std::istringstream lines(limits);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name, 0) != 0) continue;
    std::istringstream words(line.substr(name.size()));
    std::string soft, hard;
    if (words >> soft >> hard) return soft + ":" + hard;
  }
  return std::nullopt;
}

// Written to stderr by the shell that runs the command, before anything
// else: when it is missing, entering the container failed and the command
// never ran (so it may be run through the runtime instead).
constexpr char kStartedMark = '\036';

std::string TimedOutText(std::chrono::milliseconds timeout) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", timeout.count() / 1000.0);
  return text;
}

}  // namespace

Result<std::vector<std::string>> DirectExecPrefix(const std::string& proc_dir, const std::string& pid) {
  auto status = ReadWhole(proc_dir + "/status");
  auto limits = ReadWhole(proc_dir + "/limits");
  auto environ = ReadWhole(proc_dir + "/environ");
  if (!status || !limits || !environ) return Status::Error(proc_dir + ": unreadable");
  std::istringstream uids(StatusField(*status, "Uid"));
  std::string uid;
  while (uids >> uid) {
    if (uid != "0") return Status::Error(proc_dir + ": the container's init does not run as root");
  }
  const std::string bnd = StatusField(*status, "CapBnd");
  if (bnd.empty()) return Status::Error(proc_dir + "/status: no CapBnd");
  uint64_t caps = std::strtoull(bnd.c_str(), nullptr, 16);
  std::string keep = "-all";
  for (size_t bit = 0; bit < sizeof kCapNames / sizeof kCapNames[0]; ++bit) {
    if (caps & (uint64_t{1} << bit)) keep += std::string(",+") + kCapNames[bit];
  }
  auto nofile = LimitPair(*limits, "Max open files");
  auto nproc = LimitPair(*limits, "Max processes");
  if (!nofile || !nproc) return Status::Error(proc_dir + "/limits: no open files or processes limit");
  std::vector<std::string> argv = {"/usr/bin/prlimit", "--nofile=" + *nofile, "--nproc=" + *nproc,
                                   "/usr/bin/nsenter", "-t", pid, "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--",
                                   "/usr/bin/setpriv", "--bounding-set", keep, "--",
                                   "/usr/bin/env", "-i"};
  std::string var;
  std::istringstream vars(*environ);
  while (std::getline(vars, var, '\0')) {
    if (!var.empty() && var.find('=') != std::string::npos) argv.push_back(var);
  }
  return argv;
}

const char* TransportName(ContainerTransport t) {
  switch (t) {
    case ContainerTransport::kPodman: return "podman";
    case ContainerTransport::kDocker: return "docker";
    case ContainerTransport::kKubectl: return "kubectl";
  }
  return "?";
}

Result<ContainerTransport> ParseContainerTransport(const std::string& name) {
  if (name == "podman") return ContainerTransport::kPodman;
  if (name == "docker") return ContainerTransport::kDocker;
  if (name == "kubectl") return ContainerTransport::kKubectl;
  return Status::Error("transport \"" + name + "\" is not one of ssh, podman, docker, kubectl");
}

Result<std::string> ResolveRuntimeBinary(const ContainerOptions& options) {
  std::string program = options.binary;
  if (program.empty()) {
    const char* env = nullptr;
    switch (options.transport) {
      case ContainerTransport::kPodman: env = std::getenv("FAULTLINE_PODMAN"); break;
      case ContainerTransport::kDocker: env = std::getenv("FAULTLINE_DOCKER"); break;
      case ContainerTransport::kKubectl: env = std::getenv("FAULTLINE_KUBECTL"); break;
    }
    program = env && *env ? env : TransportName(options.transport);
  }
  std::string path;
  if (program.find('/') != std::string::npos) {
    if (access(program.c_str(), X_OK) == 0) path = program;
  } else {
    const char* env_path = std::getenv("PATH");
    std::stringstream dirs(env_path ? env_path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) {
        path = dir + "/" + program;
        break;
      }
    }
  }
  if (path.empty()) {
    return Status::Error(options.node + ": transport " + TransportName(options.transport) +
                         ": program " + program + " not found (install it, or name it with binary=PATH)");
  }
  return path;
}

std::string WrapContainerCommand(const std::string& command, std::chrono::milliseconds timeout) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.3f", timeout.count() / 1000.0 + 1.0);
  std::string quoted = ShellQuote(command);
  std::string limit = "timeout -k 2 " + std::string(secs) + " ";
  // bash as over SSH (stores' scripts use it); a node image without bash
  // (alpine, busybox) still runs plain sh commands.
  return "if command -v bash >/dev/null 2>&1; then exec " + limit + "bash -c " + quoted +
         "; else exec " + limit + "sh -c " + quoted + "; fi";
}

std::vector<std::string> ContainerExecArgv(const ContainerOptions& o, const std::string& binary,
                                           const std::string& shell_command) {
  std::vector<std::string> argv{binary};
  if (IsKubectl(o)) {
    if (!o.kube_context.empty()) argv.insert(argv.end(), {"--context", o.kube_context});
    argv.insert(argv.end(), {"exec", "-i"});
    if (!o.kube_namespace.empty()) argv.insert(argv.end(), {"-n", o.kube_namespace});
    argv.push_back(o.container);
    if (!o.kube_container.empty()) argv.insert(argv.end(), {"-c", o.kube_container});
    argv.insert(argv.end(), {"--", "sh", "-c", shell_command});
    return argv;
  }
  argv.insert(argv.end(), {"exec", "-i", o.container, "sh", "-c", shell_command});
  return argv;
}

std::vector<std::string> ContainerCopyArgv(const ContainerOptions& o, const std::string& binary,
                                           const std::string& local_path, const std::string& node_path,
                                           bool upload) {
  std::vector<std::string> argv{binary};
  std::string remote;
  if (IsKubectl(o)) {
    if (!o.kube_context.empty()) argv.insert(argv.end(), {"--context", o.kube_context});
    remote = (o.kube_namespace.empty() ? "" : o.kube_namespace + "/") + o.container + ":" + node_path;
  } else {
    remote = o.container + ":" + node_path;
  }
  argv.push_back("cp");
  if (upload) {
    argv.insert(argv.end(), {local_path, remote});
  } else {
    argv.insert(argv.end(), {remote, local_path});
  }
  if (IsKubectl(o) && !o.kube_container.empty()) argv.insert(argv.end(), {"-c", o.kube_container});
  return argv;
}

std::vector<std::string> ContainerInspectArgv(const ContainerOptions& o, const std::string& binary) {
  if (IsKubectl(o)) {
    std::vector<std::string> argv{binary};
    if (!o.kube_context.empty()) argv.insert(argv.end(), {"--context", o.kube_context});
    argv.insert(argv.end(), {"get", "pod", o.container});
    if (!o.kube_namespace.empty()) argv.insert(argv.end(), {"-n", o.kube_namespace});
    argv.insert(argv.end(), {"-o", "jsonpath={.status.phase} {.status.podIP}"});
    return argv;
  }
  return {binary, "inspect", "--type", "container", "--format",
          "{{.State.Running}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", o.container};
}

Result<std::string> ParseInspectOutput(const ContainerOptions& o, const std::string& out) {
  std::istringstream words(out);
  std::string state, address;
  words >> state;
  while (address.empty() && words >> address) {
  }
  const char* what = IsKubectl(o) ? "pod" : "container";
  bool running = IsKubectl(o) ? state == "Running" : state == "true";
  if (!running) {
    return Status::Error(o.node + ": " + what + " " + o.container + " is not running" +
                         (state.empty() ? "" : " (state " + state + ")"));
  }
  if (address.empty()) {
    return Status::Error(o.node + ": " + what + " " + o.container +
                         " has no network address (give address= in the nodes file)");
  }
  return address;
}

Result<std::unique_ptr<ContainerRemote>> ContainerRemote::Connect(const ContainerOptions& options) {
  if (options.container.empty()) {
    return Status::Error(options.node + ": transport " + TransportName(options.transport) +
                         " needs a container (container=NAME)");
  }
  auto binary = ResolveRuntimeBinary(options);
  if (!binary.ok()) return binary.status();
  ContainerOptions o = options;
  const char* what = IsKubectl(o) ? "pod" : "container";
  auto inspected = RunLocal(ContainerInspectArgv(o, *binary), "", std::chrono::seconds(30));
  if (!inspected.ok()) return Status::Error(o.node + ": " + inspected.status().message());
  if (inspected->exit_code != 0) {
    std::string why = LastLine(inspected->err.empty() ? inspected->out : inspected->err);
    return Status::Error(o.node + ": " + what + " " + o.container + " not found by " + *binary +
                         (why.empty() ? "" : ": " + why));
  }
  auto address = ParseInspectOutput(o, inspected->out);
  if (!address.ok()) return address.status();
  if (o.address.empty()) o.address = *address;
  std::unique_ptr<ContainerRemote> remote(new ContainerRemote(std::move(o), *binary));
  remote->TryDirectExec();
  auto probe = remote->Exec("true", "", std::chrono::seconds(30));
  if (!probe.ok()) return probe.status();
  if (probe->exit_code != 0) {
    return Status::Error(remote->node() + ": cannot run commands in " + what + " " +
                         remote->options_.container + " (exit " + std::to_string(probe->exit_code) +
                         ": " + LastLine(probe->err) + ")");
  }
  return remote;
}

void ContainerRemote::TryDirectExec() {
  if (options_.transport != ContainerTransport::kPodman || geteuid() != 0) return;
  const char* mode = std::getenv("FAULTLINE_CONTAINER_EXEC");
  if (mode != nullptr && std::string(mode) == "runtime") return;
  // A podman talking to another machine's service: its pids are not ours.
  if (std::getenv("CONTAINER_HOST") != nullptr) return;
  if (access("/usr/bin/nsenter", X_OK) != 0 || access("/usr/bin/prlimit", X_OK) != 0) return;
  auto r = RunLocal({binary_, "inspect", "--type", "container", "--format", "{{.State.Pid}} {{.Id}}",
                     options_.container},
                    "", std::chrono::seconds(30));
  if (!r.ok() || r->exit_code != 0) return;
  std::istringstream words(r->out);
  std::string pid, id;
  if (!(words >> pid >> id) || pid == "0" || id.size() < 12) return;
  // The pid must be this container's init as this host sees it (not a pid
  // of another pid namespace that happens to exist here).
  auto cgroup = ReadWhole("/proc/" + pid + "/cgroup");
  if (!cgroup || cgroup->find(id) == std::string::npos) return;
  auto prefix = DirectExecPrefix("/proc/" + pid, pid);
  if (!prefix.ok()) return;
  direct_prefix_ = std::move(*prefix);
  direct_ = true;
}

std::optional<Result<ExecResult>> ContainerRemote::ExecDirect(const std::string& command,
                                                              const std::string& stdin_data,
                                                              std::chrono::milliseconds timeout,
                                                              const std::string& shown) {
  std::vector<std::string> argv = direct_prefix_;
  argv.insert(argv.end(), {"sh", "-c", "printf '\\036' >&2; " + WrapContainerCommand(command, timeout)});
  const auto start = std::chrono::steady_clock::now();
  auto r = RunLocal(argv, stdin_data, timeout + std::chrono::seconds(5));
  if (!r.ok()) {
    if (r.status().message().find("timed out") != std::string::npos) {
      return Result<ExecResult>(Status::Error(options_.node + ": command timed out after " + TimedOutText(timeout) +
                                              "s: `" + shown + "`"));
    }
    return Result<ExecResult>(Status::Error(options_.node + ": " + r.status().message()));
  }
  if (r->err.empty() || r->err[0] != kStartedMark) {
    direct_ = false;  // from now on through the runtime, which explains what is wrong
    return std::nullopt;
  }
  r->err.erase(0, 1);
  if ((r->exit_code == 124 || r->exit_code == 137) && std::chrono::steady_clock::now() - start >= timeout) {
    return Result<ExecResult>(
        Status::Error(options_.node + ": command timed out after " + TimedOutText(timeout) + "s: `" + shown + "`"));
  }
  return Result<ExecResult>(std::move(*r));
}

Result<ExecResult> ContainerRemote::RunRuntime(const std::vector<std::string>& argv,
                                               const std::string& stdin_data,
                                               std::chrono::milliseconds timeout,
                                               const std::string& what) {
  // The node-side `timeout` (WrapContainerCommand) ends the command a second
  // after `timeout`; the runtime gets a few more to report it.
  auto r = RunLocal(argv, stdin_data, timeout + std::chrono::seconds(5));
  if (!r.ok()) {
    if (r.status().message().find("timed out") != std::string::npos) {
      char text[32];
      std::snprintf(text, sizeof text, "%g", timeout.count() / 1000.0);
      // Worded as SshRemote's: "n1: command timed out after 5s: `cmd`".
      auto tick = what.find(" `");
      return Status::Error(options_.node + ": " + (tick == std::string::npos ? what : what.substr(0, tick)) +
                           " timed out after " + text + "s" +
                           (tick == std::string::npos ? "" : ":" + what.substr(tick)));
    }
    return Status::Error(options_.node + ": " + r.status().message());
  }
  if (RuntimeFailed(options_, *r)) {
    return Status::Error(options_.node + ": " + TransportName(options_.transport) + " " + what +
                         " in " + options_.container + " failed: " + LastLine(r->err));
  }
  if (IsKubectl(options_)) StripKubectlExitLine(r->err);
  // podman-docker's `docker` wrapper announces itself on stderr on every call
  // (unless /etc/containers/nodocker exists); it is not the command's output.
  static const std::string kEmulating = "Emulate Docker CLI using podman.";
  if (r->err.rfind(kEmulating, 0) == 0) {
    auto nl = r->err.find('\n');
    r->err.erase(0, nl == std::string::npos ? r->err.size() : nl + 1);
  }
  return r;
}

Result<ExecResult> ContainerRemote::Exec(const std::string& command, const std::string& stdin_data,
                                         std::chrono::milliseconds timeout) {
  std::string shown = command.size() > 100 ? command.substr(0, 97) + "..." : command;
  if (direct_) {
    if (auto done = ExecDirect(command, stdin_data, timeout, shown)) return std::move(*done);
  }
  auto argv = ContainerExecArgv(options_, binary_, WrapContainerCommand(command, timeout));
  const auto start = std::chrono::steady_clock::now();
  auto r = RunRuntime(argv, stdin_data, timeout, "command `" + shown + "`");
  if (!r.ok()) return r.status();
  // The node-side `timeout` ended it (124, or 137 after -k's KILL): only
  // when the deadline has really passed, since a command may exit 124 itself.
  if ((r->exit_code == 124 || r->exit_code == 137) &&
      std::chrono::steady_clock::now() - start >= timeout) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", timeout.count() / 1000.0);
    return Status::Error(options_.node + ": command timed out after " + text + "s: `" + shown + "`");
  }
  return r;
}

Status ContainerRemote::Upload(const std::string& local_path, const std::string& remote_path) {
  std::error_code ec;
  auto st = fs::status(local_path, ec);
  if (ec || !fs::exists(st)) {
    return Status::Error(options_.node + ": upload: " + local_path + ": no such file or directory");
  }
  bool dir = fs::is_directory(st);
  std::string target_dir = dir ? remote_path : fs::path(remote_path).parent_path().string();
  if (!target_dir.empty()) {
    auto made = Exec("mkdir -p " + ShellQuote(target_dir), "", std::chrono::seconds(30));
    if (!made.ok()) return made.status();
    if (made->exit_code != 0) {
      return Status::Error(options_.node + ": upload: cannot create " + target_dir + ": " +
                           LastLine(made->err));
    }
  }
  // "DIR/." copies the directory's contents into remote_path (cp -a semantics
  // in podman, docker and kubectl alike).
  std::string from = dir ? (fs::path(local_path) / ".").string() : local_path;
  auto r = RunRuntime(ContainerCopyArgv(options_, binary_, from, remote_path, true), "",
                      std::chrono::seconds(300), "upload of " + local_path);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return Status::Error(options_.node + ": upload " + local_path + " -> " + remote_path + ": " +
                         LastLine(r->err));
  }
  return Status::Ok();
}

Status ContainerRemote::Download(const std::string& remote_path, const std::string& local_path) {
  auto kind = Exec("if [ -d " + ShellQuote(remote_path) + " ]; then echo dir; elif [ -e " +
                       ShellQuote(remote_path) + " ]; then echo file; else echo none; fi",
                   "", std::chrono::seconds(30));
  if (!kind.ok()) return kind.status();
  std::string what = LastLine(kind->out);
  if (what == "none") {
    return Status::Error(options_.node + ": download: " + remote_path + ": no such file or directory");
  }
  bool dir = what == "dir";
  std::error_code ec;
  fs::create_directories(dir ? fs::path(local_path) : fs::path(local_path).parent_path(), ec);
  std::string from = dir ? remote_path + "/." : remote_path;
  auto r = RunRuntime(ContainerCopyArgv(options_, binary_, local_path, from, false), "",
                      std::chrono::seconds(300), "download of " + remote_path);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return Status::Error(options_.node + ": download " + remote_path + " -> " + local_path + ": " +
                         LastLine(r->err));
  }
  return Status::Ok();
}

}  // namespace faultline
