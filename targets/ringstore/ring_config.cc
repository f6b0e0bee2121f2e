#include "targets/ringstore/ring_config.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

namespace faultline::ringstore {
namespace {

using nlohmann::json;

json RingJson(const HashRing& ring) {
  json tokens = json::array();
  // Points as decimal strings: JSON readers commonly lose 64-bit integers.
  for (const auto& t : ring.tokens()) tokens.push_back({std::to_string(t.point), ring.nodes()[t.node]});
  return {{"nodes", ring.nodes()}, {"tokens", tokens}};
}

Result<HashRing> RingFromJson(const json& j, const char* what, int vnodes, int replicas) {
  std::string where = std::string("ring config: \"") + what + "\"";
  if (!j.is_object() || !j.contains("nodes") || !j["nodes"].is_array() || !j.contains("tokens") ||
      !j["tokens"].is_array()) {
    return Status::Error(where + " needs arrays \"nodes\" and \"tokens\"");
  }
  std::vector<std::string> nodes;
  std::set<std::string> seen;
  for (const json& n : j["nodes"]) {
    if (!n.is_string() || n.get<std::string>().empty()) return Status::Error(where + ": a node id is not a non-empty string");
    if (!seen.insert(n.get<std::string>()).second) return Status::Error(where + ": node \"" + n.get<std::string>() + "\" listed twice");
    nodes.push_back(n.get<std::string>());
  }
  std::vector<HashRing::Token> tokens;
  for (const json& t : j["tokens"]) {
    if (!t.is_array() || t.size() != 2 || !t[0].is_string() || !t[1].is_string()) {
      return Status::Error(where + ": a token is not [\"POINT\", \"NODE\"]");
    }
    const std::string point = t[0].get<std::string>();
    char* end = nullptr;
    errno = 0;
    unsigned long long p = std::strtoull(point.c_str(), &end, 10);
    if (point.empty() || point[0] == '-' || *end != '\0' || errno != 0) {
      return Status::Error(where + ": token point \"" + point + "\" is not an unsigned 64-bit integer");
    }
    auto it = std::find(nodes.begin(), nodes.end(), t[1].get<std::string>());
    if (it == nodes.end()) return Status::Error(where + ": a token names \"" + t[1].get<std::string>() + "\", not a node");
    tokens.push_back(HashRing::Token{p, static_cast<int>(it - nodes.begin())});
  }
  if (nodes.empty() || tokens.empty()) return Status::Error(where + " has no nodes or no tokens");
  return HashRing(std::move(nodes), std::move(tokens), vnodes, replicas);
}

bool HasMember(const HashRing& ring, const std::string& id) {
  return std::find(ring.nodes().begin(), ring.nodes().end(), id) != ring.nodes().end();
}

}  // namespace

RingConfig RingConfig::Initial(std::vector<Peer> members, int vnodes, int replicas) {
  std::vector<std::string> ids;
  for (const Peer& p : members) ids.push_back(p.id);
  return RingConfig(1, std::move(members), HashRing(ids, vnodes, replicas), std::nullopt);
}

json RingConfig::ToJson() const {
  json members = json::array();
  for (const Peer& p : members_) members.push_back({{"id", p.id}, {"host", p.host}, {"port", p.port}});
  return {{"epoch", epoch_},
          {"vnodes", ring_.vnodes()},
          {"replicas", ring_.requested_replicas()},
          {"members", members},
          {"ring", RingJson(ring_)},
          {"next", next_ ? RingJson(*next_) : json(nullptr)}};
}

Result<RingConfig> RingConfig::FromJson(const json& j) {
  if (!j.is_object()) return Status::Error("ring config: not a JSON object");
  for (const char* f : {"epoch", "vnodes", "replicas"}) {
    // is_number_integer: a parsed 1 is unsigned, a built one signed.
    if (!j.contains(f) || !j[f].is_number_integer() || j[f].get<int64_t>() < 1 ||
        (std::string(f) != "epoch" && j[f].get<int64_t>() > 100000)) {
      return Status::Error(std::string("ring config: \"") + f + "\" is not a positive integer");
    }
  }
  int vnodes = j["vnodes"].get<int>(), replicas = j["replicas"].get<int>();
  if (!j.contains("members") || !j["members"].is_array()) return Status::Error("ring config: \"members\" is not an array");
  std::vector<Peer> members;
  std::set<std::string> ids;
  for (const json& m : j["members"]) {
    if (!m.is_object() || !m.contains("id") || !m["id"].is_string() || !m.contains("host") ||
        !m["host"].is_string() || !m.contains("port") || !m["port"].is_number_integer() ||
        m["port"].get<int64_t>() < 1 || m["port"].get<int64_t>() > 65535) {
      return Status::Error("ring config: a member is not {\"id\", \"host\", \"port\" 1-65535}");
    }
    Peer p{m["id"].get<std::string>(), m["host"].get<std::string>(), m["port"].get<int>()};
    if (!ids.insert(p.id).second) return Status::Error("ring config: member \"" + p.id + "\" listed twice");
    members.push_back(std::move(p));
  }
  if (!j.contains("ring")) return Status::Error("ring config: \"ring\" is missing");
  auto ring = RingFromJson(j["ring"], "ring", vnodes, replicas);
  if (!ring.ok()) return ring.status();
  std::optional<HashRing> next;
  if (j.contains("next") && !j["next"].is_null()) {
    auto n = RingFromJson(j["next"], "next", vnodes, replicas);
    if (!n.ok()) return n.status();
    next = std::move(*n);
  }
  for (const HashRing* r : {&*ring, next ? &*next : nullptr}) {
    if (!r) continue;
    for (const std::string& id : r->nodes()) {
      if (!ids.count(id)) return Status::Error("ring config: ring node \"" + id + "\" is not in \"members\"");
    }
  }
  return RingConfig(j["epoch"].get<uint64_t>(), std::move(members), std::move(*ring), std::move(next));
}

Result<RingConfig> RingConfig::BeginJoin(const Peer& peer) const {
  if (joint()) return Status::Error("a membership change is already in progress (epoch " + std::to_string(epoch_) + ")");
  if (peer.id.empty()) return Status::Error("join: empty node id");
  if (HasMember(ring_, peer.id)) return Status::Error("join: \"" + peer.id + "\" is already a member");
  std::vector<Peer> members = members_;
  members.push_back(peer);
  return RingConfig(epoch_ + 1, std::move(members), ring_, ring_.WithNode(peer.id));
}

Result<RingConfig> RingConfig::BeginLeave(const std::string& id) const {
  if (joint()) return Status::Error("a membership change is already in progress (epoch " + std::to_string(epoch_) + ")");
  if (!HasMember(ring_, id)) return Status::Error("leave: \"" + id + "\" is not a member");
  size_t left = ring_.nodes().size() - 1;
  size_t needed = static_cast<size_t>(Majority(static_cast<size_t>(ring_.requested_replicas())));
  if (left < needed) {
    return Status::Error("leave: \"" + id + "\" would leave " + std::to_string(left) +
                         " members, fewer than a majority of the replication factor (" + std::to_string(needed) + ")");
  }
  return RingConfig(epoch_ + 1, members_, ring_, ring_.WithoutNode(id));
}

Result<RingConfig> RingConfig::Finish() const {
  if (!joint()) return Status::Error("no membership change in progress (epoch " + std::to_string(epoch_) + ")");
  std::vector<Peer> members;
  for (const std::string& id : next_->nodes()) members.push_back(*FindMember(id));
  return RingConfig(epoch_ + 1, std::move(members), *next_, std::nullopt);
}

Result<RingConfig> RingConfig::Abort() const {
  if (!joint()) return Status::Error("no membership change in progress (epoch " + std::to_string(epoch_) + ")");
  std::vector<Peer> members;
  for (const std::string& id : ring_.nodes()) members.push_back(*FindMember(id));
  return RingConfig(epoch_ + 1, std::move(members), ring_, std::nullopt);
}

uint64_t RingConfig::Digest() const { return StableHash64(ToJson().dump()); }

const Peer* RingConfig::FindMember(const std::string& id) const {
  for (const Peer& p : members_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::vector<std::vector<std::string>> RingConfig::ReplicaSets(std::string_view key) const {
  std::vector<std::vector<std::string>> sets{ring_.ReplicaIdsFor(key)};
  if (next_) {
    auto n = next_->ReplicaIdsFor(key);
    auto a = sets[0], b = n;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (a != b) sets.push_back(std::move(n));
  }
  return sets;
}

std::vector<std::string> RingConfig::Replicas(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& set : ReplicaSets(key)) {
    for (const std::string& id : set) {
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
  }
  return out;
}

bool RingConfig::QuorumMet(std::string_view key, const std::vector<std::string>& acked) const {
  for (const auto& set : ReplicaSets(key)) {
    int yes = 0;
    for (const std::string& id : set) yes += std::find(acked.begin(), acked.end(), id) != acked.end();
    if (yes < Majority(set.size())) return false;
  }
  return true;
}

bool RingConfig::Moves(std::string_view key) const { return ReplicaSets(key).size() > 1; }

bool RingConfig::Owns(const std::string& id, std::string_view key) const {
  auto r = Replicas(key);
  return std::find(r.begin(), r.end(), id) != r.end();
}

}  // namespace faultline::ringstore
