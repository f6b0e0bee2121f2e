// Target: what is tested — a Db (installs/starts/stops the store on nodes) and
// a Client (talks to one node). Optional Db capabilities are separate small
// interfaces (Killable, Pausable, HasLogs, ClockSkewable, HasDataDir, HasRoles, Reconfigurable), discovered with
// dynamic_cast by the nemeses and the runner.
//
// Threading: the runner calls Db methods for different nodes in parallel, so a
// Db must be safe for concurrent calls on distinct nodes. Each Client is used
// by one worker thread at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/registry.h"
#include "harness/control/remote.h"
#include "harness/core/status.h"

namespace faultline {

// One node of the cluster under test. `remote` is null for in-process targets.
struct NodeInfo {
  std::string name;     // "n1"
  std::string address;  // address clients and peers use (IP or host name)
  Remote* remote = nullptr;
};

// The whole cluster, as the Db and Clients see it.
struct ClusterInfo {
  std::vector<NodeInfo> nodes;
  std::string run_dir;  // this run's results directory (local), for logs
  // Appends one line to the run's log (faultline.log); thread-safe. The
  // ClusterInfo a Client's Open gets prefixes it with the client's worker
  // ("worker 3: ..."), so a client may keep a copy for lines it writes later.
  // Empty outside a run (tests, `cluster heal`): then lines are dropped.
  std::function<void(const std::string&)> log;
  // The run's workload ("list-append") and its --workload-opt settings;
  // empty outside a run. A target that lays out a workload's data (the SQL
  // targets: the bank's accounts) reads them here.
  std::string workload;
  std::map<std::string, std::string> workload_opts;
  // True once the run was asked to stop (SIGINT/SIGTERM): a Setup or Open
  // waiting for something (a health check, an adapter's first answer) should
  // give up with an error. Empty outside a run: never.
  std::function<bool()> stop_requested;
  bool StopRequested() const { return stop_requested && stop_requested(); }
};

// `--target-opt key=value` settings. A factory rejects keys it does not know.
using TargetOptions = std::map<std::string, std::string>;

class Db {
 public:
  virtual ~Db() = default;
  // Installs and starts the store on `node`, returning once it is healthy (or
  // an error naming the node and showing the log tail).
  virtual Status Setup(const ClusterInfo& cluster, const NodeInfo& node) = 0;
  // Stops the store on `node` and wipes its data. Idempotent.
  virtual Status Teardown(const ClusterInfo& cluster, const NodeInfo& node) = 0;
};

// SIGKILL / restart by pid file (never by process name).
class Killable {
 public:
  virtual ~Killable() = default;
  virtual Status Kill(const ClusterInfo& cluster, const NodeInfo& node) = 0;
  virtual Status Start(const ClusterInfo& cluster, const NodeInfo& node) = 0;
};

// SIGSTOP / SIGCONT by pid file.
class Pausable {
 public:
  virtual ~Pausable() = default;
  virtual Status Pause(const ClusterInfo& cluster, const NodeInfo& node) = 0;
  virtual Status Resume(const ClusterInfo& cluster, const NodeInfo& node) = 0;
};

// Files on the node worth downloading into the run directory.
class HasLogs {
 public:
  virtual ~HasLogs() = default;
  virtual std::vector<std::string> LogFiles(const NodeInfo& node) = 0;
};

// The store's process runs under libfaketime: writing an offset such as
// "+1.5" (seconds) into this file on the node shifts the store's clock.
class ClockSkewable {
 public:
  virtual ~ClockSkewable() = default;
  virtual std::string FaketimeOffsetFile(const NodeInfo& node) = 0;
};

// The directory on the node where the store keeps its data: the disk
// nemesis mounts it through faultline-fs (nemesis/storage_mount.h) while the
// store is stopped, so it must be the store's whole durable state.
class HasDataDir {
 public:
  virtual ~HasDataDir() = default;
  virtual std::string DataDir(const NodeInfo& node) = 0;
};

// Who plays which part in the cluster right now, for faults aimed at roles
// (--fault-targets leader|primaries|non-leader, --partition leader|primaries).
// `leader`: the one node that leads (empty when the store has none or none is
// known); `primaries`: the nodes that coordinate/own the most (for a leader
// store, the leader alone); `why`: how the store found out, in words recorded
// in the fault op's value ("etcd endpoint status: n2 leads, raft term 3").
struct ClusterRoles {
  std::string leader;
  std::vector<std::string> primaries;
  std::string why;
};

// Roles asks the running store (called by the nemesis thread at the moment a
// fault is applied, so it must answer within a few seconds). Error when the
// roles cannot be told (no node answers, no leader elected): the fault op
// then fails with that error rather than hitting a guess.
class HasRoles {
 public:
  virtual ~HasRoles() = default;
  virtual Result<ClusterRoles> Roles(const ClusterInfo& cluster) = 0;
};

// Membership changes while the store serves (the membership nemesis, and
// `cluster heal`, which goes back to InitialMembers). Each call blocks until
// the change is complete (data moved) or has failed, and returns what was
// done, for the fault op's value: {"epoch": ..., "members": [...],
// "moved_keys": ...} or whatever the store reports. An error says why the
// change did not (or may not fully) happen; a Db refuses a Leave that would
// leave fewer than MinMembers members.
// What the store can do right now, for choosing a membership change that
// can complete (a snapshot: taken by Reconfigurable::Outlook, judged at once).
class ChangeOutlook {
 public:
  virtual ~ChangeOutlook() = default;
  // Empty when a change of the members `from` to `to` (one join or leave) can
  // complete now as far as the snapshot shows; otherwise why not ("n1, n5
  // down: a change must reach all but 1 of n1..n6"). A node of `to` that is
  // not running (a joiner) counts as reachable: the join starts it.
  virtual std::string Blocker(const std::vector<std::string>& from, const std::vector<std::string>& to) const = 0;
};

class Reconfigurable {
 public:
  virtual ~Reconfigurable() = default;
  // Optional: a look at which nodes run and whom each of them hears, so a
  // nemesis picks a change that can complete now rather than one that fails
  // (or is left half made) for want of a quorum. Null: the Db cannot tell,
  // and every change is tried.
  virtual std::unique_ptr<ChangeOutlook> Outlook(const ClusterInfo& cluster) { return nullptr; }
  // Node names that are members now (asked of the running store).
  virtual Result<std::vector<std::string>> Members(const ClusterInfo& cluster) = 0;
  // The members a freshly set-up cluster has.
  virtual std::vector<std::string> InitialMembers(const ClusterInfo& cluster) = 0;
  // Fewest members the store keeps (a majority of its replication factor).
  virtual size_t MinMembers() const = 0;
  virtual Result<json> Join(const ClusterInfo& cluster, const NodeInfo& node) = 0;
  virtual Result<json> Leave(const ClusterInfo& cluster, const NodeInfo& node) = 0;
};

class Client {
 public:
  virtual ~Client() = default;
  // Connects to `node`. An error here is an infrastructure error.
  virtual Status Open(const ClusterInfo& cluster, const NodeInfo& node) = 0;
  // Executes the invocation `invoke` and returns its completion: a copy of
  // `invoke` with type ok (value = result), fail (certainly no effect) or
  // info (unknown). Exceptions are recorded as info by the runner.
  virtual Op Invoke(const Op& invoke) = 0;
  virtual void Close() = 0;
};

struct Target {
  std::string name;
  std::unique_ptr<Db> db;                            // null: nothing to deploy
  std::function<std::unique_ptr<Client>()> new_client;
  std::set<std::string> fs;                          // op names the client supports
  bool needs_nodes = true;                           // false for in-process targets
  // Without nodes: how it runs instead, for errors ("target memory runs
  // in-process; nemeses need nodes"). The run's one pseudo-node is named
  // "local", address 127.0.0.1 (the controller), with no remote.
  std::string without_nodes = "runs in-process";
  // What the default test name (<store>-<workload>) calls the store: the
  // external target's spec name ("etcd-adapter"); empty: `name`.
  std::string store_name;
  // Optional: the target's own counters for the run (adapter restarts, ...),
  // read once after the clients closed; results.json keeps them as "target".
  std::function<json()> stats;
};

using TargetFactory = std::function<Result<Target>(const TargetOptions& options)>;
using TargetRegistry = Registry<TargetFactory>;

}  // namespace faultline
