#include "checkers/fault_intervals.h"

#include <algorithm>
#include <map>
#include <optional>

namespace faultline {
namespace {

constexpr std::string_view kStart = "start-";
constexpr std::string_view kStop = "stop-";

bool IsHealAll(const std::string& f) { return f == "heal" || f == "heal-all"; }

}  // namespace

// Groups nemesis records into operations. The nemesis is one sequential
// process, so a record completes the open op when their f match.
std::vector<NemesisOp> PairNemesisOps(const History& history) {
  std::vector<const Op*> recs;
  for (const Op& op : history) {
    if (op.is_nemesis()) recs.push_back(&op);
  }
  std::vector<NemesisOp> out;
  const Op* open = nullptr;
  for (size_t i = 0; i < recs.size(); ++i) {
    const Op* r = recs[i];
    if (open != nullptr && open->f == r->f && !r->is_invoke()) {
      out.push_back({open, r});
      open = nullptr;
      continue;
    }
    if (open != nullptr) {  // never completed; keep it as a lone record
      out.push_back({open, open});
      open = nullptr;
    }
    bool next_completes = i + 1 < recs.size() && recs[i + 1]->f == r->f &&
                          !recs[i + 1]->is_invoke();
    if (r->is_invoke() || next_completes) {
      open = r;
    } else {
      out.push_back({r, r});
    }
  }
  if (open != nullptr) out.push_back({open, open});
  return out;
}

namespace {

std::vector<std::string> NodesOf(const json& value) {
  std::vector<std::string> nodes;
  if (!value.is_object()) return nodes;
  // A membership change names the nodes it touched as "left" and "joined"
  // (histories written before its value also listed them as "nodes").
  const bool named = value.contains("nodes") && value["nodes"].is_array();
  for (const char* key : {"nodes", "left", "joined"}) {
    if (named && std::string(key) != "nodes") break;
    if (!value.contains(key) || !value[key].is_array()) continue;
    for (const json& n : value[key]) {
      if (n.is_string() && std::find(nodes.begin(), nodes.end(), n.get<std::string>()) == nodes.end()) {
        nodes.push_back(n.get<std::string>());
      }
    }
  }
  return nodes;
}

}  // namespace

std::vector<FaultInterval> FaultIntervals(const History& history) {
  int64_t history_end = 0;
  for (const Op& op : history) history_end = std::max(history_end, op.time);

  std::vector<FaultInterval> done;
  std::map<std::string, FaultInterval> open;  // fault name -> open interval
  for (const NemesisOp& nop : PairNemesisOps(history)) {
    const std::string& f = nop.invoke->f;
    const json& outcome = nop.completion->value;
    if (outcome.is_object() && outcome.contains("blocked")) continue;  // did nothing: a retry follows
    if (f.starts_with(kStart)) {
      std::string fault = f.substr(kStart.size());
      if (auto it = open.find(fault); it != open.end()) {
        // Already active: the first start stays its start; a retry that
        // changed what the first could not (a membership change refused,
        // then made) adds the nodes it touched.
        const json& v = nop.completion->value.is_null() ? nop.invoke->value : nop.completion->value;
        for (auto& n : NodesOf(v)) {
          if (std::find(it->second.nodes.begin(), it->second.nodes.end(), n) == it->second.nodes.end()) {
            it->second.nodes.push_back(n);
          }
        }
        continue;
      }
      FaultInterval iv;
      iv.fault = fault;
      iv.start = nop.invoke->time;
      iv.value = nop.completion->value.is_null() ? nop.invoke->value : nop.completion->value;
      iv.nodes = NodesOf(iv.value);
      open[fault] = std::move(iv);
    } else if (f.starts_with(kStop)) {
      auto it = open.find(f.substr(kStop.size()));
      if (it == open.end()) continue;  // stop without start: nothing was active
      it->second.end = nop.completion->time;
      it->second.healed = true;
      done.push_back(std::move(it->second));
      open.erase(it);
    } else if (IsHealAll(f)) {
      for (auto& [name, iv] : open) {
        iv.end = nop.completion->time;
        iv.healed = true;
        done.push_back(std::move(iv));
      }
      open.clear();
    }
  }
  for (auto& [name, iv] : open) {
    iv.end = history_end;
    iv.healed = false;
    done.push_back(std::move(iv));
  }
  std::stable_sort(done.begin(), done.end(),
                   [](const FaultInterval& a, const FaultInterval& b) { return a.start < b.start; });
  return done;
}

bool Overlaps(const FaultInterval& interval, int64_t from, int64_t to, const std::string& node) {
  if (to < interval.start || from > interval.end) return false;
  if (node.empty() || interval.nodes.empty()) return true;
  return std::find(interval.nodes.begin(), interval.nodes.end(), node) != interval.nodes.end();
}

}  // namespace faultline
