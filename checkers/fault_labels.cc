#include "checkers/fault_labels.h"

#include <cmath>
#include <cstdio>

namespace faultline {
namespace {

constexpr int kDriftSteps = 20;

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> Strings(const json& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const json& s : v) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

// "+4.2 s" / "-850 ms".
std::string Offset(double ms) {
  char buf[48];
  if (std::fabs(ms) >= 1000) {
    std::snprintf(buf, sizeof buf, "%+.1f s", ms / 1000.0);
  } else {
    std::snprintf(buf, sizeof buf, "%+.0f ms", ms);
  }
  return buf;
}

std::string ClockLabel(const json& v) {
  std::string kind = v.value("kind", std::string("clock"));
  std::string out = "clock " + kind + ":";
  if (v.contains("offsets-ms") && v["offsets-ms"].is_object()) {
    bool any = false;
    for (const auto& [node, ms] : v["offsets-ms"].items()) {
      if (!ms.is_number()) continue;
      out += std::string(any ? ", " : " ") + node + " " + Offset(ms.get<double>());
      any = true;
    }
    if (kind == "strobe" && v.contains("period-ms") && v["period-ms"].is_number()) {
      out += " every " + std::to_string(v["period-ms"].get<int64_t>()) + " ms";
    }
    if (any) return out;
  }
  if (v.contains("rates") && v["rates"].is_object()) {
    bool any = false;
    for (const auto& [node, rate] : v["rates"].items()) {
      if (!rate.is_number()) continue;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s %s %+.2f ms/s", any ? "," : "", node.c_str(), rate.get<double>() * 1000);
      out += buf;
      any = true;
    }
    if (any) return out;
  }
  return "";
}

}  // namespace

std::string DescribeFault(const FaultInterval& iv) {
  const json& v = iv.value;
  if (v.is_object()) {
    if (iv.fault == "partition" && v.contains("cut-off")) {
      std::vector<std::string> cut = Strings(v["cut-off"]);
      std::string kind = v.contains("kind") && v["kind"].is_string() ? " (" + v["kind"].get<std::string>() + ")" : "";
      if (!cut.empty()) return "partition" + kind + ": " + Join(cut) + " cut off";
      return "partition" + kind + ": " + (iv.nodes.empty() ? "no node cut off" : Join(iv.nodes) + " affected");
    }
    if (iv.fault == "clock") {
      std::string label = ClockLabel(v);
      if (!label.empty()) return label;
    }
  }
  if (iv.nodes.empty()) return iv.fault;
  return iv.fault + ": " + Join(iv.nodes);
}

std::map<std::string, std::vector<ClockPoint>> ClockOffsets(const std::vector<FaultInterval>& faults) {
  std::map<std::string, std::vector<ClockPoint>> out;
  for (const FaultInterval& iv : faults) {
    if (iv.fault != "clock" || !iv.value.is_object()) continue;
    double t0 = static_cast<double>(iv.start) / 1e9, t1 = static_cast<double>(iv.end) / 1e9;
    const json& v = iv.value;
    if (v.contains("offsets-ms") && v["offsets-ms"].is_object()) {
      for (const auto& [node, ms] : v["offsets-ms"].items()) {
        if (!ms.is_number()) continue;
        out[node].push_back({t0, ms.get<double>()});
        out[node].push_back({t1, 0});
      }
    } else if (v.contains("rates") && v["rates"].is_object()) {
      for (const auto& [node, rate] : v["rates"].items()) {
        if (!rate.is_number()) continue;
        for (int i = 0; i <= kDriftSteps; ++i) {
          double t = t0 + (t1 - t0) * i / kDriftSteps;
          out[node].push_back({t, rate.get<double>() * (t - t0) * 1000.0});
        }
        out[node].push_back({t1, 0});
      }
    }
  }
  return out;
}

}  // namespace faultline
