// DaemonDb: the part every "one store process per node, controlled by its pid
// file" Db shares (ringstore, etcd): Kill, Pause, Resume and LogFiles through
// targets/daemon.h, and a Teardown that kills the daemon and wipes its files.
// A store's Db derives from it and adds Setup and Start (how to install,
// configure and wait for the store), plus anything else it can do.
//
// Errors name the node ("n2: ringstore needs a connected node (no remote)").
// Thread safety: as the node's Remote; calls for distinct nodes may overlap.
#pragma once

#include <string>
#include <vector>

#include "targets/daemon.h"
#include "targets/target.h"

namespace faultline {

class DaemonDb : public Db, public Killable, public Pausable, public HasLogs {
 public:
  // `wipe` are the node paths Teardown removes after the kill (data dir, pid
  // file, log: whatever Setup creates).
  DaemonDb(DaemonSpec spec, std::vector<std::string> wipe)
      : spec_(std::move(spec)), wipe_(std::move(wipe)) {}

  // SIGCONT + SIGKILL by pid file, then removes the `wipe` paths; OK when
  // nothing runs.
  Status Teardown(const ClusterInfo& cluster, const NodeInfo& node) override;
  // SIGKILL by pid file and waits until the process is gone; OK if not running.
  Status Kill(const ClusterInfo& cluster, const NodeInfo& node) override;
  // SIGSTOP by pid file; an error when it is not running.
  Status Pause(const ClusterInfo& cluster, const NodeInfo& node) override;
  // SIGCONT by pid file; OK when it is not running (a heal is idempotent).
  Status Resume(const ClusterInfo& cluster, const NodeInfo& node) override;
  // "running", "stopped" (SIGSTOPped: state T) or "not running", from the
  // pid file and /proc (for `faultline fault status`).
  Result<std::string> ProcessState(const NodeInfo& node) const;
  // The daemon's log file.
  std::vector<std::string> LogFiles(const NodeInfo& node) override { return {spec_.log_file}; }

 protected:
  // The node's Remote, or an error naming the node when it has none.
  Result<Remote*> RemoteOf(const NodeInfo& node) const;
  const DaemonSpec& daemon() const { return spec_; }

 private:
  const DaemonSpec spec_;
  const std::vector<std::string> wipe_;
};

}  // namespace faultline
