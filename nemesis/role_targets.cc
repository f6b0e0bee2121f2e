#include "nemesis/role_targets.h"

#include <algorithm>

#include "nemesis/nemesis_support.h"
#include "nemesis/node_selection.h"

namespace faultline {

Result<std::vector<std::string>> NodesForRole(const std::string& spec, const ClusterRoles& roles,
                                              const std::vector<std::string>& nodes) {
  auto known = [&](const std::string& n) { return std::find(nodes.begin(), nodes.end(), n) != nodes.end(); };
  if (spec == "leader") {
    if (roles.leader.empty()) return Status::Error("no leader known (" + roles.why + ")");
    if (!known(roles.leader)) return Status::Error("the leader \"" + roles.leader + "\" is not a cluster node");
    return std::vector<std::string>{roles.leader};
  }
  if (spec == "primaries") {
    std::vector<std::string> out;
    for (const auto& n : nodes) {
      if (std::find(roles.primaries.begin(), roles.primaries.end(), n) != roles.primaries.end()) out.push_back(n);
    }
    if (out.empty()) return Status::Error("no primaries known (" + roles.why + ")");
    return out;
  }
  if (spec == "non-leader") {
    if (roles.leader.empty()) return Status::Error("no leader known (" + roles.why + ")");
    std::vector<std::string> out;
    for (const auto& n : nodes) {
      if (n != roles.leader) out.push_back(n);
    }
    return out;
  }
  return Status::Error("\"" + spec + "\" is not a role (leader, primaries, non-leader)");
}

Result<TargetChoice> PickRoleAwareTargets(const std::vector<std::string>& specs, const ClusterInfo& cluster,
                                          HasRoles* roles, Rng& rng) {
  TargetChoice c;
  std::vector<std::string> names = NodeNames(cluster);
  if (specs.size() == 1 && IsRoleSpec(specs[0])) {
    c.spec = specs[0];
  } else if (std::any_of(specs.begin(), specs.end(), IsRoleSpec)) {
    c.spec = rng.Pick(specs);
  } else {
    c.nodes = PickTargets(specs, names, rng, &c.spec);
    return c;
  }
  if (!IsRoleSpec(c.spec)) {
    c.nodes = PickTargets({c.spec}, names, rng, &c.spec);
    return c;
  }
  if (roles == nullptr) return Status::Error("targets \"" + c.spec + "\": the target's Db reports no roles");
  auto found = roles->Roles(cluster);
  if (!found.ok()) return found.status().Prefixed("targets \"" + c.spec + "\"");
  auto nodes = NodesForRole(c.spec, *found, names);
  if (!nodes.ok()) return nodes.status().Prefixed("targets \"" + c.spec + "\"");
  c.nodes = std::move(*nodes);
  c.why = found->why;
  return c;
}

Status CheckRolesAvailable(const std::vector<std::string>& specs, Db* db, const std::string& what) {
  for (const auto& s : specs) {
    if (IsRoleSpec(s) && dynamic_cast<HasRoles*>(db) == nullptr) {
      return Status::Error(what + " " + s + ": the target's Db cannot tell its roles (no HasRoles)");
    }
  }
  return Status::Ok();
}

}  // namespace faultline
