#include "targets/ringstore/hash_ring.h"

#include <algorithm>
#include <iterator>
#include <set>

namespace faultline::ringstore {

uint64_t StableHash64(std::string_view data) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV-1a 64 prime
  }
  // murmur3 fmix64
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

namespace {

// Token choice: plain hash(node#v) tokens leave the most-loaded of 5 nodes
// owning ~1.4x the least-loaded at 64 vnodes. So each token is the best of
// kCandidates hashed points: the one landing in the widest free arc. Still a
// hash ring: every point comes from StableHash64 of the node id, so the
// result depends only on the membership history, never on the process.
// Returns false when every candidate is taken (never in practice).
bool PickToken(const std::set<uint64_t>& points, const std::string& node, int v, uint64_t* out) {
  constexpr int kCandidates = 8;
  uint64_t best = 0, best_gap = 0;
  bool have = false;
  for (int c = 0; c < kCandidates; ++c) {
    uint64_t p = StableHash64(node + "#" + std::to_string(v) + "#" + std::to_string(c));
    if (points.count(p)) continue;
    uint64_t gap = ~0ULL;  // empty ring: every candidate is equal
    if (!points.empty()) {
      auto next = points.lower_bound(p);
      uint64_t hi = next == points.end() ? *points.begin() : *next;
      uint64_t lo = next == points.begin() ? *points.rbegin() : *std::prev(next);
      gap = hi - lo;  // wraps correctly modulo 2^64
      if (points.size() == 1) gap = ~0ULL;
    }
    if (!have || gap > best_gap) {
      best = p;
      best_gap = gap;
      have = true;
    }
  }
  *out = best;
  return have;
}

void SortTokens(std::vector<HashRing::Token>* tokens) {
  std::sort(tokens->begin(), tokens->end(), [](const HashRing::Token& a, const HashRing::Token& b) {
    return a.point != b.point ? a.point < b.point : a.node < b.node;
  });
}

}  // namespace

HashRing::HashRing(std::vector<std::string> nodes, int vnodes, int replicas)
    : nodes_(std::move(nodes)), vnodes_(std::max(1, vnodes)), requested_replicas_(replicas) {
  replicas_ = std::clamp(replicas, 1, static_cast<int>(std::max<size_t>(1, nodes_.size())));
  // vnodes are placed round-robin over the nodes, in flag order, so every
  // node's tokens spread over the whole ring.
  std::set<uint64_t> points;
  tokens_.reserve(nodes_.size() * vnodes_);
  for (int v = 0; v < vnodes_; ++v) {
    for (size_t n = 0; n < nodes_.size(); ++n) {
      uint64_t p;
      if (!PickToken(points, nodes_[n], v, &p)) continue;
      points.insert(p);
      tokens_.push_back(Token{p, static_cast<int>(n)});
    }
  }
  SortTokens(&tokens_);
}

HashRing::HashRing(std::vector<std::string> nodes, std::vector<Token> tokens, int vnodes, int replicas)
    : nodes_(std::move(nodes)), vnodes_(std::max(1, vnodes)), requested_replicas_(replicas),
      tokens_(std::move(tokens)) {
  replicas_ = std::clamp(replicas, 1, static_cast<int>(std::max<size_t>(1, nodes_.size())));
  SortTokens(&tokens_);
}

HashRing HashRing::WithNode(const std::string& id) const {
  std::vector<std::string> nodes = nodes_;
  if (std::find(nodes.begin(), nodes.end(), id) != nodes.end()) return *this;
  nodes.push_back(id);
  int index = static_cast<int>(nodes.size()) - 1;
  std::set<uint64_t> points;
  for (const Token& t : tokens_) points.insert(t.point);
  std::vector<Token> tokens = tokens_;
  for (int v = 0; v < vnodes_; ++v) {
    uint64_t p;
    if (!PickToken(points, id, v, &p)) continue;
    points.insert(p);
    tokens.push_back(Token{p, index});
  }
  // replicas_ was clamped to the old size; the configured factor may be
  // larger than a small ring, so it grows back with the membership.
  return HashRing(std::move(nodes), std::move(tokens), vnodes_, requested_replicas_);
}

HashRing HashRing::WithoutNode(const std::string& id) const {
  auto it = std::find(nodes_.begin(), nodes_.end(), id);
  if (it == nodes_.end()) return *this;
  int gone = static_cast<int>(it - nodes_.begin());
  std::vector<std::string> nodes = nodes_;
  nodes.erase(nodes.begin() + gone);
  std::vector<Token> tokens;
  for (const Token& t : tokens_) {
    if (t.node == gone) continue;
    tokens.push_back(Token{t.point, t.node > gone ? t.node - 1 : t.node});
  }
  return HashRing(std::move(nodes), std::move(tokens), vnodes_, requested_replicas_);
}

std::vector<int> HashRing::ReplicasFor(std::string_view key) const {
  std::vector<int> out;
  if (tokens_.empty()) return out;
  uint64_t h = StableHash64(key);
  auto it = std::lower_bound(tokens_.begin(), tokens_.end(), h,
                             [](const Token& t, uint64_t p) { return t.point < p; });
  size_t start = static_cast<size_t>(it - tokens_.begin());
  for (size_t i = 0; i < tokens_.size() && static_cast<int>(out.size()) < replicas_; ++i) {
    int node = tokens_[(start + i) % tokens_.size()].node;
    if (std::find(out.begin(), out.end(), node) == out.end()) out.push_back(node);
  }
  return out;
}

std::vector<std::string> HashRing::ReplicaIdsFor(std::string_view key) const {
  std::vector<std::string> out;
  for (int n : ReplicasFor(key)) out.push_back(nodes_[n]);
  return out;
}

}  // namespace faultline::ringstore
