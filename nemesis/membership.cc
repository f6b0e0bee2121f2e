// "membership": changes the store's membership while it serves, through the
// Db's Reconfigurable capability (ringstore: /admin/join and /admin/leave,
// which move the data before answering).
//
// start-membership performs one change, chosen by --nemesis-opt
// membership=join|leave|replace|random (default random: any of the three the
// cluster allows right now):
//   join     a node that is not a member joins;
//   leave    a member leaves (never below the Db's MinMembers: a majority of
//            the replication factor);
//   replace  a member leaves, then a non-member joins.
// op.value {"nodes": [N]} (`faultline fault start membership --on N`) names
// the node to leave (leave, replace) or to join (join). The completed value
// is {"op", "left": [...], "joined": [...], "results": [what the store
// reported: epoch, members, moved_keys, ...], "members": [after]}.
// stop-membership undoes the last start (joins what left, removes what
// joined, in reverse order) and returns the same shape; when the start did
// nothing (it failed), it takes one step back towards the initial members
// instead (op "restore"), retrying what an earlier failed undo left. Heal returns to the
// Db's InitialMembers, whatever happened before. Calls are serialised by a
// mutex (membership changes never overlap).
#include <algorithm>
#include <mutex>

#include "nemesis/nemesis.h"
#include "nemesis/nemesis_support.h"

namespace faultline {
namespace {

using nlohmann::json;

class MembershipNemesis : public Nemesis {
 public:
  explicit MembershipNemesis(std::string mode) : mode_(std::move(mode)) {}

  std::string name() const override { return "membership"; }
  std::vector<FaultPair> Faults() const override { return {{"start-membership", "stop-membership"}}; }

  Status CheckTarget(Db* db) override {
    if (dynamic_cast<Reconfigurable*>(db) == nullptr) {
      return Status::Error("membership: the target's Db cannot change its membership (not Reconfigurable)");
    }
    return Status::Ok();
  }

  Status Setup(const ClusterInfo& cluster, Db* db) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (Status s = CheckTarget(db); !s.ok()) return s;
    db_ = dynamic_cast<Reconfigurable*>(db);
    cluster_ = cluster;
    return Status::Ok();
  }

  Op Invoke(const Op& op, Rng& rng) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (op.f == "stop-membership") {
      Change undo;
      undo.op = "undo";
      // Reverse order: a replace (leave A, join B) is undone by leave B, join A.
      std::vector<std::pair<std::string, std::string>> steps(undo_.rbegin(), undo_.rend());
      undo_.clear();
      if (steps.empty()) {
        // The start did nothing (it failed: a partition or kills left no
        // quorum), but an earlier undo may have failed the same way and
        // left the ring changed: take one step back towards the initial
        // members, so that is retried now rather than only at the final heal.
        undo.op = "restore";
        auto back = TowardsInitial();
        if (!back.ok()) return CompleteFault(op, nullptr, back.status().Prefixed("membership"));
        if (!back->empty()) steps.push_back(back->front());
      }
      Status s = Run(steps, &undo);
      return CompleteFault(op, undo.Json(Members()), s.Prefixed("membership"));
    }
    if (op.f != "start-membership") {
      return CompleteFault(op, nullptr, Status::Error("membership: unknown fault op " + op.f));
    }
    auto members = db_->Members(cluster_);
    if (!members.ok()) return CompleteFault(op, nullptr, members.status().Prefixed("membership"));
    std::vector<std::string> outside;
    for (const auto& n : cluster_.nodes) {
      if (std::find(members->begin(), members->end(), n.name) == members->end()) outside.push_back(n.name);
    }
    std::string named;
    if (op.value.is_object() && op.value.contains("nodes") && op.value["nodes"].is_array() &&
        !op.value["nodes"].empty() && op.value["nodes"][0].is_string()) {
      named = op.value["nodes"][0].get<std::string>();
      if (NodesNamed(cluster_, {named}).empty()) {
        return CompleteFault(op, op.value, Status::Error("membership: unknown node \"" + named + "\""));
      }
    }
    const bool can_leave = members->size() > db_->MinMembers();
    const bool can_join = !outside.empty();
    std::string kind = mode_;
    if (kind == "random") {
      std::vector<std::string> options;
      if (can_join) options.push_back("join");
      if (can_leave) options.push_back("leave");
      if (can_join && !members->empty()) options.push_back("replace");
      if (options.empty()) {
        return CompleteFault(op, nullptr, Status::Error("membership: no change possible (no non-member to join, "
                                                        "and no member can leave)"));
      }
      kind = rng.Pick(options);
    }
    std::vector<std::pair<std::string, std::string>> steps;
    auto pick = [&](const std::vector<std::string>& from) { return named.empty() ? rng.Pick(from) : named; };
    if (kind == "join") {
      if (!can_join) return CompleteFault(op, nullptr, Status::Error("membership: every node is a member already"));
      steps.push_back({"join", pick(outside)});
    } else if (kind == "leave" || kind == "replace") {
      // A replace dips one below for a moment only when it could not leave.
      if (kind == "leave" && !can_leave) {
        return CompleteFault(op, nullptr,
                             Status::Error("membership: leaving would go below " + std::to_string(db_->MinMembers()) +
                                           " members (a majority of the replication factor)"));
      }
      if (kind == "replace" && outside.empty()) {
        return CompleteFault(op, nullptr, Status::Error("membership: replace needs a non-member to join"));
      }
      std::string leaver = pick(*members);
      if (kind == "replace") {
        // Join first when leaving first would go below the minimum.
        std::string joiner = rng.Pick(outside);
        if (can_leave) {
          steps.push_back({"leave", leaver});
          steps.push_back({"join", joiner});
        } else {
          steps.push_back({"join", joiner});
          steps.push_back({"leave", leaver});
        }
      } else {
        steps.push_back({"leave", leaver});
      }
    }
    Change change;
    change.op = kind;
    dirty_ = true;
    Status s = Run(steps, &change);
    for (const auto& [what, node] : change.done) undo_.push_back({what == "join" ? "leave" : "join", node});
    return CompleteFault(op, change.Json(Members()), s.Prefixed("membership"));
  }

  Status Heal() override {
    std::lock_guard<std::mutex> lock(mu_);
    undo_.clear();
    // Nothing changed since the last heal: nothing to ask the store (which
    // may already be torn down; the runner heals again after teardown).
    if (db_ == nullptr || !dirty_) return Status::Ok();
    auto steps = TowardsInitial();
    if (!steps.ok()) return steps.status().Prefixed("membership heal");
    Change heal;
    Status s = Run(*steps, &heal);
    if (s.ok()) dirty_ = false;
    return s.Prefixed("membership heal");
  }

  Status Adopt(const json& start_value) override {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;
    if (!start_value.is_object()) return Status::Error("membership: the recorded start has no changes");
    for (const char* key : {"left", "joined"}) {
      if (!start_value.contains(key) || !start_value[key].is_array()) continue;
      for (const auto& n : start_value[key]) {
        if (n.is_string()) undo_.push_back({std::string(key) == "left" ? "join" : "leave", n.get<std::string>()});
      }
    }
    return Status::Ok();
  }

 private:
  struct Change {
    std::string op;
    std::vector<std::pair<std::string, std::string>> done;  // (join|leave, node), in order
    json results = json::array();
    json Json(const json& members_after) const {
      json left = json::array(), joined = json::array();
      for (const auto& [what, node] : done) (what == "join" ? joined : left).push_back(node);
      json nodes = left;
      for (const auto& n : joined) nodes.push_back(n);
      return {{"op", op},         {"nodes", nodes},     {"left", left},
              {"joined", joined}, {"results", results}, {"members", members_after}};
    }
  };

  // Runs the steps in order; stops at the first failure (its error).
  Status Run(const std::vector<std::pair<std::string, std::string>>& steps, Change* change) {
    for (const auto& [what, name] : steps) {
      auto nodes = NodesNamed(cluster_, {name});
      if (nodes.empty()) return Status::Error("unknown node \"" + name + "\"");
      auto r = what == "join" ? db_->Join(cluster_, *nodes.front()) : db_->Leave(cluster_, *nodes.front());
      if (!r.ok()) return Status::Error(what + " " + name + ": " + r.status().message());
      change->done.push_back({what, name});
      json result = *r;
      if (result.is_object()) result["node"] = name;
      change->results.push_back(result);
    }
    return Status::Ok();
  }

  // The steps from the current members back to the Db's InitialMembers:
  // joins first, so leaves never go below the minimum. Error: no member
  // answered.
  Result<std::vector<std::pair<std::string, std::string>>> TowardsInitial() {
    auto members = db_->Members(cluster_);
    if (!members.ok()) return members.status();
    std::vector<std::string> initial = db_->InitialMembers(cluster_);
    std::vector<std::pair<std::string, std::string>> steps;
    for (const auto& n : initial) {
      if (std::find(members->begin(), members->end(), n) == members->end()) steps.push_back({"join", n});
    }
    for (const auto& n : *members) {
      if (std::find(initial.begin(), initial.end(), n) == initial.end()) steps.push_back({"leave", n});
    }
    return steps;
  }

  json Members() {
    auto m = db_->Members(cluster_);
    return m.ok() ? json(*m) : json(nullptr);
  }

  std::mutex mu_;
  const std::string mode_;
  Reconfigurable* db_ = nullptr;
  ClusterInfo cluster_;
  std::vector<std::pair<std::string, std::string>> undo_;  // how to undo the last start, in order
  // A change was made (or adopted) since the last successful heal.
  bool dirty_ = false;
};

Result<std::unique_ptr<Nemesis>> MakeMembership(const NemesisOptions& options) {
  std::string mode = StringOption(options, "membership", "random");
  if (mode != "join" && mode != "leave" && mode != "replace" && mode != "random") {
    return Status::Error("--nemesis-opt membership=\"" + mode + "\" must be one of join, leave, replace, random");
  }
  return std::unique_ptr<Nemesis>(new MembershipNemesis(mode));
}

Registrar<NemesisFactory> kMembershipNemesis("membership",
                              "change membership while serving (Reconfigurable): join, leave or replace a node, never below a majority of replicas; undone on stop, initial members on heal",
                              &MakeMembership);

}  // namespace
}  // namespace faultline
