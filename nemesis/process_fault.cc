#include "nemesis/process_fault.h"

#include "nemesis/nemesis_support.h"
#include "nemesis/node_selection.h"
#include "nemesis/role_targets.h"

namespace faultline {

Status ProcessFault::Setup(const ClusterInfo& cluster, Db* db) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cluster.nodes.empty()) return Status::Error(fault_ + ": the cluster has no nodes");
  Status s = Bind(db);
  if (!s.ok()) return s;
  cluster_ = cluster;
  roles_ = dynamic_cast<HasRoles*>(db);
  return Status::Ok();
}

Status ProcessFault::CheckTarget(Db* db) {
  Status s = Bind(db);
  if (!s.ok()) return s;
  return CheckRolesAvailable(targets_, db, fault_ + ": --fault-targets");
}

Op ProcessFault::Invoke(const Op& op, Rng& rng) {
  std::lock_guard<std::mutex> lock(mu_);
  if (op.f == "stop-" + fault_) {
    std::vector<std::string> nodes;
    {
      std::lock_guard<std::mutex> l(faulted_mu_);
      nodes.assign(faulted_.begin(), faulted_.end());
    }
    Status s = UndoAll();
    return CompleteFault(op, {{"nodes", nodes}}, s.Prefixed(fault_));
  }
  if (op.f != "start-" + fault_) {
    return CompleteFault(op, nullptr, Status::Error(fault_ + ": unknown fault op " + op.f));
  }
  // A new start first undoes a previous one that was never stopped.
  Status s = UndoAll();
  std::string spec = "explicit", why;
  std::vector<std::string> nodes;
  if (op.value.is_object() && op.value.contains("nodes") && op.value["nodes"].is_array()) {
    for (const auto& n : op.value["nodes"]) {
      if (!n.is_string() || NodesNamed(cluster_, {n.get<std::string>()}).empty()) {
        return CompleteFault(op, op.value, Status::Error(fault_ + ": unknown node " + n.dump()));
      }
      nodes.push_back(n.get<std::string>());
    }
  } else {
    std::vector<std::string> specs = targets_;
    if (op.value.is_object() && op.value.contains("targets") && op.value["targets"].is_string()) {
      auto parsed = ParseTargetSpecs(op.value["targets"].get<std::string>());
      if (!parsed.ok()) return CompleteFault(op, op.value, parsed.status().Prefixed(fault_));
      specs = *parsed;
    }
    auto choice = PickRoleAwareTargets(specs, cluster_, roles_, rng);
    if (!choice.ok()) {
      nlohmann::json value = op.value.is_object() ? op.value : nlohmann::json::object();
      value["nodes"] = nlohmann::json::array();
      return CompleteFault(op, value, choice.status().Prefixed(fault_));
    }
    nodes = choice->nodes;
    spec = choice->spec;
    why = choice->why;
  }
  Status applied = ForEachNode(NodesNamed(cluster_, nodes), [&](const NodeInfo& n) {
    // Recorded even when Apply fails half-way (e.g. killed, then an error):
    // undoing a fault that did not happen is harmless, missing one is not.
    {
      std::lock_guard<std::mutex> l(faulted_mu_);
      faulted_.insert(n.name);
    }
    return Apply(cluster_, n);
  });
  if (s.ok()) s = applied;
  nlohmann::json value = {{"nodes", nodes}, {"targets", spec}};
  if (!why.empty()) value["why"] = why;
  return CompleteFault(op, std::move(value), s.Prefixed(fault_));
}

Status ProcessFault::Heal() {
  std::lock_guard<std::mutex> lock(mu_);
  return UndoAll().Prefixed(fault_ + " heal");
}

Status ProcessFault::Adopt(const nlohmann::json& start_value) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!start_value.is_object() || !start_value.contains("nodes") || !start_value["nodes"].is_array()) {
    return Status::Error(fault_ + ": the recorded start has no \"nodes\" list");
  }
  std::lock_guard<std::mutex> l(faulted_mu_);
  for (const auto& n : start_value["nodes"]) {
    if (!n.is_string() || NodesNamed(cluster_, {n.get<std::string>()}).empty()) {
      return Status::Error(fault_ + ": the recorded start names an unknown node " + n.dump());
    }
    faulted_.insert(n.get<std::string>());
  }
  return Status::Ok();
}

Status ProcessFault::UndoAll() {
  std::vector<std::string> nodes;
  {
    std::lock_guard<std::mutex> l(faulted_mu_);
    nodes.assign(faulted_.begin(), faulted_.end());
  }
  if (nodes.empty()) return Status::Ok();
  return ForEachNode(NodesNamed(cluster_, nodes), [&](const NodeInfo& n) {
    Status s = Undo(cluster_, n);
    if (s.ok()) {
      std::lock_guard<std::mutex> l(faulted_mu_);
      faulted_.erase(n.name);
    }
    return s;
  });
}

}  // namespace faultline
