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
// nothing (it failed), it takes the steps back towards the initial members
// that can complete now instead (op "restore"), retrying what an earlier
// failed undo left. Heal returns to the Db's InitialMembers, whatever
// happened before. Calls are serialised by a mutex (membership changes never
// overlap).
//
// Only changes that can complete now: when the Db gives an Outlook (which
// nodes run, whom each hears), a start picks among the changes its outlook
// lets through (the kind first, then the nodes), and an undo runs only when
// its steps can complete. When none can (kills and partitions leave no
// quorum), or the store refused the first step before anything was done
// (up to 3 times in a row), the op does nothing more, says why (value "blocked" and the error), and
// asks to be tried again soon: value "retry-after-s" (nemesis.h), so the
// overlap schedule re-sends the same start or stop a second later instead of
// moving the fault to its next phase, and the nemesis thread serves the
// other faults (their heals) meanwhile. An undo that waits is kept, not
// dropped. A change counts only when the store reports it done ("left",
// "joined").
#include <algorithm>
#include <map>
#include <mutex>

#include "nemesis/nemesis.h"
#include "nemesis/nemesis_support.h"

namespace faultline {
namespace {

using nlohmann::json;

// How soon the schedule asks again after a change that could not complete now.
constexpr double kMembershipRetryAfterS = 1.0;
// How many times in a row a change the store refused before doing anything
// is asked again.
constexpr int kMembershipRefusedRetries = 3;

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
    if (op.f == "stop-membership") return Stop(op);
    if (op.f != "start-membership") {
      return CompleteFault(op, nullptr, Status::Error("membership: unknown fault op " + op.f));
    }
    return Start(op, rng);
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

  using Steps = std::vector<std::pair<std::string, std::string>>;  // (join|leave, node), in order

  // A change that cannot complete now, and nothing was done: the error says
  // why; "retry-after-s" asks the schedule to try again soon.
  static Op Blocked(const Op& op, json value, const std::string& why) {
    if (!value.is_object()) value = json::object();
    value["blocked"] = why;
    value["retry-after-s"] = kMembershipRetryAfterS;
    return CompleteFault(op, std::move(value), Status::Error("membership: " + why));
  }

  // Empty when every step of `steps`, from `members` on, can complete now
  // according to `outlook` (null: the Db cannot tell, so yes); else why not.
  static std::string StepsBlocker(const ChangeOutlook* outlook, std::vector<std::string> members,
                                  const Steps& steps) {
    if (outlook == nullptr) return "";
    for (const auto& step : steps) {
      std::vector<std::string> next = members;
      StepOn(step, &next);
      std::string why = outlook->Blocker(members, next);
      if (!why.empty()) return step.first + " " + step.second + ": " + why;
      members = std::move(next);
    }
    return "";
  }

  Op Start(const Op& op, Rng& rng) {
    auto members = db_->Members(cluster_);
    // No member answered (all killed, say): nothing can change now.
    if (!members.ok()) return Blocked(op, nullptr, members.status().message());
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
    std::vector<std::string> kinds;
    if (mode_ == "random") {
      if (can_join) kinds.push_back("join");
      if (can_leave) kinds.push_back("leave");
      if (can_join && !members->empty()) kinds.push_back("replace");
      if (kinds.empty()) {
        return CompleteFault(op, nullptr, Status::Error("membership: no change possible (no non-member to join, "
                                                        "and no member can leave)"));
      }
    } else if (mode_ == "join" && !can_join) {
      return CompleteFault(op, nullptr, Status::Error("membership: every node is a member already"));
    } else if (mode_ == "leave" && !can_leave) {
      return CompleteFault(op, nullptr,
                           Status::Error("membership: leaving would go below " + std::to_string(db_->MinMembers()) +
                                         " members (a majority of the replication factor)"));
    } else if (mode_ == "replace" && outside.empty()) {
      return CompleteFault(op, nullptr, Status::Error("membership: replace needs a non-member to join"));
    } else {
      kinds.push_back(mode_);
    }
    // Every change of those kinds (`named` fixes the joiner of a join, the
    // leaver of a leave or replace), then only those that can complete now.
    auto one = [&](const std::vector<std::string>& from) {
      return named.empty() ? from : std::vector<std::string>{named};
    };
    std::map<std::string, std::vector<Steps>> plans;
    for (const auto& kind : kinds) {
      if (kind == "join") {
        for (const auto& j : one(outside)) plans[kind].push_back({{"join", j}});
      } else if (kind == "leave") {
        for (const auto& l : one(*members)) plans[kind].push_back({{"leave", l}});
      } else {
        // A replace dips one below for a moment only when it could not leave:
        // then it joins first.
        for (const auto& l : one(*members)) {
          for (const auto& j : outside) {
            plans[kind].push_back(can_leave ? Steps{{"leave", l}, {"join", j}} : Steps{{"join", j}, {"leave", l}});
          }
        }
      }
    }
    std::unique_ptr<ChangeOutlook> outlook = db_->Outlook(cluster_);
    std::vector<std::string> open_kinds;
    std::string why;
    for (auto& [kind, list] : plans) {
      std::vector<Steps> open;
      for (auto& steps : list) {
        std::string blocker = StepsBlocker(outlook.get(), *members, steps);
        if (blocker.empty()) {
          open.push_back(std::move(steps));
        } else if (why.empty()) {
          why = blocker;
        }
      }
      list = std::move(open);
      if (!list.empty()) open_kinds.push_back(kind);
    }
    if (open_kinds.empty()) {
      return Blocked(op, {{"op", mode_}}, "no change can complete now (" + why + ")");
    }
    // The kind first, then the nodes, so each kind stays as likely as before
    // while it is possible.
    const std::string kind = open_kinds.size() == 1 ? open_kinds.front() : rng.Pick(open_kinds);
    const auto& open = plans[kind];
    const Steps& steps = open.size() == 1 ? open.front() : open[rng.Below(open.size())];
    Change change;
    change.op = kind;
    dirty_ = true;
    Status s = Run(steps, &change);
    for (const auto& [what, node] : change.done) undo_.push_back({what == "join" ? "leave" : "join", node});
    json value = change.Json(Members());
    // Refused before anything was done (the outlook was a moment old: a
    // partition had just begun, say): asked again soon, like a blocked one,
    // up to kMembershipRefusedRetries times in a row.
    if (RetryRefused(s, change)) value["retry-after-s"] = kMembershipRetryAfterS;
    return CompleteFault(op, std::move(value), s.Prefixed("membership"));
  }

  Op Stop(const Op& op) {
    Change undo;
    undo.op = "undo";
    // Reverse order: a replace (leave A, join B) is undone by leave B, join A.
    Steps steps(undo_.rbegin(), undo_.rend());
    if (steps.empty()) {
      // The start did nothing (it failed: a partition or kills left no
      // quorum), but an earlier undo may have failed the same way and
      // left the ring changed: take the steps back towards the initial
      // members that can complete now, so that is retried now rather than
      // only at the final heal.
      undo.op = "restore";
      auto back = TowardsInitial();
      if (!back.ok()) return CompleteFault(op, nullptr, back.status().Prefixed("membership"));
      if (back->empty()) return CompleteFault(op, undo.Json(Members()));
      auto members = db_->Members(cluster_);
      std::unique_ptr<ChangeOutlook> outlook = db_->Outlook(cluster_);
      std::string why;
      if (members.ok()) {
        for (const auto& step : *back) {
          std::string blocker = StepsBlocker(outlook.get(), *members, {step});
          if (!blocker.empty()) {
            why = blocker;
            break;
          }
          steps.push_back(step);
          StepOn(step, &*members);
        }
      }
      if (steps.empty()) {
        return CompleteFault(op, undo.Json(Members()),
                             Status::Error("membership: the ring differs from the initial members, and no step back "
                                           "can complete now (" + (members.ok() ? why : members.status().message()) +
                                           "); the heal takes it back"));
      }
    } else {
      // The undo waits (the schedule asks again) until it can complete:
      // tried now it would fail, or be left half made.
      auto members = db_->Members(cluster_);
      if (!members.ok()) return Blocked(op, {{"op", "undo"}}, "the undo cannot start: " + members.status().message());
      std::unique_ptr<ChangeOutlook> outlook = db_->Outlook(cluster_);
      std::string blocker = StepsBlocker(outlook.get(), *members, steps);
      if (!blocker.empty()) return Blocked(op, {{"op", "undo"}}, "the undo cannot complete now (" + blocker + ")");
    }
    Steps before;
    before.swap(undo_);
    Status s = Run(steps, &undo);
    json value = undo.Json(Members());
    if (undo.op == "undo" && RetryRefused(s, undo)) {
      // Nothing undone (refused at once): kept, and asked again soon.
      undo_ = std::move(before);
      value["retry-after-s"] = kMembershipRetryAfterS;
    }
    return CompleteFault(op, std::move(value), s.Prefixed("membership"));
  }

  // Whether a Run that ended in `s` is to be asked again: it failed before
  // anything was done, and fewer than kMembershipRefusedRetries times in a
  // row (a refusal that does not go away is not retried for ever).
  bool RetryRefused(const Status& s, const Change& change) {
    if (s.ok() || !change.done.empty() || ++refused_in_a_row_ > kMembershipRefusedRetries) {
      refused_in_a_row_ = 0;
      return false;
    }
    return true;
  }

  static void StepOn(const std::pair<std::string, std::string>& step, std::vector<std::string>* members) {
    if (step.first == "join") {
      members->push_back(step.second);
    } else {
      members->erase(std::remove(members->begin(), members->end(), step.second), members->end());
    }
  }

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
  int refused_in_a_row_ = 0;  // see RetryRefused
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
