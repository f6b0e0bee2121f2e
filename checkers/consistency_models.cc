#include "checkers/consistency_models.h"

#include <algorithm>

namespace faultline {
namespace {

std::set<std::string> With(std::set<std::string> base, std::initializer_list<const char*> more) {
  for (const char* m : more) base.insert(m);
  return base;
}

// Cycle kinds as -process / -realtime variants.
std::set<std::string> Variant(const std::set<std::string>& cycles, const std::string& suffix) {
  std::set<std::string> out;
  for (const auto& c : cycles) out.insert(c + suffix);
  return out;
}

std::set<std::string> Union(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

std::vector<ConsistencyModel> BuildModels() {
  // Garbage no model allows: the store's values are not lists (or
  // registers), or hold what no write produced.
  const std::set<std::string> garbage = {"internal", "duplicate-elements", "incompatible-order", "garbage-read"};
  const std::set<std::string> ru = With(garbage, {"G0"});
  // A dirty update is forbidden wherever G1a is (Elle: dirty-update implies
  // G1a): a committed write built on aborted state.
  const std::set<std::string> rc = With(ru, {"G1a", "G1b", "G1c", "dirty-update"});
  const std::set<std::string> si_cycles = {"G0", "G1c", "G-single", "G-nonadjacent"};
  const std::set<std::string> ser_cycles = {"G0", "G1c", "G-single", "G-nonadjacent", "G2-item"};
  const std::set<std::string> si = Union(rc, si_cycles);
  // Adya's PL-2.99 forbids item anti-dependency cycles (G2-item, which Elle's
  // narrower G-single and G-nonadjacent are cases of): for item histories it
  // equals serializable. Every set here is closed downwards in both the data
  // and the order dimension, which txn_graph.h's skipping relies on.
  const std::set<std::string> rr = Union(rc, ser_cycles);
  const std::set<std::string> ser = Union(rc, ser_cycles);
  std::vector<ConsistencyModel> m;
  m.push_back({"read-uncommitted", ru});
  m.push_back({"read-committed", rc});
  m.push_back({"repeatable-read", rr});
  m.push_back({"snapshot-isolation", si});
  m.push_back({"serializable", ser});
  m.push_back({"strong-session-snapshot-isolation", Union(si, Variant(si_cycles, "-process")), true});
  m.push_back({"strong-snapshot-isolation",
               Union(Union(si, Variant(si_cycles, "-process")), Variant(si_cycles, "-realtime")), true, true});
  m.push_back({"strong-session-serializable", Union(ser, Variant(ser_cycles, "-process")), true});
  m.push_back({"strict-serializable",
               Union(Union(ser, Variant(ser_cycles, "-process")), Variant(ser_cycles, "-realtime")), true, true});
  return m;
}

bool Violates(const ConsistencyModel& m, const std::set<std::string>& found) {
  for (const auto& a : found) {
    if (m.forbids.count(a)) return true;
  }
  return false;
}

bool StrictlyStronger(const ConsistencyModel& a, const ConsistencyModel& b) {
  return a.forbids.size() > b.forbids.size() &&
         std::includes(a.forbids.begin(), a.forbids.end(), b.forbids.begin(), b.forbids.end());
}

}  // namespace

const std::vector<ConsistencyModel>& AllConsistencyModels() {
  static const std::vector<ConsistencyModel> models = BuildModels();
  return models;
}

std::string ConsistencyModelNames() {
  std::string out;
  for (const auto& m : AllConsistencyModels()) out += (out.empty() ? "" : ", ") + m.name;
  return out;
}

Result<std::vector<const ConsistencyModel*>> ParseConsistencyModels(const std::string& csv) {
  std::vector<const ConsistencyModel*> out;
  size_t pos = 0;
  while (pos <= csv.size()) {
    size_t comma = csv.find(',', pos);
    if (comma == std::string::npos) comma = csv.size();
    std::string word = csv.substr(pos, comma - pos);
    pos = comma + 1;
    if (word.empty()) continue;
    if (word == "strong-serializable") word = "strict-serializable";
    if (word == "session-serializable") word = "strong-session-serializable";
    const ConsistencyModel* found = nullptr;
    for (const auto& m : AllConsistencyModels()) {
      if (m.name == word) found = &m;
    }
    if (!found) return Status::Error("unknown consistency model \"" + word + "\" (known: " + ConsistencyModelNames() + ")");
    if (std::find(out.begin(), out.end(), found) == out.end()) out.push_back(found);
  }
  if (out.empty()) return Status::Error("no consistency model given (known: " + ConsistencyModelNames() + ")");
  return out;
}

ModelVerdict JudgeModels(const std::set<std::string>& found, const std::vector<const ConsistencyModel*>& requested,
                         bool checked_process, bool checked_realtime) {
  ModelVerdict v;
  for (const ConsistencyModel* m : requested) {
    if (Violates(*m, found)) v.violated.push_back(m->name);
  }
  const auto& all = AllConsistencyModels();
  for (const auto& m : all) {
    if (!Violates(m, found)) continue;
    bool weaker_violated = false;
    for (const auto& o : all) weaker_violated |= StrictlyStronger(m, o) && Violates(o, found);
    if (!weaker_violated) v.weakest_violated.push_back(m.name);
  }
  auto checkable = [&](const ConsistencyModel& m) {
    return (!m.needs_process || checked_process) && (!m.needs_realtime || checked_realtime);
  };
  for (const auto& m : all) {
    if (!checkable(m) || Violates(m, found)) continue;
    bool stronger_ok = false;
    for (const auto& o : all) stronger_ok |= checkable(o) && StrictlyStronger(o, m) && !Violates(o, found);
    if (!stronger_ok) v.strongest_satisfied.push_back(m.name);
  }
  return v;
}

}  // namespace faultline
