#include "targets/etcd_txn.h"

#include <charconv>
#include <set>

#include "harness/core/base64.h"
#include "harness/core/bounded_json.h"

namespace faultline {
namespace {

// proto3 JSON writes int64 fields as strings ("7"), and leaves out zeros.
std::optional<int64_t> Int64Field(const json& object, const char* name) {
  if (!object.contains(name)) return 0;
  const json& v = object[name];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  int64_t out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return out;
}

std::string Shown(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

}  // namespace

std::string EtcdTxnKey(const json& key) {
  return "txn/" + key.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<EtcdTxnPlan> PlanEtcdTxn(const json& mops) {
  if (!mops.is_array() || mops.empty()) {
    return Status::Error("txn value must be a non-empty list of micro-ops, not " + Shown(mops));
  }
  EtcdTxnPlan plan;
  std::set<std::string> seen;
  for (size_t i = 0; i < mops.size(); ++i) {
    const json& m = mops[i];
    std::string f = m.is_array() && m.size() == 3 && m[0].is_string() ? m[0].get<std::string>() : "";
    if (f != "append" && f != "w" && f != "r") {
      return Status::Error("txn micro-op " + std::to_string(i) + " is not [\"append\"|\"w\"|\"r\", k, v]: " +
                           Shown(m));
    }
    if (!m[1].is_number_integer() && !m[1].is_string()) {
      return Status::Error("txn micro-op " + std::to_string(i) + ": key must be an integer or a string: " +
                           Shown(m));
    }
    plan.writes |= f != "r";
    std::string key = EtcdTxnKey(m[1]);
    if (seen.insert(key).second) plan.keys.push_back(key);
  }
  return plan;
}

json EtcdTxnReadRequest(const EtcdTxnPlan& plan) {
  json ranges = json::array();
  for (const auto& k : plan.keys) ranges.push_back({{"request_range", {{"key", Base64Encode(k)}}}});
  return {{"success", std::move(ranges)}};
}

Result<EtcdTxnSnapshot> ParseEtcdTxnRead(const json& body, const EtcdTxnPlan& plan) {
  auto bad = [&](const std::string& why) {
    return Status::Error("unexpected etcd read answer (" + why + "): " + Shown(body));
  };
  if (!body.is_object() || !body.contains("header") || !body["header"].is_object()) return bad("no header");
  std::optional<int64_t> revision = Int64Field(body["header"], "revision");
  if (!revision) return bad("revision is not an integer");
  if (!EtcdTxnCommitted(body)) return bad("not succeeded");
  const json& responses = body.contains("responses") ? body["responses"] : json();
  if (!responses.is_array() || responses.size() != plan.keys.size()) return bad("one range per key expected");
  EtcdTxnSnapshot snap;
  snap.revision = *revision;
  for (size_t i = 0; i < plan.keys.size(); ++i) {
    const json& r = responses[i];
    if (!r.is_object() || !r.contains("response_range") || !r["response_range"].is_object()) {
      return bad("response " + std::to_string(i) + " is not a range");
    }
    const json& range = r["response_range"];
    EtcdKeyVersion kv;
    if (range.contains("kvs") && range["kvs"].is_array() && !range["kvs"].empty()) {
      const json& e = range["kvs"][0];
      if (!e.is_object()) return bad("kv " + std::to_string(i) + " is not an object");
      std::optional<int64_t> mod = Int64Field(e, "mod_revision");
      if (!mod || *mod <= 0) return bad("kv " + std::to_string(i) + " has no mod_revision");
      // proto3 JSON leaves out empty fields: an empty value has no "value".
      const json& v = e.contains("value") ? e["value"] : json("");
      auto bytes = v.is_string() ? Base64Decode(v.get<std::string>()) : std::nullopt;
      json value = bytes ? ParseBoundedJsonOrDiscarded(*bytes) : json(json::value_t::discarded);
      if (value.is_discarded()) {
        return Status::Error("etcd key " + plan.keys[i] + " holds a value that is not JSON text");
      }
      kv.value = std::move(value);
      kv.mod_revision = *mod;
    }
    snap.keys[plan.keys[i]] = std::move(kv);
  }
  return snap;
}

Result<EtcdTxnApplied> ApplyEtcdTxn(const json& mops, const EtcdTxnSnapshot& snapshot) {
  std::map<std::string, std::optional<json>> now;
  for (const auto& [k, kv] : snapshot.keys) now[k] = kv.value;
  EtcdTxnApplied out;
  out.completion = mops;
  for (json& m : out.completion) {
    const std::string f = m[0].get<std::string>();
    const std::string key = EtcdTxnKey(m[1]);
    std::optional<json>& cur = now[key];
    if (f == "r") {
      m[2] = cur ? *cur : json(nullptr);
    } else if (f == "w") {
      cur = m[2];
      out.writes[key] = m[2];
    } else {  // append
      if (!cur) {
        cur = json::array();
      } else if (!cur->is_array()) {
        return Status::Error("append to key " + Shown(m[1]) + ", which holds " + Shown(*cur) + ", not a list");
      }
      cur->push_back(m[2]);
      out.writes[key] = *cur;
    }
  }
  return out;
}

json EtcdTxnCommitRequest(const EtcdTxnPlan& plan, const EtcdTxnSnapshot& snapshot,
                          const EtcdTxnApplied& applied) {
  json compare = json::array();
  for (const auto& k : plan.keys) {
    auto it = snapshot.keys.find(k);
    int64_t mod = it == snapshot.keys.end() ? 0 : it->second.mod_revision;
    if (mod > 0) {
      compare.push_back({{"key", Base64Encode(k)}, {"target", "MOD"}, {"result", "EQUAL"},
                         {"mod_revision", std::to_string(mod)}});
    } else {
      // Absent: still absent (etcd compares a missing key as version 0).
      compare.push_back({{"key", Base64Encode(k)}, {"target", "VERSION"}, {"result", "EQUAL"}, {"version", "0"}});
    }
  }
  json puts = json::array();
  for (const auto& [k, v] : applied.writes) {
    puts.push_back({{"request_put",
                     {{"key", Base64Encode(k)},
                      {"value", Base64Encode(v.dump(-1, ' ', false, json::error_handler_t::replace))}}}});
  }
  return {{"compare", std::move(compare)}, {"success", std::move(puts)}};
}

bool EtcdTxnCommitted(const json& body) {
  return body.is_object() && body.contains("succeeded") && body["succeeded"].is_boolean() &&
         body["succeeded"].get<bool>();
}

}  // namespace faultline
