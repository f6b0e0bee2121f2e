#include "checkers/fault_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "checkers/fault_intervals.h"

namespace faultline {

std::vector<FaultKindSummary> SummarizeFaults(const History& history) {
  std::vector<FaultKindSummary> out;
  std::map<std::string, size_t> at;
  std::map<std::string, std::set<std::string>> nodes;
  auto entry = [&](const std::string& fault) -> FaultKindSummary& {
    auto [it, added] = at.try_emplace(fault, out.size());
    if (added) {
      out.emplace_back();
      out.back().fault = fault;
    }
    return out[it->second];
  };
  for (const FaultInterval& iv : FaultIntervals(history)) {
    FaultKindSummary& s = entry(iv.fault);
    ++s.count;
    s.active_s += static_cast<double>(iv.end - iv.start) / 1e9;
    // A partition hits the nodes it cuts off (all of them hold grudges).
    const json* cut = iv.value.is_object() && iv.value.contains("cut-off") && iv.value["cut-off"].is_array()
                          ? &iv.value["cut-off"]
                          : nullptr;
    if (cut != nullptr) {
      for (const auto& n : *cut) {
        if (n.is_string()) nodes[iv.fault].insert(n.get<std::string>());
      }
    } else {
      for (const auto& n : iv.nodes) nodes[iv.fault].insert(n);
    }
    std::string spec;
    for (const char* k : {"targets", "kind"}) {
      if (iv.value.is_object() && iv.value.contains(k) && iv.value[k].is_string()) {
        spec = iv.value[k].get<std::string>();
        break;
      }
    }
    if (!spec.empty() && std::find(s.targets.begin(), s.targets.end(), spec) == s.targets.end()) {
      s.targets.push_back(spec);
    }
  }
  // Waits: a scheduled op's invocation says how long it waited.
  for (const NemesisOp& nop : PairNemesisOps(history)) {
    const Op& op = *nop.invoke;
    if (!op.extra.is_object() || !op.extra.contains("schedule")) continue;
    const json& sch = op.extra["schedule"];
    if (!sch.is_object() || !sch.contains("waited-s") || !sch["waited-s"].is_number()) continue;
    std::string fault = op.f.substr(op.f.find('-') == std::string::npos ? 0 : op.f.find('-') + 1);
    if (!at.count(fault)) continue;
    FaultKindSummary& s = out[at[fault]];
    ++s.waited;
    s.waited_max_s = std::max(s.waited_max_s, sch["waited-s"].get<double>());
  }
  for (auto& s : out) s.nodes.assign(nodes[s.fault].begin(), nodes[s.fault].end());
  return out;
}

json FaultSummaryJson(const std::vector<FaultKindSummary>& summary) {
  json out = json::array();
  for (const auto& s : summary) {
    out.push_back({{"fault", s.fault},
                   {"count", s.count},
                   {"active_s", std::round(s.active_s * 1000) / 1000},
                   {"nodes", s.nodes},
                   {"targets", s.targets},
                   {"waited", s.waited},
                   {"waited_max_s", std::round(s.waited_max_s * 1000) / 1000}});
  }
  return out;
}

std::string FaultSummaryLine(const FaultKindSummary& s) {
  auto joined = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
    return out;
  };
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lld %s, %.1f s active", static_cast<long long>(s.count),
                s.count == 1 ? "time" : "times", s.active_s);
  std::string line = "fault " + s.fault + ": " + buf;
  line += ", nodes " + (s.nodes.empty() ? std::string("none recorded") : joined(s.nodes));
  if (!s.targets.empty()) line += " (targets " + joined(s.targets) + ")";
  if (s.waited > 0) {
    std::snprintf(buf, sizeof buf, "; %lld %s up to %.1f s for the previous fault op",
                  static_cast<long long>(s.waited), s.waited == 1 ? "step waited" : "steps waited",
                  s.waited_max_s);
    line += buf;
  }
  return line;
}

std::string FaultSummaryShort(const std::vector<FaultKindSummary>& summary) {
  std::string out;
  for (const auto& s : summary) {
    out += (out.empty() ? "faults: " : ", ") + s.fault + " " + std::to_string(s.count) + "x";
  }
  return out;
}

}  // namespace faultline
