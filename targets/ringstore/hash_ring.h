// HashRing: ringstore's consistent-hash placement of keys on nodes.
//
// Every node owns `vnodes` points ("tokens") on a 64-bit ring; a key hashes to
// a point and its replica set is the first `replicas` DISTINCT nodes found
// walking clockwise from it. The hash (StableHash64) is written out here, not
// std::hash, so every process and every build places a key identically.
// Membership changes (WithNode / WithoutNode) derive a new ring that keeps
// every surviving token, so only the ranges the joining node takes (or the
// leaving node held) change owner: about 1/N of the keys, the property that
// justifies a ring (tests/bench/ring_movement_bench.cc measures it).
// Immutable after construction: safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::ringstore {

// FNV-1a over the bytes, then the murmur3 fmix64 finaliser (FNV alone
// clusters similar short strings like "k1","k2"; the finaliser spreads them).
uint64_t StableHash64(std::string_view data);

class HashRing {
 public:
  struct Token {
    uint64_t point;
    int node;  // index into nodes()
  };

  // `nodes` are node ids (distinct, non-empty); replicas is clamped to
  // [1, nodes.size()]; vnodes >= 1.
  HashRing(std::vector<std::string> nodes, int vnodes, int replicas);

  // A ring from explicit tokens (a configuration learned from a peer).
  // `tokens` may be unsorted; every Token::node indexes `nodes`.
  HashRing(std::vector<std::string> nodes, std::vector<Token> tokens, int vnodes, int replicas);

  // The ring once `id` (not yet a member) joins: nodes() gains `id` at the
  // end and vnodes() new tokens, each picked by the constructor's rule against
  // the points already taken; every existing token is kept.
  HashRing WithNode(const std::string& id) const;
  // The ring once `id` leaves: its tokens are dropped, every other token is
  // kept (node indexes renumber). `id` not a member: the same ring.
  HashRing WithoutNode(const std::string& id) const;

  // Indexes of the key's replicas, in ring order (the first is the "primary").
  std::vector<int> ReplicasFor(std::string_view key) const;
  // Same, as node ids.
  std::vector<std::string> ReplicaIdsFor(std::string_view key) const;

  const std::vector<std::string>& nodes() const { return nodes_; }
  const std::vector<Token>& tokens() const { return tokens_; }
  int vnodes() const { return vnodes_; }
  int replicas() const { return replicas_; }
  // The replication factor as configured (replicas() is it clamped to the
  // membership, so a grown ring gets it back).
  int requested_replicas() const { return requested_replicas_; }

 private:
  std::vector<std::string> nodes_;
  int vnodes_;
  int replicas_;            // requested_replicas_ clamped to the membership
  int requested_replicas_;  // as configured, kept across membership changes
  std::vector<Token> tokens_;  // sorted by point
};

}  // namespace faultline::ringstore
