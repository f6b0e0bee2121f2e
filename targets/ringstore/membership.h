// Membership: carries out one ring membership change (POST /admin/join,
// POST /admin/leave) from the node that received it, by the joint-quorum
// method of ring_config.h (paxos mode only):
//   1. agree the joint configuration (epoch e+1) by a CASPaxos cas on the
//      reserved key "ring/config", whose acceptors are the members of the old
//      and of the new ring (a majority of each): two changers can never both
//      win epoch e+1, and the loser adopts the winner's config;
//   2. send it to every member (POST /internal/ring/adopt); acceptors then
//      refuse rounds tagged with an older epoch. The change goes on only when
//      no more than R - majority(R) members missed it, so a majority of every
//      old replica set refuses stale rounds;
//   3. copy: list the keys every reachable member stores, and run a
//      read-and-write-back round (joint quorums) on each key whose replica set
//      changes; GET /ring reports keys done / total while it runs;
//   4. agree and send the stable configuration (epoch e+2).
// A node whose ring was behind loses the cas, adopts the winner's ring and
// plans the change again on it (up to 3 attempts). A change interrupted
// after 1 leaves the ring joint, which is safe (only slower); the next
// join/leave of the same node resumes it. Any other change waits for it
// (up to 5 s), then finishes it itself (any node may: copying is
// idempotent and the final ring is agreed by cas) and goes on with its own;
// 409 only when that fails.
//
// `--handoff unsafe` agrees the stable configuration at once (no joint
// phase), and a second later copies each moved key from the old replica that
// hands it over (the one the change drops) to its new ones with a plain write: ownership moves before the data,
// and the late copy overwrites what the new owners took meanwhile (while a
// new majority without the old value answers reads with nothing).
// Deliberately broken.
//
// The lww and eventual modes change membership without agreement
// (handoff_membership.h); node_api.cc sends their changes there.
//
// Thread safety: one change at a time per node (a mutex); the handlers are
// safe from any thread.
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/ringstore/command.h"
#include "targets/ringstore/config.h"
#include "targets/ringstore/coordinator.h"
#include "targets/ringstore/peer_set.h"
#include "targets/ringstore/replica_store.h"
#include "targets/ringstore/ring_state.h"

namespace faultline::ringstore {

// The bodies of POST /admin/join {"id", "host", "port"} and POST
// /admin/leave {"id"}, for every mode. Error: the message of a 400.
Result<Peer> ParseJoinRequest(const nlohmann::json& body);
Result<std::string> ParseLeaveRequest(const nlohmann::json& body);

class Membership {
 public:
  Membership(const Config* config, RingState* ring, PeerSet* peers, Coordinator* coordinator, ReplicaStore* store)
      : config_(config), ring_(ring), peers_(peers), coordinator_(coordinator), store_(store) {}

  // POST /admin/join {"id", "host", "port"} and POST /admin/leave {"id"}.
  // 200 {"ok": true, "epoch", "members", "moved_keys", "copied_keys"} once the
  // ring is stable with the change made; errors are definite (400 bad
  // request, 409 another change in progress or the node
  // already/not a member) unless the configuration may have changed (503
  // with definite=false when stuck joint: it resumes on retry). A 503 with
  // "ask_another": true means this node is cut off from most members:
  // another member may succeed.
  Outcome Join(const nlohmann::json& body);
  Outcome Leave(const nlohmann::json& body);

  // /internal/ring/adopt {"config"} -> {"ok", "epoch"};
  // /internal/ring/keys {} -> {"keys": [...]};
  // /internal/ring/config {} -> {"config"} (ring gossip). Error: malformed body.
  Result<nlohmann::json> HandleInternal(const std::string& path, const nlohmann::json& body);

 private:
  // Runs `once` (one attempt on the current ring) again while it lost the
  // race for the next epoch (up to kChangeAttempts) and while another
  // change is in progress: waits for it, then finishes it itself when it
  // stays joint (its runner was cut short). A change that found no quorum
  // is not retried: the nemesis thread that asks holds every other fault's
  // start and stop meanwhile (tried: 1.5 s per member delayed partition
  // heals by up to 9 s). mu_ held.
  Outcome Retrying(const std::function<Outcome()>& once);
  // True when this node hears (PeerSet::Suspected) a majority of the
  // members of `c`'s ring, and of its next ring when joint.
  bool ReachesMajorities(const RingConfig& c);
  // 409: another change (the joint `cur`) is in progress.
  static Outcome Busy(const RingConfig& cur);
  // One attempt at each change on the current ring (mu_ held).
  Outcome JoinOnce(const Peer& peer);
  Outcome LeaveOnce(const std::string& id);
  // Storage keys (on any reachable member) whose replicas differ between
  // joint's old and new rings.
  std::vector<std::string> MovingKeys(const RingConfig& joint);
  // Agrees and sends joint.Abort().
  Outcome AbortChange(const RingConfig& joint);
  // Runs steps 1-4 towards `joint` (a joint config one epoch above the
  // current, or the current one when resuming).
  Outcome Run(const RingConfig& joint, bool resume);
  // Cas of "ring/config" from `from` (null when epoch 1, never stored) to
  // `to`, with the majorities of `sets_from`'s old and new rings.
  Outcome AgreeConfig(const RingConfig& from, const RingConfig& to, const RingConfig& sets_from);
  // Sends `config` to every node of `to` but this one; returns the ids that
  // did not ack.
  std::vector<std::string> Broadcast(const RingConfig& config, const std::vector<Peer>& to);

  const Config* config_;
  RingState* ring_;
  PeerSet* peers_;
  Coordinator* coordinator_;
  ReplicaStore* store_;
  std::mutex mu_;
};

}  // namespace faultline::ringstore
