#include "checkers/consistency_models.h"

#include <algorithm>
#include <functional>
#include <map>
#include <utility>

namespace faultline {
namespace {

using Graph = std::map<std::string, std::vector<std::string>>;

// The facts of Elle's lattice (elle/consistency_model.clj), restricted to
// transactional models. Models: each to the weaker models it implies.
const Graph& ModelGraph() {
  static const Graph g = {
      {"causal-cerone", {"read-atomic"}},
      {"consistent-view", {"cursor-stability", "monotonic-view"}},
      {"cursor-stability", {"read-committed"}},
      {"forward-consistent-view", {"consistent-view"}},
      {"read-committed", {"read-uncommitted"}},
      {"serializable", {"repeatable-read", "update-serializable", "snapshot-isolation"}},
      {"update-serializable", {"forward-consistent-view"}},
      {"monotonic-atomic-view", {"read-committed"}},
      {"monotonic-view", {"read-committed"}},
      {"monotonic-snapshot-read", {"read-committed"}},
      {"parallel-snapshot-isolation", {"causal-cerone", "update-atomic"}},
      {"prefix", {"causal-cerone"}},
      {"read-atomic", {"monotonic-atomic-view"}},
      {"repeatable-read", {"cursor-stability", "monotonic-atomic-view"}},
      {"update-atomic", {"read-atomic"}},
      {"snapshot-isolation",
       {"forward-consistent-view", "monotonic-atomic-view", "monotonic-snapshot-read", "parallel-snapshot-isolation",
        "prefix"}},
      {"strict-serializable",
       {"serializable", "snapshot-isolation", "strong-snapshot-isolation", "strong-session-serializable"}},
      {"strong-session-read-uncommitted", {"read-uncommitted"}},
      {"strong-session-read-committed", {"read-committed", "strong-session-read-uncommitted"}},
      {"strong-read-uncommitted", {"strong-session-read-uncommitted"}},
      {"strong-read-committed", {"strong-session-read-committed", "strong-read-uncommitted"}},
      {"strong-session-serializable", {"serializable", "strong-session-snapshot-isolation"}},
      {"strong-session-snapshot-isolation", {"snapshot-isolation", "strong-session-read-committed"}},
      {"strong-snapshot-isolation", {"strong-session-snapshot-isolation", "strong-read-committed"}},
      {"read-uncommitted", {}},
  };
  return g;
}

// Models: the anomalies each directly proscribes (Elle's
// direct-proscribed-anomalies; names faultline cannot detect, such as
// G-cursor or G-update, are kept so the closure is Elle's). garbage-read is
// faultline's addition (see the header).
const Graph& DirectlyProscribed() {
  static const Graph g = {
      {"causal-cerone", {"internal", "G1a"}},
      {"cursor-stability", {"G1", "G-cursor", "lost-update"}},
      {"monotonic-view", {"G1", "G-monotonic"}},
      {"monotonic-snapshot-read", {"G1", "G-MSR"}},
      {"consistent-view", {"G1", "G-single"}},
      {"forward-consistent-view", {"G1", "G-SIb"}},
      {"parallel-snapshot-isolation", {"internal", "G1a"}},
      {"serializable", {"G1", "G2", "internal"}},
      {"read-committed", {"G1"}},
      {"read-uncommitted", {"G0", "duplicate-elements", "cyclic-versions", "garbage-read"}},
      {"prefix", {"internal", "G1a"}},
      {"snapshot-isolation", {"internal", "G1", "G-SI", "G-nonadjacent"}},
      {"read-atomic", {"internal", "G1a", "future-read"}},
      {"repeatable-read", {"G1", "G2-item", "lost-update"}},
      {"update-atomic", {"lost-update"}},
      {"strict-serializable", {"G1", "G1c-realtime", "G2-realtime"}},
      {"strong-session-read-uncommitted", {"G0-process"}},
      {"strong-session-read-committed", {"G1c-process"}},
      {"strong-read-uncommitted", {"G0-realtime"}},
      {"strong-read-committed", {"G1c-realtime"}},
      {"strong-session-snapshot-isolation", {"internal", "G1-process", "G-nonadjacent-process"}},
      {"strong-snapshot-isolation", {"internal", "G1-realtime", "G-nonadjacent-realtime"}},
      {"strong-session-serializable", {"G1-process", "G2-process"}},
      {"update-serializable", {"G1", "G-update"}},
  };
  return g;
}

// Anomalies: each to the anomalies it implies (Elle's implied-anomalies).
const Graph& AnomalyGraph() {
  static const Graph g = {
      {"G0", {"G1c", "G0-process"}},
      {"G0-process", {"G1c-process", "G0-realtime"}},
      {"G0-realtime", {"G1c-realtime"}},
      {"G1a", {"G1"}},
      {"G1b", {"G1"}},
      {"G1c", {"G1", "G1c-process"}},
      {"G1c-process", {"G1c-realtime", "G1-process"}},
      {"G1c-realtime", {"G1-realtime"}},
      {"G1", {"G1-process"}},
      {"G1-process", {"G1-realtime"}},
      {"G-single-item", {"G-single", "G-single-item-process", "G-nonadjacent-item"}},
      {"G-single-item-process", {"G-single-process", "G-single-item-realtime", "G-nonadjacent-item-process"}},
      {"G-single-item-realtime", {"G-single-realtime", "G-nonadjacent-item-realtime"}},
      {"G-single", {"G-nonadjacent", "GSIb", "G-single-process"}},
      {"G-single-process", {"G-nonadjacent-process", "G-single-realtime"}},
      {"G-single-realtime", {"G-nonadjacent-realtime"}},
      {"G-nonadjacent-item", {"G-nonadjacent", "G2-item", "G-nonadjacent-item-process"}},
      {"G-nonadjacent-item-process",
       {"G-nonadjacent-process", "G2-item-process", "G-nonadjacent-item-realtime"}},
      {"G-nonadjacent-item-realtime", {"G2-item-realtime", "G-nonadjacent-realtime"}},
      {"G-nonadjacent", {"G2", "G-nonadjacent-process"}},
      {"G-nonadjacent-process", {"G2-process", "G-nonadjacent-realtime"}},
      {"G-nonadjacent-realtime", {"G2-realtime"}},
      {"G2", {"G2-process"}},
      {"G2-item", {"G2", "G2-item-process"}},
      {"G2-item-process", {"G2-process", "G2-item-realtime"}},
      {"G2-item-realtime", {"G2-realtime"}},
      {"G2-process", {"G2-realtime"}},
      {"GSIa", {"GSI"}},
      {"GSIb", {"GSI"}},
      {"incompatible-order", {"G1a"}},
      {"future-read", {"G1c"}},
      {"dirty-update", {"G1a"}},
      {"lost-update", {"write-skew", "G2-item"}},
      {"write-skew", {"G2"}},
  };
  return g;
}

// The name Elle's lattice knows a found cycle kind by: faultline's cycles
// are over items, so G-single(-x) is G-single-item(-x), likewise
// G-nonadjacent.
std::string LatticeName(const std::string& kind) {
  for (const char* base : {"G-single", "G-nonadjacent"}) {
    std::string b = base;
    if (kind.compare(0, b.size(), b) != 0) continue;
    std::string rest = kind.substr(b.size());
    if (rest.empty() || rest == "-process" || rest == "-realtime") return b + "-item" + rest;
  }
  return kind;
}

std::set<std::string> Reach(const Graph& g, const std::string& from) {
  std::set<std::string> seen = {from};
  std::vector<std::string> todo = {from};
  while (!todo.empty()) {
    std::string x = todo.back();
    todo.pop_back();
    auto it = g.find(x);
    if (it == g.end()) continue;
    for (const auto& y : it->second) {
      if (seen.insert(y).second) todo.push_back(y);
    }
  }
  return seen;
}

const std::map<std::string, std::string>& Aliases() {
  static const std::map<std::string, std::string> a = {
      {"strong-serializable", "strict-serializable"},
      {"session-serializable", "strong-session-serializable"},
      {"conflict-serializable", "serializable"},
      {"PL-1", "read-uncommitted"},
      {"PL-2", "read-committed"},
      {"PL-2.99", "repeatable-read"},
      {"PL-3", "serializable"},
      {"PL-SI", "snapshot-isolation"},
      {"PL-SS", "strict-serializable"},
      {"PL-CS", "cursor-stability"},
      {"PL-2+", "consistent-view"},
      {"PL-FCV", "forward-consistent-view"},
      {"PL-MSR", "monotonic-snapshot-read"},
      {"PL-2L", "monotonic-view"},
      {"PL-3U", "update-serializable"},
      {"strong-session-PL-1", "strong-session-read-uncommitted"},
      {"strong-session-PL-2", "strong-session-read-committed"},
      {"strong-PL-1", "strong-read-uncommitted"},
      {"strong-PL-2", "strong-read-committed"},
  };
  return a;
}

bool EndsWith(const std::string& s, const char* suffix) {
  std::string x = suffix;
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

std::vector<ConsistencyModel> BuildModels() {
  // Every anomaly that can occur here, to invert "implies": an anomaly is
  // forbidden when it implies a directly proscribed one.
  std::set<std::string> anomalies;
  for (const auto& [a, to] : AnomalyGraph()) {
    anomalies.insert(a);
    anomalies.insert(to.begin(), to.end());
  }
  for (const auto& [m, to] : DirectlyProscribed()) anomalies.insert(to.begin(), to.end());
  std::map<std::string, std::set<std::string>> implied;
  for (const auto& a : anomalies) implied[a] = Reach(AnomalyGraph(), a);

  std::vector<ConsistencyModel> out;
  for (const auto& [name, unused] : ModelGraph()) {
    ConsistencyModel m;
    m.name = name;
    std::set<std::string> direct;
    for (const auto& weaker : Reach(ModelGraph(), name)) {
      if (weaker != name) m.implies.push_back(weaker);
      auto it = DirectlyProscribed().find(weaker);
      if (it != DirectlyProscribed().end()) direct.insert(it->second.begin(), it->second.end());
    }
    for (const auto& a : anomalies) {
      for (const auto& b : implied[a]) {
        if (direct.count(b)) {
          m.forbids.insert(a);
          break;
        }
      }
    }
    for (const auto& a : m.forbids) {
      m.needs_process |= EndsWith(a, "-process");
      m.needs_realtime |= EndsWith(a, "-realtime");
    }
    if (!m.forbids.empty()) out.push_back(std::move(m));
  }
  // Weakest first: by the number of models implied, then by name (stable
  // and a topological order, since a model implies strictly more than any
  // model it implies).
  std::sort(out.begin(), out.end(), [](const ConsistencyModel& a, const ConsistencyModel& b) {
    return std::make_pair(a.implies.size(), a.name) < std::make_pair(b.implies.size(), b.name);
  });
  return out;
}

bool Violates(const ConsistencyModel& m, const std::set<std::string>& found) {
  for (const auto& a : found) {
    if (m.forbids.count(LatticeName(a))) return true;
  }
  return false;
}

bool Implies(const ConsistencyModel& a, const ConsistencyModel& b) {
  return std::find(a.implies.begin(), a.implies.end(), b.name) != a.implies.end();
}

}  // namespace

const std::vector<ConsistencyModel>& AllConsistencyModels() {
  static const std::vector<ConsistencyModel> models = BuildModels();
  return models;
}

std::set<std::string> ImpliedAnomalies(const std::string& anomaly) {
  std::set<std::string> out = Reach(AnomalyGraph(), LatticeName(anomaly));
  out.insert(anomaly);
  return out;
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
    if (auto alias = Aliases().find(word); alias != Aliases().end()) word = alias->second;
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
    for (const auto& o : all) weaker_violated |= Implies(m, o) && Violates(o, found);
    if (!weaker_violated) v.weakest_violated.push_back(m.name);
  }
  auto checkable = [&](const ConsistencyModel& m) {
    return (!m.needs_process || checked_process) && (!m.needs_realtime || checked_realtime);
  };
  for (const auto& m : all) {
    if (!checkable(m) || Violates(m, found)) continue;
    bool stronger_ok = false;
    for (const auto& o : all) stronger_ok |= checkable(o) && Implies(o, m) && !Violates(o, found);
    if (!stronger_ok) v.strongest_satisfied.push_back(m.name);
  }
  return v;
}

}  // namespace faultline
