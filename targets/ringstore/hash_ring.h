// HashRing: ringstore's consistent-hash placement of keys on nodes.
//
// Every node owns `vnodes` points ("tokens") on a 64-bit ring; a key hashes to
// a point and its replica set is the first `replicas` DISTINCT nodes found
// walking clockwise from it. The hash (StableHash64) is written out here, not
// std::hash, so every process and every build places a key identically.
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

  // Indexes of the key's replicas, in ring order (the first is the "primary").
  std::vector<int> ReplicasFor(std::string_view key) const;
  // Same, as node ids.
  std::vector<std::string> ReplicaIdsFor(std::string_view key) const;

  const std::vector<std::string>& nodes() const { return nodes_; }
  const std::vector<Token>& tokens() const { return tokens_; }
  int vnodes() const { return vnodes_; }
  int replicas() const { return replicas_; }

 private:
  std::vector<std::string> nodes_;
  int vnodes_;
  int replicas_;
  std::vector<Token> tokens_;  // sorted by point
};

}  // namespace faultline::ringstore
