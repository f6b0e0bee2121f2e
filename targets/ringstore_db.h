// RingstoreDb: deploys the bundled ringstore (targets/ringstore) onto nodes
// over their Remote, as a daemon with a pid file, and controls it for the
// nemeses: Kill/Start, Pause/Resume (signals by pid file only, never by name),
// log files, and a libfaketime offset file for clock faults.
//
// On every node (same paths on local namespace nodes and real machines):
//   /opt/faultline/bin/ringstore            the binary (uploaded by Setup)
//   /opt/faultline/etc/ringstore.args       its command line (the config)
//   /var/lib/faultline/ringstore/data/      its data dir (wiped by Teardown)
//   /var/lib/faultline/ringstore/ringstore.pid
//   /var/lib/faultline/faketime-offset      libfaketime offset ("+0", "-1.5")
//   /var/log/faultline/ringstore.log        stdout+stderr
// When libfaketime is installed on the node, the store runs with
// LD_PRELOAD=.../faketime/libfaketime.so.1, FAKETIME_TIMESTAMP_FILE = the offset
// file, FAKETIME_NO_CACHE=1 (a new offset applies at once) and
// FAKETIME_DONT_FAKE_MONOTONIC=1 (only wall-clock time moves, so timeouts keep
// working), and a FAKETIME_SHARED pair of its own that lives until Teardown
// (targets/faketime_preload.h: a SIGKILLed store would otherwise leave its
// pid-named one in /dev/shm for good). FaketimeOffsetFile returns "" for a node where Setup/Start found
// no libfaketime (then clock faults cannot reach the store there).
//
// Thread safety: methods may be called concurrently for distinct nodes (and
// for the same node, though the outcome of racing Kill/Start is then whatever
// order they ran in).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "targets/daemon_db.h"
#include "targets/target.h"

namespace faultline {

// What RingstoreDb::Outlook saw of one node whose store answered.
struct RingstoreNodeView {
  std::set<std::string> hears;    // the nodes it hears, itself included
  std::vector<std::string> ring;  // its ring's members (both rings' while joint)
};

// RingstoreDb::Outlook's rule (pure): "" when changing the members `from`
// to `to` (one join or leave) can complete, given the running nodes' views;
// else why not. It can when some member of both (not the leaver) runs,
// hears a majority of `from` and of `to`, and misses at most `may_miss` of
// `from`, `to` and its own ring (a half-made change is finished first);
// a joiner that does not run counts as heard (the join starts it).
std::string RingstoreChangeBlocker(const std::map<std::string, RingstoreNodeView>& running, size_t may_miss,
                                   const std::vector<std::string>& from, const std::vector<std::string>& to);

// The same for lww and eventual mode (handoff_membership.h): changes are not
// agreed, so it can when some member of both (not the leaver) runs and hears
// another member of `from` (the store answers 503 ask_another otherwise).
std::string RingstoreHandoffChangeBlocker(const std::map<std::string, RingstoreNodeView>& running,
                                          const std::vector<std::string>& from, const std::vector<std::string>& to);

struct RingstoreOptions {
  std::string mode = "paxos";  // paxos | lww | eventual
  int replicas = 3;
  int vnodes = 64;
  int port = 7000;
  std::string binary;          // local ringstore binary; default: next to this executable
  std::chrono::milliseconds start_timeout{30000};    // Setup/Start wait for /health
  std::chrono::milliseconds request_timeout{5000};   // client per-request timeout
  int rpc_timeout_ms = 0;      // ringstore --rpc-timeout-ms; 0 = its default
  int heartbeat_timeout_ms = 0;  // ringstore --heartbeat-timeout-ms; 0 = its default
  bool faketime = true;        // preload libfaketime when the node has it (faketime=off: never)
  bool fsync = true;           // fsync=never: ringstore --fsync never (deliberately unsafe)
  int initial_members = 0;     // initial-members=N: only the first N nodes form the ring; 0 = all
  bool handoff_unsafe = false;  // handoff=unsafe: ringstore --handoff unsafe (deliberately broken)
};

// Parses `--target-opt` settings: mode, replicas, vnodes, port, binary,
// start-timeout-ms, request-timeout-ms, rpc-timeout-ms, faketime (auto|off),
// fsync (always|never), initial-members (N), handoff (safe|unsafe).
// Errors name the key
// ("target ringstore: unknown option \"x\" (known: ...)").
Result<RingstoreOptions> ParseRingstoreOptions(const TargetOptions& options);

// The ringstore binary next to the running executable (/proc/self/exe's dir).
std::string DefaultRingstoreBinary();

// Roles (HasRoles): ringstore has no cluster leader; in paxos mode every key
// has a key leader, the first healthy node of its replica set, which runs the
// key's Paxos rounds (other nodes forward to it). Roles reads each node's
// GET /status ("coordinator.led": rounds led) and takes the rounds each node
// led since the previous Roles call (the first call: since the store
// started): primaries are the nodes that led at least the mean (the owners of
// the first replica of the hottest keys), the leader is the one that led the
// most. Errors: no node answered, no round led since the last look, or a
// mode without key leaders (lww, eventual).
//
// Reconfigurable: with initial-members=N, Setup starts the ring on the first N
// nodes and only installs the others (not members: a marker file kLeftFile
// makes Start a no-op there, so a restart never brings back a non-member).
// Join starts the node with --join and asks a member (POST /admin/join),
// which streams the node its ranges before answering; Leave asks a member to
// remove the node (POST /admin/leave), then stops it and wipes its data.
// Every mode: paxos agrees each change; lww and eventual hand the ranges off
// Dynamo-style (targets/ringstore/handoff_membership.h).
class RingstoreDb final : public DaemonDb, public ClockSkewable, public HasDataDir, public HasRoles,
                          public Reconfigurable {
 public:
  static constexpr char kBinary[] = "/opt/faultline/bin/ringstore";
  static constexpr char kArgsFile[] = "/opt/faultline/etc/ringstore.args";
  static constexpr char kDir[] = "/var/lib/faultline/ringstore";
  static constexpr char kDataDir[] = "/var/lib/faultline/ringstore/data";
  static constexpr char kPidFile[] = "/var/lib/faultline/ringstore/ringstore.pid";
  static constexpr char kOffsetFile[] = "/var/lib/faultline/faketime-offset";
  static constexpr char kLogFile[] = "/var/log/faultline/ringstore.log";
  static constexpr char kLeftFile[] = "/var/lib/faultline/ringstore/not-a-member";

  explicit RingstoreDb(RingstoreOptions options);

  // Stops any old instance, uploads the binary, writes the config, starts the
  // daemon and waits until GET /health answers (error: node, URL, log tail).
  Status Setup(const ClusterInfo& cluster, const NodeInfo& node) override;
  // DaemonDb's teardown (kill, remove data, pid file, log), then the clock
  // offset back to +0.
  Status Teardown(const ClusterInfo& cluster, const NodeInfo& node) override;
  // Starts the daemon if it is not running and waits for /health.
  Status Start(const ClusterInfo& cluster, const NodeInfo& node) override;
  std::string FaketimeOffsetFile(const NodeInfo& node) override;
  // kDataDir: replica.log and its compaction files, all ringstore keeps.
  std::string DataDir(const NodeInfo& node) override { return kDataDir; }
  Result<ClusterRoles> Roles(const ClusterInfo& cluster) override;

  Result<std::vector<std::string>> Members(const ClusterInfo& cluster) override;
  std::vector<std::string> InitialMembers(const ClusterInfo& cluster) override;
  size_t MinMembers() const override { return static_cast<size_t>(options_.replicas / 2 + 1); }
  Result<json> Join(const ClusterInfo& cluster, const NodeInfo& node) override;
  Result<json> Leave(const ClusterInfo& cluster, const NodeInfo& node) override;
  // Every node's GET /status and /ring?config=1 at once (1 s connect, 2 s
  // read): the nodes whose store answers, the peers each hears (as its
  // PeerSet does: answered within 1.4 heartbeat timeouts), and the ring it is
  // on (both rings while joint: a half-made change is finished first). A
  // change can complete when some member other than a leaver hears a
  // majority of the old and of the new members and misses no more than
  // replicas - majority(replicas) of all of them (the store's joint
  // broadcast; see targets/ringstore/membership.h).
  std::unique_ptr<ChangeOutlook> Outlook(const ClusterInfo& cluster) override;

  // http://ADDRESS:PORT of `node`'s ringstore.
  std::string BaseUrl(const NodeInfo& node) const;
  const RingstoreOptions& options() const { return options_; }

 private:
  // Writes the start script's inputs and launches the daemon (no health wait).
  Status Launch(Remote& remote, const ClusterInfo& cluster, const NodeInfo& node);
  // Polls /health until it answers, the process dies, or start_timeout passes.
  Status WaitHealthy(Remote& remote, const NodeInfo& node);
  // "…last lines of the log…" for error messages.
  std::string LogTail(Remote& remote);
  // The node's index among the initial members, -1 when it is not one.
  int InitialIndex(const ClusterInfo& cluster, const NodeInfo& node) const;
  // ADDRESS:PORT of the first node (an initial member), for --join.
  std::string Seed(const ClusterInfo& cluster) const;
  // The node's command line: a member of the initial ring, or (`joiner`) a
  // node that joins the ring of `seed` (ADDRESS:PORT) when started.
  std::string ArgsFor(const ClusterInfo& cluster, const NodeInfo& node, bool joiner, const std::string& seed) const;
  // POSTs `body` to `path` on the first of `via` that answers, trying the
  // next after a definite 503 (no quorum from there); the reply. No retry
  // of a 409: the store itself waits for a change already under way.
  // `via` is tried in order of how many of the others each hears (Outlook),
  // so a member that can reach everyone coordinates. `not_done` (may be
  // null) is set when the call failed and the change certainly did not
  // happen: some member answered definite=true and none definite=false.
  Result<json> AdminCall(const ClusterInfo& cluster, const std::vector<std::string>& via, const std::string& path,
                         const json& body, bool* not_done = nullptr);
  // "join" or "leave" when the first member that answers is on a joint ring
  // whose change adds or removes `name` (a change cut short, which Members
  // already shows as made); "" otherwise.
  std::string HalfMade(const ClusterInfo& cluster, const std::string& name);

  const RingstoreOptions options_;
  std::mutex mu_;
  std::map<std::string, bool> faketime_;  // node -> runs under libfaketime; guarded by mu_
  std::map<std::string, uint64_t> led_seen_;  // node -> "led" at the last Roles; guarded by mu_
};

}  // namespace faultline
