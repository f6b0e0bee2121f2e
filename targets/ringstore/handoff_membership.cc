#include "targets/ringstore/handoff_membership.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>

#include "targets/ringstore/membership.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;

// How long a change waits for one already running on this node.
constexpr auto kHandoffBusyWait = std::chrono::seconds(5);
// How long one old owner spends sending its moved keys, and how long the
// changer waits for its answer (its sends end by then).
constexpr auto kSendDeadline = std::chrono::milliseconds(2500);
constexpr auto kHandoffCallTimeout = std::chrono::milliseconds(5000);
// A receive batch stays well below the 1 MiB request limit, and its reply
// (one log sync) is waited for this long.
constexpr size_t kReceiveBatchBytes = 256 << 10;
constexpr auto kReceiveTimeout = std::chrono::milliseconds(2000);

Outcome HandoffDefinite(int status, const std::string& message) { return Outcome::Error(status, message, true); }

bool HasId(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Runs fn(i) for i in [0, n) on threads of their own and waits for all.
void RunEach(size_t n, const std::function<void(size_t)>& fn) {
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (size_t i = 0; i < n; ++i) threads.emplace_back([&fn, i] { fn(i); });
  for (auto& t : threads) t.join();
}

json MemberIds(const RingConfig& c) {
  json out = json::array();
  for (const Peer& p : c.members()) out.push_back(p.id);
  return out;
}

}  // namespace

bool HandoffMembership::Handles(const std::string& path) {
  return path == "/internal/ring/handoff" || path == "/internal/ring/receive";
}

Outcome HandoffMembership::Join(const Peer& peer, uint64_t seen_epoch) {
  return Change([&](const RingConfig& cur) { return cur.BeginJoin(peer); },
                [&](const RingConfig& cur) -> std::string {
                  if (seen_epoch == 0 || cur.epoch() <= seen_epoch) return "";
                  return "stale join of \"" + peer.id + "\": asked at ring epoch " + std::to_string(seen_epoch) +
                         ", the ring is at " + std::to_string(cur.epoch());
                });
}

Outcome HandoffMembership::Leave(const std::string& id) {
  return Change([&](const RingConfig& cur) { return cur.BeginLeave(id); });
}

Outcome HandoffMembership::Change(const std::function<Result<RingConfig>(const RingConfig&)>& begin,
                                  const std::function<std::string(const RingConfig&)>& refuse) {
  std::unique_lock<std::timed_mutex> lock(mu_, kHandoffBusyWait);
  if (!lock.owns_lock()) return HandoffDefinite(409, "another membership change is in progress on this node");
  LearnNewest();
  auto cur = ring_->Current();
  auto joint = begin(*cur);
  if (!joint.ok()) return HandoffDefinite(409, joint.status().message());
  if (refuse) {
    if (std::string why = refuse(*cur); !why.empty()) return HandoffDefinite(409, why);
  }
  return Run(*joint);
}

void HandoffMembership::LearnNewest() {
  auto cur = ring_->Current();
  std::vector<Peer> others;
  for (const Peer& p : cur->members()) {
    if (p.id != config_->id) others.push_back(p);
  }
  std::vector<std::optional<RingConfig>> found(others.size());
  RunEach(others.size(), [&](size_t i) {
    int index = peers_->Ensure(others[i]);
    if (index < 0) return;
    RpcResult r = peers_->Call(index, "/internal/ring/config", json::object());
    if (!r.ok || !r.body.is_object() || !r.body.contains("config")) return;
    auto c = RingConfig::FromJson(r.body["config"]);
    if (c.ok()) found[i] = std::move(*c);
  });
  for (const auto& c : found) {
    if (c) (void)ring_->Adopt(*c, /*tie_break=*/true);  // only a newer (or winning) one is taken
  }
}

bool HandoffMembership::HearsAnotherMember(const RingConfig& c) const {
  for (const std::string& id : c.ring().nodes()) {
    if (id == config_->id) continue;
    int index = peers_->IndexOf(id);
    if (index >= 0 && !peers_->Suspected(index)) return true;
  }
  return false;
}

Outcome HandoffMembership::Run(const RingConfig& joint) {
  if (!HearsAnotherMember(joint)) {
    Outcome o = HandoffDefinite(503, "this node hears no other member of the ring (epoch " +
                                         std::to_string(joint.epoch() - 1) + "); ask another member");
    o.body["ask_another"] = true;
    return o;
  }
  auto stable = joint.Finish();
  if (!stable.ok()) return HandoffDefinite(500, stable.status().message());
  Tally tally;
  auto progress = [&](const char* state) {
    ring_->SetTransfer(json::array({{{"to_epoch", stable->epoch()}, {"state", state},
                                     {"keys_done", tally.copied.size()}, {"keys_total", tally.moved.size()}}}));
  };
  progress("handoff");
  HandOff(joint, &tally);
  auto adopted = ring_->Adopt(*stable, /*tie_break=*/true);
  if (!adopted.ok()) {
    ring_->SetTransfer(json::array());
    return HandoffDefinite(503, "adopting the new ring failed: " + adopted.status().message());
  }
  if (!*adopted) {
    // A newer ring arrived meanwhile (gossip of another node's change):
    // this one is not made; only copies were sent, which is harmless.
    ring_->SetTransfer(json::array());
    return HandoffDefinite(409, "a concurrent membership change won (ring now at epoch " +
                                    std::to_string(ring_->epoch()) + "); retry");
  }
  // Every member of either ring: the leaver learns it is out, the joiner in.
  uint64_t newest_seen = 0;
  std::vector<std::string> missed = Push(*stable, joint.members(), &newest_seen);
  if (newest_seen > stable->epoch()) {
    // This node planned on a ring others had left (it missed their change
    // and could not learn it): their newer ring overrides this one
    // everywhere (gossip), so this change will not hold.
    LearnNewest();
    ring_->SetTransfer(json::array());
    return HandoffDefinite(409, "a concurrent membership change won (ring now at epoch " +
                                    std::to_string(newest_seen) + ", this change made epoch " +
                                    std::to_string(stable->epoch()) + "); retry");
  }
  progress("handoff-after-switch");
  // Copies taken in the first hand-off count; the second reports every
  // old owner's keys again, so unreached is what it missed.
  tally.unreached.clear();
  HandOff(joint, &tally);
  ring_->SetTransfer(json::array());
  return Outcome::Ok({{"ok", true},
                      {"epoch", stable->epoch()},
                      {"members", MemberIds(*stable)},
                      {"moved_keys", tally.moved.size()},
                      {"copied_keys", tally.copied.size()},
                      {"missed", missed},
                      {"unreached", std::vector<std::string>(tally.unreached.begin(), tally.unreached.end())},
                      {"handoff", "dynamo"}});
}

void HandoffMembership::HandOff(const RingConfig& joint, Tally* tally) {
  const std::vector<std::string>& old_owners = joint.ring().nodes();
  std::vector<std::optional<json>> replies(old_owners.size());
  const json body = {{"change", joint.ToJson()}};
  RunEach(old_owners.size(), [&](size_t i) {
    const std::string& id = old_owners[i];
    if (id == config_->id) {
      replies[i] = SendMoved(joint);
      return;
    }
    const Peer* p = joint.FindMember(id);
    int index = p ? peers_->Ensure(*p) : -1;
    if (index < 0) return;
    RpcResult r = peers_->Call(index, "/internal/ring/handoff", body, kHandoffCallTimeout);
    if (r.ok && r.body.is_object()) replies[i] = std::move(r.body);
  });
  for (size_t i = 0; i < replies.size(); ++i) {
    if (!replies[i]) {
      tally->unreached.insert(old_owners[i]);
      continue;
    }
    for (const char* field : {"moved", "copied"}) {
      auto it = replies[i]->find(field);
      if (it == replies[i]->end() || !it->is_array()) continue;
      auto& into = std::string_view(field) == "moved" ? tally->moved : tally->copied;
      for (const json& k : *it) {
        if (k.is_string()) into.insert(k.get<std::string>());
      }
    }
  }
}

std::vector<std::string> HandoffMembership::Push(const RingConfig& config, const std::vector<Peer>& to,
                                                 uint64_t* newest_seen) {
  std::vector<char> acked(to.size(), 0);
  std::vector<uint64_t> epochs(to.size(), 0);
  const json body = {{"config", config.ToJson()}};
  RunEach(to.size(), [&](size_t i) {
    if (to[i].id == config_->id) {
      acked[i] = 1;
      return;
    }
    int index = peers_->Ensure(to[i]);
    if (index < 0) return;
    RpcResult r = peers_->Call(index, "/internal/ring/adopt", body);
    acked[i] = r.ok && r.body.value("ok", false);
    auto epoch = r.ok ? r.body.find("epoch") : r.body.end();
    if (acked[i] && epoch != r.body.end() && epoch->is_number_unsigned()) epochs[i] = epoch->get<uint64_t>();
  });
  *newest_seen = epochs.empty() ? 0 : *std::max_element(epochs.begin(), epochs.end());
  std::vector<std::string> missed;
  for (size_t i = 0; i < to.size(); ++i) {
    if (!acked[i]) missed.push_back(to[i].id);
  }
  return missed;
}

json HandoffMembership::SendMoved(const RingConfig& joint) {
  const auto deadline = std::chrono::steady_clock::now() + kSendDeadline;
  // New owner -> batches of entries, and the keys each batch carries.
  struct Outbox {
    std::vector<json> batches;
    std::vector<std::vector<std::string>> keys;
    size_t bytes = 0;
  };
  std::map<std::string, Outbox> out;
  std::map<std::string, int> owners_needed;  // moved key -> new owners it goes to
  json moved = json::array();
  for (const std::string& skey : store_->KeyList()) {
    auto slash = skey.find('/');
    if (slash == std::string::npos || skey.rfind("ring/", 0) == 0) continue;
    std::string_view key = std::string_view(skey).substr(slash + 1);
    if (!joint.Moves(key)) continue;
    std::vector<std::string> old_set = joint.ring().ReplicaIdsFor(key);
    if (!HasId(old_set, config_->id)) continue;  // not an old owner: not ours to hand off
    auto stored = store_->Read(skey);
    if (!stored.ok() || (stored->stamp.IsZero() && stored->value.is_null())) continue;
    json entry = json::array({skey, BallotToJson(stored->stamp), stored->value});
    const size_t size = entry.dump().size();
    moved.push_back(skey);
    owners_needed[skey] += 0;  // a key that only drops owners is copied already
    for (const std::string& id : joint.next().ReplicaIdsFor(key)) {
      if (HasId(old_set, id)) continue;  // held it already
      Outbox& box = out[id];
      if (box.batches.empty() || box.bytes + size > kReceiveBatchBytes) {
        box.batches.push_back(json::array());
        box.keys.emplace_back();
        box.bytes = 0;
      }
      box.batches.back().push_back(entry);
      box.keys.back().push_back(skey);
      box.bytes += size;
      ++owners_needed[skey];
    }
  }
  // Each new owner in parallel; a failed batch ends that owner's stream.
  std::vector<std::string> targets;
  for (const auto& [id, box] : out) targets.push_back(id);
  std::vector<std::vector<std::string>> delivered(targets.size());
  std::vector<char> failed(targets.size(), 0);
  RunEach(targets.size(), [&](size_t i) {
    const Outbox& box = out.at(targets[i]);
    for (size_t b = 0; b < box.batches.size(); ++b) {
      if (std::chrono::steady_clock::now() >= deadline || !Deliver(joint, targets[i], box.batches[b])) {
        failed[i] = 1;
        return;
      }
      delivered[i].insert(delivered[i].end(), box.keys[b].begin(), box.keys[b].end());
    }
  });
  std::map<std::string, int> acks;
  for (const auto& keys : delivered) {
    for (const std::string& k : keys) ++acks[k];
  }
  json copied = json::array();
  for (const auto& [k, n] : owners_needed) {
    if (acks[k] == n) copied.push_back(k);
  }
  json failed_ids = json::array();
  for (size_t i = 0; i < targets.size(); ++i) {
    if (failed[i]) failed_ids.push_back(targets[i]);
  }
  return {{"moved", moved}, {"copied", copied}, {"failed", failed_ids}};
}

bool HandoffMembership::Deliver(const RingConfig& joint, const std::string& id, const json& entries) {
  const json body = {{"entries", entries}};
  if (id == config_->id) return Receive(body).ok();
  const Peer* p = joint.FindMember(id);
  int index = p ? peers_->Ensure(*p) : -1;
  if (index < 0) return false;
  RpcResult r = peers_->Call(index, "/internal/ring/receive", body, kReceiveTimeout);
  return r.ok && r.body.value("ok", false);
}

Result<json> HandoffMembership::Receive(const json& body) {
  if (!body.is_object() || !body.contains("entries") || !body["entries"].is_array()) {
    return Status::Error("receive needs {\"entries\": [[KEY, STAMP, VALUE], ...]}");
  }
  std::vector<ReplicaStore::StampedEntry> entries;
  for (const json& e : body["entries"]) {
    ReplicaStore::StampedEntry entry;
    if (!e.is_array() || e.size() != 3 || !e[0].is_string() || !BallotFromJson(e[1], &entry.stamp)) {
      return Status::Error("bad entry " + e.dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 200));
    }
    entry.key = e[0].get<std::string>();
    entry.value = e[2];
    entries.push_back(std::move(entry));
  }
  auto applied = store_->WriteAllIfNewer(entries);
  if (!applied.ok()) return applied.status();
  return json{{"ok", true}, {"applied", *applied}};
}

Result<json> HandoffMembership::HandleInternal(const std::string& path, const json& body) {
  if (path == "/internal/ring/receive") return Receive(body);
  if (path == "/internal/ring/handoff") {
    if (!body.is_object() || !body.contains("change")) return Status::Error("handoff needs {\"change\"}");
    auto joint = RingConfig::FromJson(body["change"]);
    if (!joint.ok()) return joint.status();
    if (!joint->joint()) return Status::Error("handoff needs a configuration with a change in progress");
    return SendMoved(*joint);
  }
  return Status::Error("unknown internal path " + path);
}

}  // namespace faultline::ringstore
