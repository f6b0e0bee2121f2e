// QuorumCall: send one request to a key's replicas at once and wait only for
// as many answers as needed.
//
// Remote replicas are asked through PeerSet::CallAsync; this node (when it is
// a replica) is served in-process by `local`, with no HTTP round trip. The
// call returns as soon as `need` replies satisfy `accept`, or every replica
// answered, or the deadline passed; late answers are dropped. Stateless; safe
// from any thread.
//
// With `just_enough`, the first wave asks only as many replicas as `need`
// (this node first, then healthy peers in the given order), and the others
// only when that wave falls short (a failure, a rejection, or no answer
// within kFirstWaveWait): on a healthy cluster each request costs one RPC
// fewer, and the replicas outside the wave catch up when a later wave
// includes them (Paxos needs no more than a majority). Replicas never asked
// are reported answered, not delivered, with error "not asked".
//
// With `enough` (a joint-quorum rule: majorities of several replica sets,
// which no single count expresses), the call instead returns as soon as
// `enough(replies so far)` holds or every replica answered (`need` is then
// unused; it is evaluated under the call's lock, so it must be quick).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "targets/ringstore/peer_set.h"

namespace faultline::ringstore {

struct QuorumReplies {
  std::vector<int> targets;                 // peer indexes, as asked
  std::vector<bool> answered;               // per target
  std::vector<RpcResult> results;           // per target (valid when answered)
  int accepted = 0;                         // answers satisfying `accept`
  // True when some unanswered or failed request may still have reached its
  // replica (so a write may take effect later).
  bool MaybeDelivered() const;
  // "n2: connection refused; n3: timed out" for the failures.
  std::string Errors() const;
};

using LocalHandler = std::function<Result<nlohmann::json>(const std::string& path, const nlohmann::json& body)>;

QuorumReplies QuorumCall(PeerSet& peers, const std::vector<int>& targets, const std::string& path,
                         const nlohmann::json& body, const LocalHandler& local, int need,
                         const std::function<bool(const nlohmann::json&)>& accept,
                         std::chrono::milliseconds timeout, bool just_enough = false,
                         const std::function<bool(const QuorumReplies&)>& enough = nullptr);

}  // namespace faultline::ringstore
