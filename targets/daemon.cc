#include "targets/daemon.h"

#include <filesystem>

namespace faultline {

std::string DaemonPrelude(const DaemonSpec& spec) {
  return "PIDFILE=" + ShellQuote(spec.pid_file) + "\n" +
         "BIN=" + ShellQuote(spec.binary) + "\n" +
         "running() {\n"
         "  p=$(cat \"$PIDFILE\" 2>/dev/null) && [ -n \"$p\" ] || return 1\n"
         // "(deleted)" follows the path when the binary was replaced while
         // the process ran: still ours.
         "  case \"$(readlink /proc/$p/exe 2>/dev/null)\" in \"$BIN\"*) return 0;; esac\n"
         "  return 1\n"
         "}\n";
}

Result<bool> LaunchDaemon(Remote& remote, const DaemonSpec& spec, const std::vector<std::string>& args,
                          const std::vector<std::string>& env) {
  std::string log_dir = std::filesystem::path(spec.log_file).parent_path().string();
  std::string script =
      DaemonPrelude(spec) +
      "if running; then echo already-running; exit 0; fi\n"
      "mkdir -p " + ShellQuote(spec.work_dir) + " " + ShellQuote(log_dir) + "\n"
      "cd " + ShellQuote(spec.work_dir) + "\n"
      "echo \"=== $(date -u +%FT%TZ) starting " + spec.name + " on $(hostname)\" >> " +
      ShellQuote(spec.log_file) + "\n"
      // setsid: its own session, so nothing that ends the SSH session's
      // process group ends the store.
      "setsid " +
      (spec.user.empty() ? std::string()
                         : "setpriv --reuid=" + ShellQuote(spec.user) + " --regid=" + ShellQuote(spec.user) +
                               " --init-groups ") +
      "env " + ShellJoin(env) + (env.empty() ? "" : " ") + "\"$BIN\" " + ShellJoin(args) +
      " >> " + ShellQuote(spec.log_file) + " 2>&1 < /dev/null &\n"
      "echo $! > \"$PIDFILE\"\n"
      "echo started\n";
  auto out = ExecOrError(remote, script, "", std::chrono::seconds(30));
  if (!out.ok()) return out.status().Prefixed("starting " + spec.name);
  return out->find("already-running") == std::string::npos;
}

Result<bool> DaemonRunning(Remote& remote, const DaemonSpec& spec) {
  auto r = remote.Exec(DaemonPrelude(spec) + "running", "", std::chrono::seconds(10));
  if (!r.ok()) return r.status();
  return r->exit_code == 0;
}

Status KillDaemon(Remote& remote, const DaemonSpec& spec) {
  std::string script = DaemonPrelude(spec) +
                       "if running; then\n" +
                       (spec.children ? "  kill -STOP $p 2>/dev/null; kill -KILL $(ps -o pid= --ppid $p) 2>/dev/null\n"
                                      : "") +
                       "  kill -CONT $p 2>/dev/null; kill -KILL $p 2>/dev/null\n"
                       "  for i in $(seq 1 200); do running || break; sleep 0.05; done\n"
                       "  if running; then echo \"pid $p survived SIGKILL for 10s\" >&2; exit 1; fi\n"
                       "fi\n"
                       "rm -f \"$PIDFILE\"\n";
  auto out = ExecOrError(remote, script, "", std::chrono::seconds(30));
  return out.ok() ? Status::Ok() : out.status().Prefixed("killing " + spec.name);
}

Status PauseDaemon(Remote& remote, const DaemonSpec& spec) {
  auto out = ExecOrError(remote, DaemonPrelude(spec) + "running || { echo \"" + spec.name +
                                     " is not running (no live pid in $PIDFILE)\" >&2; exit 1; }\n"
                                     "kill -STOP $p\n" +
                                     (spec.children ? "kill -STOP $(ps -o pid= --ppid $p) 2>/dev/null; true\n" : ""));
  return out.ok() ? Status::Ok() : out.status().Prefixed("pausing " + spec.name);
}

Status ResumeDaemon(Remote& remote, const DaemonSpec& spec) {
  auto out = ExecOrError(remote, DaemonPrelude(spec) + "if running; then " +
                                     (spec.children ? "kill -CONT $(ps -o pid= --ppid $p) 2>/dev/null; " : "") +
                                     "kill -CONT $p; fi\n");
  return out.ok() ? Status::Ok() : out.status().Prefixed("resuming " + spec.name);
}

std::string DaemonLogTail(Remote& remote, const DaemonSpec& spec, int lines) {
  auto tail = remote.Exec("tail -n " + std::to_string(lines) + " " + ShellQuote(spec.log_file) +
                              " 2>/dev/null",
                          "", std::chrono::seconds(10));
  if (!tail.ok() || tail->out.empty()) return "(log " + spec.log_file + " is empty)";
  std::string out = tail->out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  for (auto& c : out) {
    if (c == '\n') c = '|';
  }
  return "log tail: " + out;
}

}  // namespace faultline
