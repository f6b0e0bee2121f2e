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
//   /var/lib/faultline/etcd/etcd.args        the member's command line, one
//                                            argument a line (Start reuses it)
//   /var/lib/faultline/etcd/not-a-member     marker: installed, not a member
//   /var/log/faultline/etcd.log              stdout+stderr
// Members are named after the nodes and listen on ADDRESS:client-port
// (clients, /health, the v3 JSON gateway) and ADDRESS:peer-port (raft).
//
// Reconfigurable: with initial-members=N only the first N nodes form the
// cluster at Setup; the others are installed and marked not-a-member (Start
// is then a no-op there, so a kill's restart never starts a non-member).
// Join asks a member to add the node (POST /v3/cluster/member/add, what
// `etcdctl member add` does; the controller talks to the v3 gateway, so the
// nodes need no etcdctl), then starts it on an empty data dir with
// --initial-cluster-state existing and the member list the add returned.
// Leave asks another member to remove it (/v3/cluster/member/remove), stops
// it and wipes its data dir: etcd refuses to start a removed member's old
// data again, and a rejoin is a new member with a new id.
//
// Thread safety: methods may be called concurrently for distinct nodes;
// membership changes are for one caller at a time (the membership nemesis
// serialises them).
#pragma once

#include <atomic>
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
  int initial_members = 0;  // initial-members=N: only the first N nodes form the cluster; 0 = all
};

// Parses `--target-opt` settings: client-port, peer-port, binary,
// start-timeout-ms, request-timeout-ms, initial-members. Errors name the key.
Result<EtcdOptions> ParseEtcdOptions(const TargetOptions& options);

// One etcd member as the member list shows it, mapped to a node.
struct EtcdMember {
  std::string id;    // the 64-bit member id, as the gateway writes it (decimal text)
  std::string node;  // the node whose address is in its peer URL ("" when none)
  bool started = false;  // has a name: the process has started and joined raft
};

// Parses a /v3/cluster/member/{list,add,remove} answer's "members" into
// members mapped to `cluster`'s nodes by peer-URL address. Error when the
// answer has no member array.
Result<std::vector<EtcdMember>> ParseEtcdMembers(const ClusterInfo& cluster, const json& answer);

// etcd's --initial-cluster for a member that joins: NAME=PEER-URL for every
// member in `members` that maps to a node (the joiner included), in cluster
// order.
std::string EtcdInitialCluster(const ClusterInfo& cluster, const std::vector<EtcdMember>& members, int peer_port);

class EtcdDb final : public DaemonDb, public HasDataDir, public HasRoles, public Reconfigurable {
 public:
  static constexpr char kBinary[] = "/opt/faultline/bin/etcd";
  static constexpr char kDir[] = "/var/lib/faultline/etcd";
  static constexpr char kDataDir[] = "/var/lib/faultline/etcd/data";
  static constexpr char kPidFile[] = "/var/lib/faultline/etcd/etcd.pid";
  static constexpr char kLogFile[] = "/var/log/faultline/etcd.log";
  static constexpr char kArgsFile[] = "/var/lib/faultline/etcd/etcd.args";
  static constexpr char kLeftFile[] = "/var/lib/faultline/etcd/not-a-member";

  explicit EtcdDb(EtcdOptions options)
      : DaemonDb(kSpec, {kDataDir, kPidFile, kLogFile, kArgsFile, kLeftFile}), options_(std::move(options)) {}

  // Stops any old member, installs the binary, starts the member with the
  // initial members as its initial cluster and waits until GET /health says
  // healthy (which needs a quorum: Setup runs on all nodes at once). A node
  // beyond initial-members is only installed and marked not-a-member. Error
  // when initial-members exceeds the node count.
  Status Setup(const ClusterInfo& cluster, const NodeInfo& node) override;
  // Restarts the member on its data dir (rejoins the cluster) with the
  // command line it last started with, and waits until its process is up and
  // its client port answers, or accepts a connection but holds the request (a
  // member cut off from the quorum: etcd serves nothing before it can publish
  // itself through raft). A no-op on a node that is not a member.
  Status Start(const ClusterInfo& cluster, const NodeInfo& node) override;
  // kDataDir: etcd's --data-dir (its WAL and snapshots).
  std::string DataDir(const NodeInfo& node) override { return kDataDir; }
  // Asks every member's endpoint status at once (2 s each); the leader is the
  // one named by the answer with the highest raft term, mapped from its
  // member id to the node that answered with that id. primaries = {leader}.
  // Error when no member answers, none knows a leader, or the leader's own
  // status did not answer (its id cannot be mapped to a node).
  Result<ClusterRoles> Roles(const ClusterInfo& cluster) override;

  // The member list from the first node whose own member is on it (a node
  // that was removed but still runs knows a stale list), as node names in
  // cluster order; added-but-not-started members count (they are in raft's
  // configuration and its quorum). Error when no member answers.
  Result<std::vector<std::string>> Members(const ClusterInfo& cluster) override;
  // The first initial-members nodes (all nodes without the option).
  std::vector<std::string> InitialMembers(const ClusterInfo& cluster) override;
  // A majority of the cluster's nodes (3 of 5): etcd replicates everything
  // to every member, so this is the fewest members the cluster was sized to
  // keep a quorum with. Before any cluster was seen: a majority of
  // initial-members (1 without it).
  size_t MinMembers() const override;
  // member add (unless a previous join added it and it never started), then
  // starts the node on a wiped data dir as a member of the existing cluster
  // and waits until it is healthy. When the start fails the member is
  // removed again, so a dead member never counts against the quorum.
  // Returns {"member_id", "members": [after], "member_count"}. Errors: already
  // a started member, no member answered, etcd refused the add (it checks the
  // cluster stays healthy: "etcdserver: unhealthy cluster"), the start failed.
  Result<json> Join(const ClusterInfo& cluster, const NodeInfo& node) override;
  // member remove through another member, then stops the node, wipes its data
  // dir and marks it not-a-member. Returns the same shape as Join. Errors: not
  // a member, fewer than MinMembers would remain, etcd refused the remove.
  Result<json> Leave(const ClusterInfo& cluster, const NodeInfo& node) override;

 private:
  // The command line of an initial member (state new, initial members only).
  std::vector<std::string> Args(const ClusterInfo& cluster, const NodeInfo& node) const;
  // A member's command line: `initial_cluster` (NAME=PEER-URL,...) and
  // `state` "new" (bootstraps the cluster) or "existing" (joins a running one).
  std::vector<std::string> MemberArgs(const NodeInfo& node, const std::string& initial_cluster,
                                      const std::string& state) const;
  // Writes `args` to kArgsFile on the node and launches the member with them.
  Status LaunchWith(Remote& remote, const std::vector<std::string>& args);
  // The full member list, asked of the nodes in cluster order (only nodes
  // whose own member is on the list count).
  Result<std::vector<EtcdMember>> MemberList(const ClusterInfo& cluster);
  // POSTs `body` to the gateway `path` on the first of `via` (node names)
  // that accepts a connection; the answer, or an error with etcd's message
  // (an error after the request was sent says it may have taken effect).
  // etcd's refusals that pass once the cluster has settled ("unhealthy
  // cluster", "not enough started members": the leader has not heard from
  // enough members for 5 s, as right after an election or a restart) are
  // asked again, up to 8 times 1 s apart; they certainly did nothing.
  Result<json> ClusterCall(const ClusterInfo& cluster, const std::vector<std::string>& via, const std::string& path,
                           const json& body);
  Result<json> ClusterCallOnce(const ClusterInfo& cluster, const std::vector<std::string>& via,
                               const std::string& path, const json& body);
  // The members' node names in cluster order.
  static std::vector<std::string> Names(const ClusterInfo& cluster, const std::vector<EtcdMember>& members);
  // Polls /health until it answers (healthy, or with `any_answer` anything),
  // the process dies, or start_timeout passes.
  Status WaitUp(Remote& remote, const NodeInfo& node, bool any_answer);

  static const DaemonSpec kSpec;
  const EtcdOptions options_;
  std::atomic<size_t> nodes_seen_{0};  // cluster.nodes.size() at the last call that had a cluster
};

}  // namespace faultline
