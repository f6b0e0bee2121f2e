#include "nemesis/storage_mount.h"

#include <filesystem>

#include "harness/control/own_binaries.h"
#include "targets/daemon.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

// Per node name: nodes that share a filesystem must not share a pid file.
std::string FsStateDir(const Remote& remote) { return "/var/lib/faultline/fs/" + remote.node(); }

DaemonSpec FaultFsDaemon(const Remote& remote) {
  return {"faultline-fs", kFaultFsBinary, FsStateDir(remote) + "/faultline-fs.pid",
          "/var/log/faultline/faultline-fs-" + remote.node() + ".log", FsStateDir(remote), /*user=*/"",
          /*children=*/false};
}

// Shell: D and R (the data directory and its bind point) and `mounted PATH
// TYPE` (true when /proc/self/mounts lists PATH, with that type if given).
std::string Paths(const std::string& data_dir) {
  return "D=" + ShellQuote(data_dir) + "\nR=" + ShellQuote(data_dir + kRealSuffix) +
         "\nmounted() { awk -v p=\"$1\" -v t=\"$2\" '$2 == p && (t == \"\" || $3 == t) { f = 1 } END { exit !f }' "
         "/proc/self/mounts; }\n";
}

}  // namespace

std::string LocalFaultFsBinary() { return BinaryBesideSelf("faultline-fs"); }

Status DeployFaultFs(Remote& remote, const std::string& local_binary) {
  return DeployBinary(remote, local_binary, kFaultFsBinary, "faultline-fs");
}

Status MountFaultFs(Remote& remote, const std::string& data_dir, uint64_t seed) {
  const DaemonSpec daemon = FaultFsDaemon(remote);
  auto bound = ExecOrError(remote, Paths(data_dir) +
                                       "if mounted \"$D\" fuse.faultline; then echo already; exit 0; fi\n"
                                       "[ -e /dev/fuse ] || { echo 'no /dev/fuse on this node' >&2; exit 1; }\n"
                                       "mkdir -p \"$D\" \"$R\"\n"
                                       "mounted \"$R\" || mount --bind \"$D\" \"$R\"\n");
  if (!bound.ok()) return bound.status().Prefixed("mounting faultline-fs on " + data_dir);
  if (bound->find("already") != std::string::npos) return Status::Ok();
  auto launched = LaunchDaemon(remote, daemon, {data_dir + kRealSuffix, data_dir, "--seed", std::to_string(seed)});
  if (!launched.ok()) return launched.status();
  auto ready = ExecOrError(remote, Paths(data_dir) + DaemonPrelude(daemon) +
                                       "for i in $(seq 1 100); do mounted \"$D\" fuse.faultline && exit 0; "
                                       "running || break; sleep 0.05; done\n"
                                       "echo \"faultline-fs did not mount $D: $(tail -n 3 " +
                                       ShellQuote(daemon.log_file) + " | tr '\\n' '|')\" >&2; exit 1");
  return ready.ok() ? Status::Ok() : ready.status();
}

Result<bool> FaultFsMounted(Remote& remote, const std::string& data_dir) {
  auto r = remote.Exec(Paths(data_dir) + "mounted \"$D\" fuse.faultline", "", std::chrono::seconds(10));
  if (!r.ok()) return r.status();
  return r->exit_code == 0;
}

Status UnmountFaultFs(Remote& remote, const std::string& data_dir) {
  auto out = ExecOrError(remote, Paths(data_dir) + DaemonPrelude(FaultFsDaemon(remote)) +
                                     "if running; then kill -TERM $p; "
                                     "for i in $(seq 1 60); do running || break; sleep 0.05; done; "
                                     "if running; then kill -KILL $p; sleep 0.2; fi; fi\n"
                                     "rm -f \"$PIDFILE\"\n"
                                     "if mounted \"$D\" fuse.faultline; then umount \"$D\" || umount -l \"$D\"; fi\n"
                                     "if mounted \"$R\"; then umount \"$R\" || umount -l \"$R\"; fi\n"
                                     "[ ! -d \"$R\" ] || rmdir \"$R\"\n");
  return out.ok() ? Status::Ok() : out.status().Prefixed("unmounting faultline-fs from " + data_dir);
}

Result<nlohmann::json> FaultFsCommand(Remote& remote, const std::string& data_dir, const std::string& command) {
  auto r = remote.Exec(Paths(data_dir) +
                           "mounted \"$D\" fuse.faultline || { echo \"$D is not mounted through faultline-fs\" >&2; "
                           "exit 2; }\n"
                           "printf '%s' " + ShellQuote(command) + " > \"$D/.faultline-fs\"; rc=$?\n"
                           "cat \"$D/.faultline-fs\"; exit $rc",
                       "", std::chrono::seconds(30));
  if (!r.ok()) return r.status();
  std::string where = remote.node() + ": faultline-fs " + command + ": ";
  if (r->exit_code == 2) return Status::Error(where + r->err);
  auto j = nlohmann::json::parse(r->out, nullptr, false);
  if (j.is_discarded()) return Status::Error(where + "not JSON: " + r->out + r->err);
  if (r->exit_code != 0 || j.contains("error")) return Status::Error(where + j.value("error", r->err));
  return j;
}

}  // namespace faultline
