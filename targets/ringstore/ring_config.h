// RingConfig: ringstore's ring as a versioned configuration — epoch, members
// (id and address), tokens — and the joint phase a membership change passes
// through. Pure value: no I/O, no threads; copy it freely.
//
// Method (paxos mode): joint quorums, as in Raft's joint consensus (Ongaro &
// Ousterhout 2014, §6) applied per key to CASPaxos (Rystsov 2018, §3 "cluster
// membership change": acceptor sets may change if every quorum of the new
// configuration intersects every quorum of the old one for the values still
// in flight). A change from ring A (epoch e) to ring B goes:
//   1. joint (epoch e+1): every Paxos round on a key must gather a majority
//      of the key's replicas under A AND a majority under B. A value chosen
//      under A alone is seen by any joint prepare (it meets A's majority);
//   2. transfer: each key whose replica set differs between A and B gets an
//      identity round (read-and-write-back) under joint quorums, which leaves
//      the chosen value accepted on a majority of B's replicas;
//   3. stable (epoch e+2): rounds use B's replicas only. Every value chosen
//      before is on a majority of B (by 1 or 2), so B's prepares see it.
// The configuration itself is a value agreed through Paxos (a reserved key
// whose acceptors are every member of A ∪ B), so two coordinators never use
// different rings for the same epoch; acceptors refuse rounds tagged with an
// epoch older than theirs, so a coordinator with a stale ring cannot reach a
// quorum alone and learns the newer configuration from the refusal.
//
// `--handoff unsafe` skips step 2's guarantee: it goes straight from A to a
// stable B (ownership moves before the data does), which loses acknowledged
// values; it exists to prove the checkers catch a broken migration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "targets/ringstore/config.h"
#include "targets/ringstore/hash_ring.h"

namespace faultline::ringstore {

class RingConfig {
 public:
  // Epoch 1: the ring of `members` (flag order) as HashRing builds it.
  static RingConfig Initial(std::vector<Peer> members, int vnodes, int replicas);
  // Parses ToJson's output. Error: a one-line reason naming the field
  // (missing, wrong type, a token naming a non-member, duplicate ids).
  static Result<RingConfig> FromJson(const nlohmann::json& j);
  nlohmann::json ToJson() const;

  // The joint configuration that starts adding `peer`: epoch+1, next() is
  // the current ring WithNode(peer.id). Error when a change is already in
  // progress or `peer.id` is a member.
  Result<RingConfig> BeginJoin(const Peer& peer) const;
  // The joint configuration that starts removing `id`. Error when a change
  // is in progress, `id` is not a member, or fewer than a majority of the
  // replication factor would remain (the ring could not serve a quorum).
  Result<RingConfig> BeginLeave(const std::string& id) const;
  // The stable configuration ending the change: epoch+1, the ring is next().
  // Error when no change is in progress.
  Result<RingConfig> Finish() const;
  // The stable configuration abandoning the change (back to the old ring,
  // epoch+1): what healing does when a joining node never came up.
  Result<RingConfig> Abort() const;

  uint64_t epoch() const { return epoch_; }
  // A fingerprint of the whole configuration (StableHash64 of ToJson): in
  // modes without agreement two changers may make different configs of one
  // epoch, and every node keeps the one with the greater digest.
  uint64_t Digest() const;
  bool joint() const { return next_.has_value(); }
  const HashRing& ring() const { return ring_; }
  // The ring being moved to; only when joint().
  const HashRing& next() const { return *next_; }
  // Every member of the current ring, and of the next one when joint, in
  // ring order then the joiner: who must be able to talk to whom.
  const std::vector<Peer>& members() const { return members_; }
  const Peer* FindMember(const std::string& id) const;

  // The key's replica sets whose majorities a round needs: one set when
  // stable, [old, new] when joint (the same set twice is merged into one).
  std::vector<std::vector<std::string>> ReplicaSets(std::string_view key) const;
  // Every node holding a replica of the key in any of ReplicaSets.
  std::vector<std::string> Replicas(std::string_view key) const;
  // True when `acked` (node ids that answered yes) holds a majority of every
  // set in ReplicaSets(key).
  bool QuorumMet(std::string_view key, const std::vector<std::string>& acked) const;
  // When joint: true when the key's replica set differs between the rings,
  // i.e. the key must be copied (step 2). False when stable.
  bool Moves(std::string_view key) const;
  // True when `id` holds a replica of `key` now (in any of ReplicaSets):
  // whether a node may serve a request for it.
  bool Owns(const std::string& id, std::string_view key) const;

 private:
  RingConfig(uint64_t epoch, std::vector<Peer> members, HashRing ring, std::optional<HashRing> next)
      : epoch_(epoch), members_(std::move(members)), ring_(std::move(ring)), next_(std::move(next)) {}

  uint64_t epoch_;
  std::vector<Peer> members_;
  HashRing ring_;
  std::optional<HashRing> next_;
};

// Majority of a replica set of `n` nodes.
inline int Majority(size_t n) { return static_cast<int>(n / 2 + 1); }

}  // namespace faultline::ringstore
