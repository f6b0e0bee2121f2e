// Choosing a fault's target nodes when the targets may follow the cluster's
// roles: a count spec (one, minority, ...) picks at random (node_selection.h);
// a role spec (leader, primaries, non-leader) asks the Db's HasRoles at that
// moment. Thread-safe when the Db's Roles is.
#pragma once

#include <string>
#include <vector>

#include "harness/core/rng.h"
#include "harness/core/status.h"
#include "targets/target.h"

namespace faultline {

// The nodes a role spec names: leader -> {leader}, primaries -> primaries,
// non-leader -> every node but the leader (cluster order kept for the last).
// Error when the role is empty (no leader known, no primaries).
Result<std::vector<std::string>> NodesForRole(const std::string& spec, const ClusterRoles& roles,
                                              const std::vector<std::string>& nodes);

// What a targeted fault hit and why.
struct TargetChoice {
  std::string spec;                // the spec drawn ("majority", "leader")
  std::vector<std::string> nodes;  // cluster order for count specs
  std::string why;                 // role specs: how the role was found; else empty
};

// Draws one spec from `specs` (the "all" spec when empty) and resolves it.
// `roles` may be null: a role spec is then an error naming the missing
// capability. The random draws are those of PickTargets for count specs.
Result<TargetChoice> PickRoleAwareTargets(const std::vector<std::string>& specs, const ClusterInfo& cluster,
                                          HasRoles* roles, Rng& rng);

// Error when `specs` holds a role spec and `db` has no HasRoles (for a
// nemesis's CheckTarget); `what` names the option in the message.
Status CheckRolesAvailable(const std::vector<std::string>& specs, Db* db, const std::string& what);

}  // namespace faultline
