#include "harness/run/schedule_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "harness/core/bounded_json.h"
#include "harness/core/split_commas.h"
#include "nemesis/grudge.h"
#include "nemesis/node_selection.h"

namespace faultline {
namespace {

std::string Path(size_t i, const std::string& key = "") {
  return "$[" + std::to_string(i) + "]" + (key.empty() ? "" : "." + key);
}

std::string Joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A non-negative, finite number of seconds.
Status Seconds(const json& v, const std::string& path, double* out) {
  if (!v.is_number()) return Status::Error(path + ": must be a number of seconds, got " + v.dump());
  double d = v.get<double>();
  if (!std::isfinite(d) || d < 0) return Status::Error(path + ": must be >= 0 seconds, got " + v.dump());
  *out = d;
  return Status::Ok();
}

Status ParseStep(const json& s, size_t i, const std::set<std::string>& known, double prev_at,
                 ScheduleStep* step) {
  if (!s.is_object()) return Status::Error(Path(i) + ": a step must be an object, got " + s.dump());
  static const std::set<std::string> kKeys = {"at",      "after",  "start", "stop",   "partition",
                                              "targets", "on",     "value", "repeat", "every"};
  for (auto it = s.begin(); it != s.end(); ++it) {
    if (!kKeys.count(it.key())) {
      return Status::Error(Path(i, it.key()) + ": unknown key (known: " + Joined(kKeys) + ")");
    }
  }
  // When.
  if (s.contains("at") == s.contains("after")) {
    return Status::Error(Path(i) + ": needs exactly one of \"at\" (seconds from the start) or \"after\" "
                                   "(seconds after the previous step)");
  }
  double t = 0;
  if (s.contains("at")) {
    if (Status st = Seconds(s["at"], Path(i, "at"), &t); !st.ok()) return st;
    step->at_s = t;
  } else {
    if (Status st = Seconds(s["after"], Path(i, "after"), &t); !st.ok()) return st;
    step->at_s = prev_at + t;
  }
  // What.
  if (s.contains("start") == s.contains("stop")) {
    return Status::Error(Path(i) + ": needs exactly one of \"start\" or \"stop\" (a fault kind)");
  }
  const char* action = s.contains("start") ? "start" : "stop";
  step->start = s.contains("start");
  const json& kind = s[action];
  if (!kind.is_string()) return Status::Error(Path(i, action) + ": must be a fault kind, got " + kind.dump());
  step->fault = kind.get<std::string>();
  if (!known.count(step->fault) && !(step->fault == "all" && !step->start)) {
    return Status::Error(Path(i, action) + ": unknown fault \"" + step->fault + "\" (known: " + Joined(known) +
                         (step->start ? "" : ", all") + ")");
  }
  // Options: only on a start (a stop undoes what its start did).
  json value = json::object();
  for (const char* key : {"partition", "targets", "on", "value"}) {
    if (s.contains(key) && !step->start) {
      return Status::Error(Path(i, key) + ": options belong to a start step (a stop undoes its start)");
    }
  }
  if (s.contains("value")) {
    if (!s["value"].is_object()) return Status::Error(Path(i, "value") + ": must be an object");
    value = s["value"];
  }
  if (s.contains("partition")) {
    if (step->fault != "partition") {
      return Status::Error(Path(i, "partition") + ": only for \"start\": \"partition\"");
    }
    const json& p = s["partition"];
    std::vector<std::string> kinds = GrudgeKinds();
    kinds.push_back("leader");
    kinds.push_back("primaries");
    if (!p.is_string() || std::find(kinds.begin(), kinds.end(), p.get<std::string>()) == kinds.end()) {
      std::string known_kinds;
      for (const auto& k : kinds) known_kinds += (known_kinds.empty() ? "" : ", ") + k;
      return Status::Error(Path(i, "partition") + ": unknown partition kind " + p.dump() + " (known: " +
                           known_kinds + ")");
    }
    value["kind"] = p;
  }
  if (s.contains("targets")) {
    if (step->fault == "partition") {
      return Status::Error(Path(i, "targets") + ": a partition takes \"partition\" (its kind), not targets");
    }
    const json& tg = s["targets"];
    if (!tg.is_string()) return Status::Error(Path(i, "targets") + ": must be a string, got " + tg.dump());
    auto specs = ParseTargetSpecs(tg.get<std::string>());
    if (!specs.ok() || tg.get<std::string>().empty()) {
      return Status::Error(Path(i, "targets") + ": " +
                           (specs.ok() ? std::string("must not be empty") : specs.status().message()));
    }
    value["targets"] = tg;
  }
  if (s.contains("on")) {
    if (step->fault == "partition") {
      return Status::Error(Path(i, "on") + ": a partition takes \"partition\" (its kind), not nodes");
    }
    if (s.contains("targets")) return Status::Error(Path(i, "on") + ": give \"on\" or \"targets\", not both");
    const json& on = s["on"];
    std::vector<std::string> nodes;
    if (on.is_string()) {
      nodes = SplitCommas(on.get<std::string>());
    } else if (on.is_array()) {
      for (size_t k = 0; k < on.size(); ++k) {
        if (!on[k].is_string()) {
          return Status::Error(Path(i, "on") + "[" + std::to_string(k) + "]: must be a node name");
        }
        nodes.push_back(on[k].get<std::string>());
      }
    } else {
      return Status::Error(Path(i, "on") + ": must be a list of node names");
    }
    if (nodes.empty()) return Status::Error(Path(i, "on") + ": names no node");
    value["nodes"] = nodes;
  }
  step->value = value.empty() ? json(nullptr) : value;
  // How often.
  if (s.contains("repeat")) {
    const json& r = s["repeat"];
    if (!r.is_number_integer() || r.get<int64_t>() < 1 || r.get<int64_t>() > 100000) {
      return Status::Error(Path(i, "repeat") + ": must be an integer from 1 to 100000, got " + r.dump());
    }
    step->repeat = r.get<int64_t>();
  }
  if (s.contains("every")) {
    if (Status st = Seconds(s["every"], Path(i, "every"), &step->every_s); !st.ok()) return st;
    if (!(step->every_s > 0)) return Status::Error(Path(i, "every") + ": must be > 0 seconds");
  }
  if (step->repeat > 1 && !s.contains("every")) {
    return Status::Error(Path(i, "repeat") + ": needs \"every\" (seconds between the repeats)");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<ScheduleStep>> ParseSchedule(const json& steps, const std::set<std::string>& known,
                                                double time_limit_s) {
  if (!steps.is_array()) return Status::Error("$: a schedule must be a list of steps, got " +
                                              std::string(steps.type_name()));
  if (steps.empty()) return Status::Error("$: the schedule has no steps");
  std::vector<ScheduleStep> out;
  double prev_at = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    ScheduleStep step;
    Status st = ParseStep(steps[i], i, known, prev_at, &step);
    if (!st.ok()) return st;
    if (time_limit_s > 0 && step.at_s >= time_limit_s) {
      char buf[160];
      std::snprintf(buf, sizeof buf, ": runs at %.3g s, at or after the end of the main phase (%.3g s)",
                    step.at_s, time_limit_s);
      return Status::Error(Path(i) + buf);
    }
    prev_at = step.at_s;
    out.push_back(std::move(step));
  }
  return out;
}

Result<std::vector<ScheduleStep>> LoadScheduleFile(const std::string& path, const std::set<std::string>& known,
                                                   double time_limit_s) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    return Status::Error(path + ": not a regular file (the flag takes overlap, alternate or a FILE)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot read the schedule file (the flag takes overlap, alternate or a FILE)");
  std::string text(kMaxScheduleBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  auto parsed = ParseBoundedJson(text, JsonLimits{kMaxNesting, kMaxScheduleBytes});
  if (!parsed.ok()) return Status::Error(path + ": $: not valid JSON: " + parsed.status().message());
  auto steps = ParseSchedule(*parsed, known, time_limit_s);
  if (!steps.ok()) return steps.status().Prefixed(path);
  return steps;
}

std::vector<ScheduledOp> ExpandSchedule(const std::vector<ScheduleStep>& steps) {
  std::vector<ScheduledOp> out;
  for (size_t i = 0; i < steps.size(); ++i) {
    const ScheduleStep& s = steps[i];
    for (int64_t r = 0; r < s.repeat; ++r) {
      out.push_back(ScheduledOp{s.at_s + static_cast<double>(r) * s.every_s, i, s.start, s.fault, s.value});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ScheduledOp& a, const ScheduledOp& b) {
    return a.at_s < b.at_s || (a.at_s == b.at_s && a.step < b.step);
  });
  return out;
}

std::set<std::string> ScheduleFaults(const std::vector<ScheduleStep>& steps) {
  std::set<std::string> out;
  for (const auto& s : steps) {
    if (s.fault != "all") out.insert(s.fault);
  }
  return out;
}

}  // namespace faultline
