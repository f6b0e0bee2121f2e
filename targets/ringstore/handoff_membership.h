// HandoffMembership: ring membership changes (POST /admin/join,
// POST /admin/leave) for the `lww` and `eventual` modes, the Dynamo way:
// no agreement, best effort, and what a fault makes it miss is lost.
//
// The node that receives a change (the changer) plans it on the newest ring
// it can learn (it asks the members for theirs first), as RingConfig's joint
// configuration (old ring -> new ring, only used to name the keys that move;
// never adopted), then:
//   1. hand-off while the old owners still serve: every reachable member of
//      the old ring streams each key it holds whose replicas change (its
//      value with its write stamp) to the key's new owners that did not hold
//      it (POST /internal/ring/handoff on the old owner, which sends
//      POST /internal/ring/receive batches); a receiver keeps the newer stamp
//      (ReplicaStore::WriteIfNewer: the merge rule both modes already use);
//   2. switch: adopts the stable new ring (epoch + 2, as a paxos change) and
//      pushes it (POST /internal/ring/adopt) to every member of the old and
//      the new ring it reaches. A node that missed it learns it later through
//      the ring gossip on heartbeats (node_api.cc). The leaver stops serving
//      clients once it has the new ring, and keeps answering hand-offs;
//   3. hand-off again: what the old owners took between 1 and 2.
// A leaver's ranges are thus handed off (twice) before it stops serving and
// before the change answers (the Db stops it only after that).
//
// What these modes may lose, and do: an old owner unreachable during both
// hand-offs keeps its copies to itself (a key it alone held is gone from the
// new owners); writes routed by a node still on the old ring after step 3
// land on old owners only; the new owners answer reads with nothing until a
// copy arrives. Every step is bounded (RPC timeouts, a deadline per
// hand-off), so a change answers within a few seconds even under partitions.
// Two changers on different nodes (a partition between them, or one
// behind) may both make epoch e+2: every node keeps, and gossips, the one
// with the greater digest (RingState::Adopt's tie_break), so the ring
// converges once they hear each other; the losing change's hand-off may
// have sent copies to owners the winner does not have. A changer that
// hears no other member refuses (503 "ask_another": another member may),
// since it could hand off nothing; one node runs one change at a time.
//
// `--handoff unsafe` is paxos-only (membership.h); these modes ignore it.
//
// Thread safety: one change at a time per node (a mutex, waited for up to
// a few seconds, then 409); the handlers are safe from any thread.
#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "targets/ringstore/command.h"
#include "targets/ringstore/config.h"
#include "targets/ringstore/peer_set.h"
#include "targets/ringstore/replica_store.h"
#include "targets/ringstore/ring_state.h"

namespace faultline::ringstore {

class HandoffMembership {
 public:
  HandoffMembership(const Config* config, RingState* ring, PeerSet* peers, ReplicaStore* store)
      : config_(config), ring_(ring), peers_(peers), store_(store) {}

  // POST /admin/join (`peer`) and POST /admin/leave (`id`), bodies parsed by
  // ParseJoinRequest / ParseLeaveRequest (membership.h). 200 {"ok": true,
  // "epoch", "members", "moved_keys" (distinct keys the reachable old owners
  // hold that change owners), "copied_keys" (those every new owner got from
  // some old owner), "missed" (members that did not ack the new ring),
  // "unreached" (old owners whose hand-off failed), "handoff": "dynamo"}
  // once the new ring is adopted here and both hand-offs ran. Errors are
  // definite (nothing was changed): 409 the node already is / is not a
  // member, the leave would go below a majority of the replication factor,
  // another change runs here, or a newer ring arrived during the first
  // hand-off (only copies were made) or showed up in a member's answer to
  // the push (this node had missed a change; the newer ring wins); 503 {"ask_another": true} when this
  // node hears no other member, or the new ring could not be written to
  // this node's disk (it is then pushed to no one).
  // `seen_epoch` (non-zero from a joiner's own --join request: the epoch of
  // the ring it learned before asking): when the ring has moved on since and
  // `peer` is not a member, the request is stale (it waited behind a change
  // that made and undid this very join, say) and is refused, 409 "stale
  // join"; joining then would make a stopped node a member.
  Outcome Join(const Peer& peer, uint64_t seen_epoch = 0);
  Outcome Leave(const std::string& id);

  // True for the internal paths HandleInternal serves.
  static bool Handles(const std::string& path);
  // POST /internal/ring/handoff {"change": joint RingConfig} -> {"moved":
  // [storage keys], "copied": [storage keys every new owner acked],
  // "failed": [new owners that did not ack]}: sends this node's copies of
  // the keys the change moves, where it is an old owner, within a deadline.
  // POST /internal/ring/receive {"entries": [[storage key, stamp, value],
  // ...]} -> {"ok": true, "applied": n}: keeps each entry whose stamp is
  // newer than the stored one. Error: unknown path or malformed body.
  Result<nlohmann::json> HandleInternal(const std::string& path, const nlohmann::json& body);

 private:
  struct Tally {
    std::set<std::string> moved, copied, unreached;
  };
  // Adopts the newest ring any reachable member of the current one has.
  void LearnNewest();
  // True when this node hears (PeerSet::Suspected) another member of c's
  // ring.
  bool HearsAnotherMember(const RingConfig& c) const;
  // Join and Leave: takes mu_ (409 when another change holds it), learns the
  // newest ring, asks `begin` for the joint ring from it (409 with its error),
  // lets `refuse` turn the change down (409 with its reason), then Runs it.
  Outcome Change(const std::function<Result<RingConfig>(const RingConfig&)>& begin,
                 const std::function<std::string(const RingConfig&)>& refuse = nullptr);
  // Steps 1-3 towards joint.Finish(); mu_ held.
  Outcome Run(const RingConfig& joint);
  // One hand-off: every member of joint's old ring streams (in parallel).
  void HandOff(const RingConfig& joint, Tally* tally);
  // Sends `config` to every member of `to` but this one (in parallel,
  // bounded by the RPC timeout); returns the ids that did not ack, and sets
  // `newest_seen` to the highest ring epoch an ack reported (a member on a
  // newer ring keeps it).
  std::vector<std::string> Push(const RingConfig& config, const std::vector<Peer>& to, uint64_t* newest_seen);
  // The /internal/ring/handoff work on this node.
  nlohmann::json SendMoved(const RingConfig& joint);
  // Delivers `entries` to `id` (this node: stored directly). True when acked.
  bool Deliver(const RingConfig& joint, const std::string& id, const nlohmann::json& entries);
  Result<nlohmann::json> Receive(const nlohmann::json& body);

  const Config* config_;
  RingState* ring_;
  PeerSet* peers_;
  ReplicaStore* store_;
  std::timed_mutex mu_;
};

}  // namespace faultline::ringstore
