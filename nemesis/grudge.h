// Grudges: who cannot hear whom during a network partition (DESIGN.md §6).
//
// A Grudge maps a node to the set of nodes it drops traffic FROM (the partition
// nemesis turns each entry into iptables DROP rules on that node, by source
// address). Nodes with nothing to drop have no entry. A node never holds a
// grudge against itself.
//
// Everything here is a pure function: the same nodes (and the same Rng state
// for the random kinds) give the same grudge. No I/O, no globals; thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/rng.h"
#include "harness/core/status.h"

namespace faultline {

using Grudge = std::map<std::string, std::set<std::string>>;
// Groups of nodes that can talk among themselves.
using Components = std::vector<std::vector<std::string>>;

// Every node drops traffic from every node outside its own component.
Grudge CompleteGrudge(const Components& components);

// Splits `nodes` (in the given order) into the first floor(n/2) and the rest.
Components Bisect(const std::vector<std::string>& nodes);

// The partition kinds, in a fixed order:
// one, halves, random-halves, majority, majorities-ring, bridge.
const std::vector<std::string>& GrudgeKinds();

// "one": `node` is cut off from all the others.
Grudge IsolateNode(const std::vector<std::string>& nodes, const std::string& node);
// "halves": the first floor(n/2) nodes (in the given order) against the rest.
Grudge Halves(const std::vector<std::string>& nodes);
// "majority": the first `minority_size` nodes (in the given order) are cut off
// from the rest; 1 <= minority_size <= (n-1)/2 keeps the rest a majority.
Grudge CutMinority(const std::vector<std::string>& nodes, size_t minority_size);
// "majorities-ring" (Jepsen's): nodes in the given order form a ring; each node
// sees the window of floor(n/2)+1 consecutive nodes centred on itself, so every
// node sees a majority and no two nodes see the same majority (for n >= 3).
// Not symmetric in general (for even window sizes).
Grudge MajoritiesRing(const std::vector<std::string>& nodes);
// "bridge" (Jepsen's): the nodes are bisected; the first node of the second half
// is the bridge, which hears and is heard by everyone, while the two halves
// cannot hear each other. Symmetric.
Grudge Bridge(const std::vector<std::string>& nodes);

// Builds a grudge of `kind` over `nodes`, using `rng` for the random choices
// (which node, which halves, the ring order). Kinds "one", "random-halves",
// "majority", "majorities-ring" and "bridge" shuffle; "halves" keeps the order.
// Error: unknown kind (lists the known ones), or fewer than 2 nodes.
Result<Grudge> MakeGrudge(const std::string& kind, const std::vector<std::string>& nodes, Rng& rng);

// Nodes that cannot hear from a majority of the cluster (counting themselves):
// the side expected to be unavailable for a quorum system. Sorted.
std::vector<std::string> CutOffNodes(const Grudge& grudge, const std::vector<std::string>& nodes);

// {"n1": ["n3", "n4"], ...}.
nlohmann::json GrudgeToJson(const Grudge& grudge);
// Parses GrudgeToJson's form; every name must be one of `nodes` and no node may
// hold a grudge against itself. The error says which entry is wrong.
Result<Grudge> GrudgeFromJson(const nlohmann::json& j, const std::vector<std::string>& nodes);

}  // namespace faultline
