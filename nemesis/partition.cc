// "partition": cuts the network between nodes along a grudge (nemesis/grudge.h)
// with iptables DROP rules in the FAULTLINE chain (nemesis/faultline_chain.h).
//
// Option "partition": a kind or a comma-separated list of kinds to pick from
// at random on each start (one, halves, random-halves, majority,
// majorities-ring, bridge; "all" = every kind; or a role: "leader" isolates
// the leader from the rest, "primaries" cuts the primaries off from the rest,
// both asked of the Db's HasRoles when the partition starts). Default "majority".
// start-partition value: null (choose), {"kind": K} or {"grudge": {...}}.
// Completed value: {"kind", "grudge", "nodes": nodes holding a grudge,
// "cut-off": nodes that cannot hear a majority} (+ "why" for a role kind:
// how the role was found). stop-partition deletes this
// nemesis's rules; Heal flushes the chain on every node.
// Thread safety: calls are serialised by a mutex.
#include <algorithm>
#include <mutex>

#include "nemesis/faultline_chain.h"
#include "nemesis/grudge.h"
#include "nemesis/nemesis.h"
#include "nemesis/nemesis_support.h"
#include "nemesis/role_targets.h"

namespace faultline {
namespace {

class PartitionNemesis : public Nemesis {
 public:
  explicit PartitionNemesis(std::vector<std::string> kinds) : kinds_(std::move(kinds)) {}

  std::string name() const override { return "partition"; }
  std::vector<FaultPair> Faults() const override { return {{"start-partition", "stop-partition"}}; }

  Status CheckTarget(Db* db) override {
    for (const auto& k : kinds_) {
      if ((k == "leader" || k == "primaries") && dynamic_cast<HasRoles*>(db) == nullptr) {
        return Status::Error("--partition " + k + ": the target's Db cannot tell its roles (no HasRoles)");
      }
    }
    return Status::Ok();
  }

  std::vector<NodeNeed> NodeNeeds() const override { return {NodeNeed::kIptables}; }

  Status Setup(const ClusterInfo& cluster, Db* db) override {
    std::lock_guard<std::mutex> lock(mu_);
    Status s = RequireRemotes(cluster, "partition");
    if (!s.ok()) return s;
    cluster_ = cluster;
    roles_ = dynamic_cast<HasRoles*>(db);
    return ForEachNode(AllNodes(cluster_), [](const NodeInfo& n) {
      return EnsureChain(*n.remote).Prefixed("partition setup");
    });
  }

  Op Invoke(const Op& op, Rng& rng) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (op.f == "stop-partition") {
      std::vector<std::string> healed;
      for (const auto& [node, rules] : active_) healed.push_back(node);
      Status s = RemoveActive();
      return CompleteFault(op, {{"nodes", healed}}, s);
    }
    if (op.f != "start-partition") {
      return CompleteFault(op, nullptr, Status::Error("partition: unknown fault op " + op.f));
    }
    const std::vector<std::string> names = NodeNames(cluster_);
    std::string kind, why;
    Result<Grudge> grudge = Grudge{};
    if (op.value.is_object() && op.value.contains("grudge")) {
      kind = "explicit";
      grudge = GrudgeFromJson(op.value["grudge"], names);
    } else {
      kind = op.value.is_object() && op.value.contains("kind") && op.value["kind"].is_string()
                 ? op.value["kind"].get<std::string>()
                 : rng.Pick(kinds_);
      if (kind == "leader" || kind == "primaries") {
        grudge = RoleGrudge(kind, names, &why);
      } else {
        grudge = MakeGrudge(kind, names, rng);
      }
    }
    if (!grudge.ok()) return CompleteFault(op, op.value, grudge.status().Prefixed("partition"));

    // A new partition replaces the previous one rather than stacking on it.
    Status s = RemoveActive();
    std::map<std::string, std::vector<RuleSpec>> rules;
    for (const auto& [node, drops] : *grudge) {
      for (const auto& other : drops) {
        rules[node].push_back(DropFrom(AddressOf(other)));
      }
    }
    std::vector<std::string> affected;
    for (const auto& [node, r] : rules) affected.push_back(node);
    // Recorded before applying: if a node fails half-way, heal still deletes.
    active_ = rules;
    Status applied = ForEachNode(NodesNamed(cluster_, affected), [&](const NodeInfo& n) {
      return AppendRules(*n.remote, rules.at(n.name));
    });
    if (!applied.ok()) s = applied;
    nlohmann::json value = {{"kind", kind},
                            {"grudge", GrudgeToJson(*grudge)},
                            {"nodes", affected},
                            {"cut-off", CutOffNodes(*grudge, names)}};
    if (!why.empty()) value["why"] = why;
    return CompleteFault(op, std::move(value), s.Prefixed("partition"));
  }

  // The rules of the recorded grudge become this nemesis's active rules.
  Status Adopt(const nlohmann::json& start_value) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!start_value.is_object() || !start_value.contains("grudge")) {
      return Status::Error("partition: the recorded start has no grudge");
    }
    auto grudge = GrudgeFromJson(start_value["grudge"], NodeNames(cluster_));
    if (!grudge.ok()) return grudge.status().Prefixed("partition: the recorded grudge");
    for (const auto& [node, drops] : *grudge) {
      for (const auto& other : drops) active_[node].push_back(DropFrom(AddressOf(other)));
    }
    return Status::Ok();
  }

  Status Heal() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (cluster_.nodes.empty()) return Status::Ok();  // never set up
    active_.clear();
    return ForEachNode(AllNodes(cluster_), [](const NodeInfo& n) {
      return FlushChain(*n.remote).Prefixed("partition heal");
    });
  }

 private:
  // "leader": the leader against the rest; "primaries": the primaries against
  // the rest. `why` gets how the roles were found.
  Result<Grudge> RoleGrudge(const std::string& kind, const std::vector<std::string>& names, std::string* why) {
    if (roles_ == nullptr) return Status::Error(kind + ": the target's Db reports no roles");
    auto roles = roles_->Roles(cluster_);
    if (!roles.ok()) return roles.status().Prefixed(kind);
    *why = roles->why;
    auto side = NodesForRole(kind, *roles, names);
    if (!side.ok()) return side.status().Prefixed(kind);
    if (side->size() >= names.size()) return Status::Error(kind + ": every node is one of them; nothing to cut off");
    std::vector<std::string> rest;
    for (const auto& n : names) {
      if (std::find(side->begin(), side->end(), n) == side->end()) rest.push_back(n);
    }
    return CompleteGrudge({*side, rest});
  }

  std::string AddressOf(const std::string& node) const {
    for (const auto& n : cluster_.nodes) {
      if (n.name == node) return n.address;
    }
    return node;
  }

  // Deletes the rules of the active partition on every node that has some.
  Status RemoveActive() {
    if (active_.empty()) return Status::Ok();
    std::vector<std::string> nodes;
    for (const auto& [node, r] : active_) nodes.push_back(node);
    Status s = ForEachNode(NodesNamed(cluster_, nodes), [&](const NodeInfo& n) {
      return DeleteRules(*n.remote, active_.at(n.name));
    });
    if (s.ok()) active_.clear();
    return s;
  }

  std::mutex mu_;
  std::vector<std::string> kinds_;
  ClusterInfo cluster_;
  HasRoles* roles_ = nullptr;
  std::map<std::string, std::vector<RuleSpec>> active_;  // node -> rules in place
};

Result<std::unique_ptr<Nemesis>> MakePartition(const NemesisOptions& options) {
  std::string text = StringOption(options, "partition", "majority");
  std::vector<std::string> kinds = text == "all" ? GrudgeKinds() : SplitCommas(text);
  if (kinds.empty()) return Status::Error("partition: empty --partition");
  for (const auto& k : kinds) {
    if (std::find(GrudgeKinds().begin(), GrudgeKinds().end(), k) == GrudgeKinds().end() && k != "leader" &&
        k != "primaries") {
      return Status::Error("--partition: unknown kind \"" + k +
                           "\" (known: one, halves, random-halves, majority, majorities-ring, "
                           "bridge, leader, primaries, all)");
    }
  }
  return std::unique_ptr<Nemesis>(new PartitionNemesis(std::move(kinds)));
}

Registrar<NemesisFactory> kPartitionNemesis("partition",
                              "network partitions (iptables DROP in the FAULTLINE chain) along a "
                              "grudge: one, halves, random-halves, majority, majorities-ring, bridge",
                              &MakePartition);

}  // namespace
}  // namespace faultline
