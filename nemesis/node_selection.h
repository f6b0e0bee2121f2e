// Which nodes a fault hits: "one", "minority", "majority" or "all" (the
// `targets` nemesis option, Jepsen's :targets), or a role of the cluster:
// "leader", "primaries", "non-leader" (resolved by nemesis/role_targets.h from
// the Db's HasRoles). Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "harness/core/rng.h"
#include "harness/core/status.h"

namespace faultline {

// "one,minority,majority,all" — the known target specs, in that order.
const std::vector<std::string>& TargetSpecs();

// "leader,primaries,non-leader" — the specs that follow the cluster's roles.
const std::vector<std::string>& RoleTargetSpecs();
bool IsRoleSpec(const std::string& spec);

// Parses a comma-separated list of target specs ("majority", "one,all",
// "leader"). Empty text means every count spec (one, minority, majority, all;
// never a role). Error: an unknown spec (names it and the known).
Result<std::vector<std::string>> ParseTargetSpecs(const std::string& text);

// How many nodes `spec` selects out of n (n >= 1): one -> 1,
// minority -> max(1, (n-1)/2), majority -> n/2+1, all -> n.
size_t TargetCount(const std::string& spec, size_t n);

// Picks one spec from `specs` and that many distinct nodes, at random.
// The result keeps the cluster's node order. A role spec is not resolved here
// (no roles): use PickRoleAwareTargets (nemesis/role_targets.h).
std::vector<std::string> PickTargets(const std::vector<std::string>& specs,
                                     const std::vector<std::string>& nodes, Rng& rng,
                                     std::string* chosen_spec = nullptr);

}  // namespace faultline
