// Which nodes a fault hits: "one", "minority", "majority" or "all" (the
// `targets` nemesis option, Jepsen's :targets). Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "harness/core/rng.h"
#include "harness/core/status.h"

namespace faultline {

// "one,minority,majority,all" — the known target specs, in that order.
const std::vector<std::string>& TargetSpecs();

// Parses a comma-separated list of target specs ("majority", "one,all").
// Empty text means every spec. Error: an unknown spec (names it and the known).
Result<std::vector<std::string>> ParseTargetSpecs(const std::string& text);

// How many nodes `spec` selects out of n (n >= 1): one -> 1,
// minority -> max(1, (n-1)/2), majority -> n/2+1, all -> n.
size_t TargetCount(const std::string& spec, size_t n);

// Picks one spec from `specs` and that many distinct nodes, at random.
// The result keeps the cluster's node order.
std::vector<std::string> PickTargets(const std::vector<std::string>& specs,
                                     const std::vector<std::string>& nodes, Rng& rng,
                                     std::string* chosen_spec = nullptr);

}  // namespace faultline
