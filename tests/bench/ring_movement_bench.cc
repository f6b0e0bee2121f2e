// ring_movement_bench: what a membership change costs on ringstore's ring
// (targets/ringstore/hash_ring.h) against modulo hashing, the figure that
// justifies a consistent-hash ring: when a node joins or leaves, how many
// keys change owner, and how evenly the keys are spread.
//
// For 1, 16 and 128 virtual nodes per node, and for modulo hashing
// (owner = hash % N, replicas the next R-1 indexes), it places K keys
// ("key-0".."key-{K-1}") on a 5-node ring (n1..n5, replication factor 3), then
//   5 -> 6: one node joins (HashRing::WithNode); averaged over 5 different
//           joining names (n6..n10), so one lucky token draw does not decide;
//   5 -> 4: one node leaves (HashRing::WithoutNode); averaged over each of
//           the 5 members leaving in turn;
// and prints per scheme:
//   owner moved    fraction of keys whose primary (first replica) changes
//                  (mean, and the largest single case: a leave moves exactly
//                  the leaver's share, so its mean over every member is 1/5
//                  by construction and the max shows the spread);
//   replica moved  fraction of (key, replica) placements that change: the
//                  share of the stored data that must be streamed;
//   imbalance      max / mean keys owned (primary) per node, on 5, 6, 4 nodes.
// The ideal for a join is 1/6 (0.167) moved, for a leave 1/5 (0.200).
//
//   build/ring_movement_bench [KEYS (100000)]
//
// Pure computation: deterministic (StableHash64), no processes, no files.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "targets/ringstore/hash_ring.h"

namespace faultline::ringstore {
namespace {

constexpr int kReplicas = 3;

// A placement: key index -> replica node ids (first = owner).
using Placement = std::function<std::vector<std::string>(const std::string&)>;

std::vector<std::string> Names(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back("n" + std::to_string(i));
  return out;
}

struct Movement {
  double owner = 0;      // fraction of keys whose owner changed
  double owner_max = 0;  // the largest single case of `owner` (Row: over joiners / leavers)
  double replica = 0;  // fraction of (key, replica) placements that changed
};

Movement Compare(const std::vector<std::string>& keys, const Placement& before, const Placement& after) {
  size_t owner_moved = 0, replica_moved = 0, replica_total = 0;
  for (const std::string& k : keys) {
    auto a = before(k), b = after(k);
    if (a.front() != b.front()) ++owner_moved;
    for (const std::string& n : a) {
      if (std::find(b.begin(), b.end(), n) == b.end()) ++replica_moved;
    }
    replica_total += a.size();
  }
  Movement m;
  m.owner = m.owner_max = static_cast<double>(owner_moved) / keys.size();
  m.replica = static_cast<double>(replica_moved) / replica_total;
  return m;
}

// max / mean keys owned per node, over `nodes`.
double Imbalance(const std::vector<std::string>& keys, const Placement& place, const std::vector<std::string>& nodes) {
  std::vector<size_t> owned(nodes.size());
  for (const std::string& k : keys) {
    auto owner = place(k).front();
    owned[std::find(nodes.begin(), nodes.end(), owner) - nodes.begin()]++;
  }
  double mean = static_cast<double>(keys.size()) / nodes.size();
  return *std::max_element(owned.begin(), owned.end()) / mean;
}

Placement RingPlacement(const HashRing& ring) {
  return [&ring](const std::string& k) { return ring.ReplicaIdsFor(k); };
}

Placement ModuloPlacement(const std::vector<std::string>& nodes) {
  return [nodes](const std::string& k) {
    size_t n = nodes.size();
    size_t owner = StableHash64(k) % n;
    std::vector<std::string> out;
    for (size_t i = 0; i < std::min<size_t>(kReplicas, n); ++i) out.push_back(nodes[(owner + i) % n]);
    return out;
  };
}

struct Row {
  std::string scheme;
  Movement join, leave;
  double imbalance5 = 0, imbalance6 = 0, imbalance4 = 0;
};

Row MeasureRing(const std::vector<std::string>& keys, int vnodes) {
  const auto five = Names(1, 5);
  HashRing base(five, vnodes, kReplicas);
  Row row;
  row.scheme = "ring, " + std::to_string(vnodes) + " vnode" + (vnodes == 1 ? "" : "s");
  row.imbalance5 = Imbalance(keys, RingPlacement(base), five);
  for (int j = 6; j <= 10; ++j) {
    std::string joiner = "n" + std::to_string(j);
    HashRing grown = base.WithNode(joiner);
    Movement m = Compare(keys, RingPlacement(base), RingPlacement(grown));
    row.join.owner += m.owner / 5;
    row.join.owner_max = std::max(row.join.owner_max, m.owner);
    row.join.replica += m.replica / 5;
    auto six = five;
    six.push_back(joiner);
    row.imbalance6 += Imbalance(keys, RingPlacement(grown), six) / 5;
  }
  for (const std::string& leaver : five) {
    HashRing shrunk = base.WithoutNode(leaver);
    Movement m = Compare(keys, RingPlacement(base), RingPlacement(shrunk));
    row.leave.owner += m.owner / 5;
    row.leave.owner_max = std::max(row.leave.owner_max, m.owner);
    row.leave.replica += m.replica / 5;
    auto four = five;
    four.erase(std::find(four.begin(), four.end(), leaver));
    row.imbalance4 += Imbalance(keys, RingPlacement(shrunk), four) / 5;
  }
  return row;
}

Row MeasureModulo(const std::vector<std::string>& keys) {
  const auto five = Names(1, 5);
  Row row;
  row.scheme = "modulo (hash % N)";
  row.imbalance5 = Imbalance(keys, ModuloPlacement(five), five);
  for (int j = 6; j <= 10; ++j) {
    auto six = five;
    six.push_back("n" + std::to_string(j));
    Movement m = Compare(keys, ModuloPlacement(five), ModuloPlacement(six));
    row.join.owner += m.owner / 5;
    row.join.owner_max = std::max(row.join.owner_max, m.owner);
    row.join.replica += m.replica / 5;
    row.imbalance6 += Imbalance(keys, ModuloPlacement(six), six) / 5;
  }
  for (const std::string& leaver : five) {
    auto four = five;
    four.erase(std::find(four.begin(), four.end(), leaver));
    Movement m = Compare(keys, ModuloPlacement(five), ModuloPlacement(four));
    row.leave.owner += m.owner / 5;
    row.leave.owner_max = std::max(row.leave.owner_max, m.owner);
    row.leave.replica += m.replica / 5;
    row.imbalance4 += Imbalance(keys, ModuloPlacement(four), four) / 5;
  }
  return row;
}

}  // namespace
}  // namespace faultline::ringstore

int main(int argc, char** argv) {
  using namespace faultline::ringstore;
  long keys_n = 100000;
  if (argc > 2) {
    std::fprintf(stderr, "usage: ring_movement_bench [KEYS (100000)]\n");
    return 3;
  }
  if (argc == 2) {
    char* end = nullptr;
    keys_n = std::strtol(argv[1], &end, 10);
    if (*end != '\0' || keys_n < 1 || keys_n > 100000000) {
      std::fprintf(stderr, "ring_movement_bench: KEYS \"%s\" is not an integer in [1, 100000000]\n", argv[1]);
      return 3;
    }
  }
  std::vector<std::string> keys;
  keys.reserve(keys_n);
  for (long i = 0; i < keys_n; ++i) keys.push_back("key-" + std::to_string(i));

  std::vector<Row> rows;
  for (int vnodes : {1, 16, 128}) rows.push_back(MeasureRing(keys, vnodes));
  rows.push_back(MeasureModulo(keys));

  std::printf("%ld keys, replication factor %d; 5->6 averaged over 5 joiners, 5->4 over each member leaving\n",
              keys_n, kReplicas);
  std::printf("ideal: 5->6 moves 1/6 = 0.167, 5->4 moves 1/5 = 0.200; imbalance 1.00\n\n");
  std::printf("| scheme | 5->6 owner moved (max) | 5->6 replicas moved | 5->4 owner moved (max) | 5->4 replicas moved "
              "| imbalance 5 | imbalance 6 | imbalance 4 |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %.3f (%.3f) | %.3f | %.3f (%.3f) | %.3f | %.2f | %.2f | %.2f |\n", r.scheme.c_str(),
                r.join.owner, r.join.owner_max, r.join.replica, r.leave.owner, r.leave.owner_max, r.leave.replica,
                r.imbalance5, r.imbalance6, r.imbalance4);
  }
  return 0;
}
