#include "harness/run/campaign_spec.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "harness/core/bounded_json.h"
#include "harness/run/test_spec.h"

namespace faultline {

using json = nlohmann::json;

namespace {

const std::set<std::string> kTopKeys = {"name", "defaults", "matrix", "seeds", "expect"};

// `over` laid over `base`: objects merged key by key, anything else replaced.
json Overlay(json base, const json& over) {
  for (const auto& [k, v] : over.items()) {
    if (v.is_object() && base.contains(k) && base[k].is_object()) {
      base[k] = Overlay(base[k], v);
    } else {
      base[k] = v;
    }
  }
  return base;
}

// True when every key of `match` is in `spec` with an equal value (objects
// compared key by key, a string matching a list that holds it).
bool Contains(const json& spec, const json& match) {
  if (match.is_object()) {
    if (!spec.is_object()) return false;
    for (const auto& [k, v] : match.items()) {
      if (!spec.contains(k) || !Contains(spec[k], v)) return false;
    }
    return true;
  }
  if (spec.is_array() && match.is_string()) {
    for (const auto& e : spec) {
      if (e == match) return true;
    }
    return spec.size() == 1 && spec[0] == match;
  }
  if (spec.is_array() && match.is_array()) return spec == match;
  return spec == match;
}

// True when `value` (a spec's setting) is what `--only k=text` asks for:
// the same string, a number equal as a number ("1" matches 1 and "1.0"), a
// boolean by its name, or a list holding a match.
bool OnlyValueMatches(const json& value, const std::string& text) {
  if (value.is_array()) {
    for (const auto& e : value) {
      if (OnlyValueMatches(e, text)) return true;
    }
    return false;
  }
  if (value.is_string() && value.get<std::string>() == text) return true;
  if (value.is_boolean()) return text == (value.get<bool>() ? "true" : "false");
  auto number = [](const std::string& t) -> std::optional<double> {
    char* end = nullptr;
    double d = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0' || !std::isfinite(d)) return std::nullopt;
    return d;
  };
  std::optional<double> want = number(text);
  if (!want) return false;
  if (value.is_number()) return value.get<double>() == *want;
  if (value.is_string()) {
    std::optional<double> have = number(value.get<std::string>());
    return have && *have == *want;
  }
  return false;
}

// True when `spec` has setting `key` matching `text`: a top-level key
// ("workload", "seed"), a dotted path ("target_opts.mode"), or a key of an
// option object ("mode" in target_opts, workload_opts or nemesis_opts).
bool OnlyMatches(const json& spec, const std::string& key, const std::string& text) {
  if (spec.contains(key)) return OnlyValueMatches(spec[key], text);
  if (auto dot = key.find('.'); dot != std::string::npos) {
    const std::string head = key.substr(0, dot);
    return spec.contains(head) && spec[head].is_object() && OnlyMatches(spec[head], key.substr(dot + 1), text);
  }
  for (const auto& [k, v] : spec.items()) {
    if (v.is_object() && v.contains(key) && OnlyValueMatches(v[key], text)) return true;
  }
  return false;
}

// A matrix entry's short label: a string as is, an object's values joined
// ("ringstore mode=paxos").
std::string Label(const json& entry) {
  if (entry.is_string()) return entry.get<std::string>();
  std::string out;
  for (const auto& [k, v] : entry.items()) {
    std::string part;
    if (v.is_object()) {
      for (const auto& [k2, v2] : v.items()) {
        part += (part.empty() ? "" : " ") + k2 + "=" + (v2.is_string() ? v2.get<std::string>() : v2.dump());
      }
    } else {
      part = v.is_string() ? v.get<std::string>() : v.dump();
    }
    out += (out.empty() ? "" : " ") + part;
  }
  return out.empty() ? "{}" : out;
}

// A test name from the labels: [a-z0-9.-] only.
std::string TestName(const std::string& campaign, const std::vector<std::string>& labels) {
  std::string name = campaign;
  for (const auto& l : labels) name += "-" + l;
  std::string out;
  for (char c : name) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a'), keep = true;
    if (keep) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.substr(0, 120);
}

bool IsNameError(const std::string& message) { return message.find("unknown") != std::string::npos; }

}  // namespace

Result<CampaignSpec> LoadCampaign(const std::string& path,
                                  const std::vector<std::pair<std::string, std::string>>& only) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseBoundedJson(text.str());
  if (!parsed.ok()) return Status::Error(path + ": " + parsed.status().message());
  const json& j = *parsed;
  auto bad = [&](const std::string& where, const std::string& what) {
    return Status::Error(path + ": " + where + ": " + what);
  };
  if (!j.is_object()) return Status::Error(path + ": a campaign must be a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (!kTopKeys.count(k)) return bad(k, "unknown key (known: defaults, expect, matrix, name, seeds)");
  }
  CampaignSpec c;
  c.file = path;
  c.text = j;
  if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty()) {
    return bad("name", "must be a non-empty string");
  }
  c.name = j["name"];
  if (c.name.find('/') != std::string::npos || c.name[0] == '.') return bad("name", "must not contain '/' or start with '.'");
  json defaults = j.value("defaults", json::object());
  if (!defaults.is_object()) return bad("defaults", "must be an object of test.json settings");
  if (auto s = SpecFromJson(defaults); !s.ok()) return bad("defaults", s.status().message());
  for (const char* k : {"seed", "name", "store"}) {
    if (defaults.contains(k)) return bad(std::string("defaults.") + k, "is set by the campaign");
  }
  if (!j.contains("matrix") || !j["matrix"].is_object() || j["matrix"].empty()) {
    return bad("matrix", "must be an object of dimensions, each a non-empty list");
  }
  // Dimensions in file order (json objects sort their keys): read the order
  // from an order-keeping parse of the same, already checked, text.
  std::vector<std::string> order;
  const nlohmann::ordered_json in_order = nlohmann::ordered_json::parse(text.str());
  for (const auto& [dim, list] : in_order["matrix"].items()) order.push_back(dim);
  std::vector<std::vector<json>> entries;
  for (const auto& dim : order) {
    const json& list = j["matrix"][dim];
    if (!list.is_array() || list.empty()) return bad("matrix." + dim, "must be a non-empty list");
    c.dimensions.push_back(dim);
    entries.emplace_back();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = "matrix." + dim + "[" + std::to_string(i) + "]";
      json entry = list[i].is_string() ? json{{dim, list[i]}} : list[i];
      if (!entry.is_object()) return bad(where, "must be a string or an object of test.json settings");
      json merged = Overlay(defaults, entry);
      auto spec = SpecFromJson(merged);
      if (!spec.ok()) return bad(where, spec.status().message());
      auto resolved = ResolveSpec(*spec);
      if (!resolved.ok() && IsNameError(resolved.status().message())) {
        return bad(where, resolved.status().message());
      }
      entries.back().push_back(list[i]);
    }
  }
  std::vector<uint64_t> seeds;
  if (j.contains("seeds")) {
    if (!j["seeds"].is_array() || j["seeds"].empty()) return bad("seeds", "must be a non-empty list");
    for (size_t i = 0; i < j["seeds"].size(); ++i) {
      const json& s = j["seeds"][i];
      if (!s.is_number_unsigned() && !(s.is_number_integer() && s.get<int64_t>() >= 0)) {
        return bad("seeds[" + std::to_string(i) + "]", "must be a non-negative integer");
      }
      seeds.push_back(s.get<uint64_t>());
    }
  } else {
    seeds.push_back(1);
  }
  json expect = j.value("expect", json::array());
  if (!expect.is_array()) return bad("expect", "must be a list of {\"match\": {...}, \"valid\": ...}");
  for (size_t i = 0; i < expect.size(); ++i) {
    const std::string where = "expect[" + std::to_string(i) + "]";
    const json& e = expect[i];
    if (!e.is_object() || !e.contains("valid")) return bad(where, "must be {\"match\": {...}, \"valid\": true|false|\"unknown\"}");
    for (const auto& [k, v] : e.items()) {
      if (k != "match" && k != "valid") return bad(where + "." + k, "unknown key (known: match, valid)");
    }
    if (e.contains("match") && !e["match"].is_object()) return bad(where + ".match", "must be an object");
    const json& v = e["valid"];
    if (!v.is_boolean() && v != json("unknown")) return bad(where + ".valid", "must be true, false or \"unknown\"");
  }

  // Every combination (last dimension fastest) x every seed.
  std::vector<size_t> at(entries.size(), 0);
  while (true) {
    json spec = defaults;
    std::vector<std::string> labels;
    for (size_t d = 0; d < entries.size(); ++d) {
      const json& raw = entries[d][at[d]];
      spec = Overlay(spec, raw.is_string() ? json{{c.dimensions[d], raw}} : raw);
      labels.push_back(Label(raw));
    }
    for (uint64_t seed : seeds) {
      CampaignRun run;
      run.index = c.runs.size();
      run.labels = labels;
      run.seed = seed;
      run.spec = spec;
      run.spec["name"] = TestName(c.name, labels);
      run.spec["seed"] = seed;
      std::string combination;
      for (const auto& l : labels) combination += (combination.empty() ? "" : " | ") + l;
      run.key = combination + " #" + std::to_string(seed);
      for (const auto& e : expect) {
        if (Contains(run.spec, e.value("match", json::object()))) {
          run.expect = e["valid"];
          break;
        }
      }
      auto parsed_spec = SpecFromJson(run.spec);
      if (!parsed_spec.ok()) {
        run.not_applicable = parsed_spec.status().message();
      } else if (auto resolved = ResolveSpec(*parsed_spec); !resolved.ok()) {
        run.not_applicable = resolved.status().message();
      }
      bool keep = true;
      for (const auto& [k, v] : only) keep = keep && OnlyMatches(run.spec, k, v);
      if (keep) c.runs.push_back(std::move(run));
    }
    size_t d = entries.size();
    while (d > 0 && ++at[d - 1] == entries[d - 1].size()) at[--d] = 0;
    if (d == 0) break;
  }
  for (size_t i = 0; i < c.runs.size(); ++i) c.runs[i].index = i;
  if (c.runs.empty()) return Status::Error(path + ": --only matches no run of the campaign");
  return c;
}

}  // namespace faultline
