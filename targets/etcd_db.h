// EtcdDb: deploys etcd (a third-party store: Debian's etcd-server, 3.4) as a
// cluster over the nodes' Remotes, one member per node, and controls it for
// the nemeses: Kill/Start and Pause/Resume by pid file (targets/daemon.h),
// and its log, and its roles (HasRoles: the raft leader, from every member's
// endpoint status, POST /v3/maintenance/status — what `etcdctl endpoint
// status` shows; while an election is under way and no member knows a leader,
// it asks again for up to 5 s). It is not ClockSkewable: etcd is a Go program, whose clock
// reads bypass libc, so libfaketime cannot shift it (the clock nemesis says
// so and refuses, unless --clock-strategy system on real nodes).
//
// On every node:
//   /opt/faultline/bin/etcd                  the binary: the node's own
//                                            /usr/bin/etcd if it has one, else
//                                            the controller's (uploaded)
//   /var/lib/faultline/etcd/data/            member data (wiped by Teardown)
//   /var/lib/faultline/etcd/etcd.pid
//   /var/log/faultline/etcd.log              stdout+stderr
// Members are named after the nodes and listen on ADDRESS:client-port
// (clients, /health, the v3 JSON gateway) and ADDRESS:peer-port (raft).
//
// Thread safety: methods may be called concurrently for distinct nodes.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "targets/daemon_db.h"
#include "targets/target.h"

namespace faultline {

struct EtcdOptions {
  int client_port = 2379;
  int peer_port = 2380;
  std::string binary;  // local etcd to upload where a node has none; default: `etcd` on PATH
  std::chrono::milliseconds start_timeout{60000};   // Setup/Start wait for /health
  std::chrono::milliseconds request_timeout{5000};  // client per-request timeout
};

// Parses `--target-opt` settings: client-port, peer-port, binary,
// start-timeout-ms, request-timeout-ms. Errors name the key.
Result<EtcdOptions> ParseEtcdOptions(const TargetOptions& options);

class EtcdDb final : public DaemonDb, public HasDataDir, public HasRoles {
 public:
  static constexpr char kBinary[] = "/opt/faultline/bin/etcd";
  static constexpr char kDir[] = "/var/lib/faultline/etcd";
  static constexpr char kDataDir[] = "/var/lib/faultline/etcd/data";
  static constexpr char kPidFile[] = "/var/lib/faultline/etcd/etcd.pid";
  static constexpr char kLogFile[] = "/var/log/faultline/etcd.log";

  explicit EtcdDb(EtcdOptions options)
      : DaemonDb(kSpec, {kDataDir, kPidFile, kLogFile}), options_(std::move(options)) {}

  // Stops any old member, installs the binary, starts the member with the
  // whole cluster as its initial cluster and waits until GET /health says
  // healthy (which needs a quorum: Setup runs on all nodes at once).
  Status Setup(const ClusterInfo& cluster, const NodeInfo& node) override;
  // Restarts the member on its data dir (rejoins the cluster) and waits until
  // its process is up and its client port answers, or accepts a connection
  // but holds the request (a member cut off from the quorum: etcd serves
  // nothing before it can publish itself through raft).
  Status Start(const ClusterInfo& cluster, const NodeInfo& node) override;
  // kDataDir: etcd's --data-dir (its WAL and snapshots).
  std::string DataDir(const NodeInfo& node) override { return kDataDir; }
  // Asks every member's endpoint status at once (2 s each); the leader is the
  // one named by the answer with the highest raft term, mapped from its
  // member id to the node that answered with that id. primaries = {leader}.
  // Error when no member answers, none knows a leader, or the leader's own
  // status did not answer (its id cannot be mapped to a node).
  Result<ClusterRoles> Roles(const ClusterInfo& cluster) override;

 private:
  std::vector<std::string> Args(const ClusterInfo& cluster, const NodeInfo& node) const;
  // Polls /health until it answers (healthy, or with `any_answer` anything),
  // the process dies, or start_timeout passes.
  Status WaitUp(Remote& remote, const NodeInfo& node, bool any_answer);

  static const DaemonSpec kSpec;
  const EtcdOptions options_;
};

}  // namespace faultline
