#include "targets/daemon_db.h"

namespace faultline {

Result<Remote*> DaemonDb::RemoteOf(const NodeInfo& node) const {
  if (!node.remote) return Status::Error(node.name + ": " + spec_.name + " needs a connected node (no remote)");
  return node.remote;
}

Status DaemonDb::Teardown(const ClusterInfo& cluster, const NodeInfo& node) {
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  if (Status s = KillDaemon(**remote, spec_); !s.ok()) return s;
  std::string rm = "rm -rf";
  for (const auto& path : wipe_) rm += " " + ShellQuote(path);
  auto out = ExecOrError(**remote, rm);
  return out.ok() ? Status::Ok() : out.status();
}

Status DaemonDb::Kill(const ClusterInfo& cluster, const NodeInfo& node) {
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  return KillDaemon(**remote, spec_);
}

Status DaemonDb::Pause(const ClusterInfo& cluster, const NodeInfo& node) {
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  return PauseDaemon(**remote, spec_);
}

Status DaemonDb::Resume(const ClusterInfo& cluster, const NodeInfo& node) {
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  return ResumeDaemon(**remote, spec_);
}

Result<std::string> DaemonDb::ProcessState(const NodeInfo& node) const {
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  auto out = ExecOrError(**remote, DaemonPrelude(spec_) +
                                       "if running; then case $(awk '{print $3}' /proc/$p/stat) in "
                                       "T|t) echo stopped;; *) echo running;; esac; "
                                       "else echo 'not running'; fi");
  if (!out.ok()) return out.status();
  std::string state = *out;
  while (!state.empty() && state.back() == '\n') state.pop_back();
  return state;
}

}  // namespace faultline
