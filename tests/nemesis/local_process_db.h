// LocalProcessDb (tests only): a Db whose "store" on each node is a real
// `sleep` process started in the background with a pid file under
// `dir/<node>/`, reached through the node's Remote. Implements Killable,
// Pausable and ClockSkewable exactly as a real Db does (signals by pid file,
// libfaketime offset file), so the kill/pause/clock nemeses run for real.
#pragma once

#include <string>

#include "harness/control/remote.h"
#include "targets/target.h"

namespace faultline {

class LocalProcessDb : public Db, public Killable, public Pausable, public ClockSkewable {
 public:
  explicit LocalProcessDb(std::string dir) : dir_(std::move(dir)) {}

  std::string NodeDir(const NodeInfo& node) const { return dir_ + "/" + node.name; }
  std::string PidFile(const NodeInfo& node) const { return NodeDir(node) + "/store.pid"; }

  Status Setup(const ClusterInfo& cluster, const NodeInfo& node) override {
    auto r = ExecOrError(*node.remote, "mkdir -p " + ShellQuote(NodeDir(node)));
    return r.ok() ? Start(cluster, node) : r.status();
  }
  Status Teardown(const ClusterInfo& cluster, const NodeInfo& node) override {
    auto r = ExecOrError(*node.remote, SignalCommand(node, "KILL") + "; rm -rf " +
                                           ShellQuote(NodeDir(node)));
    return r.ok() ? Status::Ok() : r.status();
  }
  Status Kill(const ClusterInfo& cluster, const NodeInfo& node) override {
    return Run(node, SignalCommand(node, "KILL") + " && rm -f " + ShellQuote(PidFile(node)));
  }
  Status Start(const ClusterInfo& cluster, const NodeInfo& node) override {
    // Output to /dev/null so the background process does not hold the pipes.
    return Run(node, "sleep 100000 </dev/null >/dev/null 2>&1 & echo $! > " +
                         ShellQuote(PidFile(node)));
  }
  Status Pause(const ClusterInfo& cluster, const NodeInfo& node) override {
    return Run(node, SignalCommand(node, "STOP"));
  }
  Status Resume(const ClusterInfo& cluster, const NodeInfo& node) override {
    return Run(node, SignalCommand(node, "CONT"));
  }
  std::string FaketimeOffsetFile(const NodeInfo& node) override { return NodeDir(node) + "/faketime"; }

 private:
  std::string SignalCommand(const NodeInfo& node, const std::string& sig) const {
    return "{ [ ! -f " + ShellQuote(PidFile(node)) + " ] || kill -" + sig + " \"$(cat " +
           ShellQuote(PidFile(node)) + ")\"; }";
  }
  Status Run(const NodeInfo& node, const std::string& cmd) {
    auto r = ExecOrError(*node.remote, cmd);
    return r.ok() ? Status::Ok() : r.status();
  }
  std::string dir_;
};

}  // namespace faultline
