#include "targets/ringstore/membership.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <set>
#include <thread>

namespace faultline::ringstore {
namespace {

using nlohmann::json;

constexpr const char* kConfigKey = "ring/config";
constexpr int kCopyAttempts = 3;
// A change that lost the race for the next epoch is re-planned on the
// winner's ring this many times in all (this node was merely behind).
constexpr int kChangeAttempts = 3;
constexpr const char* kLostRace = "a concurrent membership change won";

Outcome Definite(int status, const std::string& message) { return Outcome::Error(status, message, true); }

bool Has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool Lost(const Outcome& o) {
  return o.status == 409 && o.body.value("error", std::string()).rfind(kLostRace, 0) == 0;
}

constexpr const char* kBusy = "another membership change is in progress";
// How long a change waits for another one in progress before finishing that
// one itself, and how often it looks.
constexpr auto kWaitForOther = std::chrono::milliseconds(5000);
constexpr auto kBusyPoll = std::chrono::milliseconds(200);

bool IsBusy(const Outcome& o) {
  return o.status == 409 && o.body.value("error", std::string()).rfind(kBusy, 0) == 0;
}

std::vector<std::vector<std::string>> MemberSets(const RingConfig& c) {
  std::vector<std::vector<std::string>> sets{c.ring().nodes()};
  if (c.joint()) sets.push_back(c.next().nodes());
  return sets;
}

}  // namespace

Result<Peer> ParseJoinRequest(const json& body) {
  if (!body.is_object() || !body.contains("id") || !body["id"].is_string() || body["id"].get<std::string>().empty() ||
      !body.contains("host") || !body["host"].is_string() || !body.contains("port") ||
      !body["port"].is_number_integer() || body["port"].get<int64_t>() < 1 || body["port"].get<int64_t>() > 65535) {
    return Status::Error("join needs {\"id\": NODE, \"host\": HOST, \"port\": 1-65535}");
  }
  return Peer{body["id"].get<std::string>(), body["host"].get<std::string>(), body["port"].get<int>()};
}

Result<std::string> ParseLeaveRequest(const json& body) {
  if (!body.is_object() || !body.contains("id") || !body["id"].is_string()) {
    return Status::Error("leave needs {\"id\": NODE}");
  }
  return body["id"].get<std::string>();
}

Outcome Membership::Join(const json& body) {
  auto peer = ParseJoinRequest(body);
  if (!peer.ok()) return Definite(400, peer.status().message());
  std::lock_guard<std::mutex> lock(mu_);
  return Retrying([&] { return JoinOnce(*peer); });
}

Outcome Membership::JoinOnce(const Peer& peer) {
  auto cur = ring_->Current();
  if (cur->joint() && Has(cur->ring().nodes(), peer.id) && !Has(cur->next().nodes(), peer.id)) {
    return AbortChange(*cur);  // its leave was cut short: it stays
  }
  if (cur->joint()) {
    // The same join cut short resumes; any other change must wait.
    if (!Has(cur->next().nodes(), peer.id) || Has(cur->ring().nodes(), peer.id)) return Busy(*cur);
    return Run(*cur, true);
  }
  auto joint = cur->BeginJoin(peer);
  if (!joint.ok()) return Definite(409, joint.status().message());
  return Run(*joint, false);
}

Outcome Membership::Leave(const json& body) {
  auto id = ParseLeaveRequest(body);
  if (!id.ok()) return Definite(400, id.status().message());
  std::lock_guard<std::mutex> lock(mu_);
  return Retrying([&] { return LeaveOnce(*id); });
}

Outcome Membership::LeaveOnce(const std::string& id) {
  auto cur = ring_->Current();
  if (cur->joint() && !Has(cur->ring().nodes(), id) && Has(cur->next().nodes(), id)) {
    return AbortChange(*cur);  // its join was cut short: it never becomes a member
  }
  if (cur->joint()) {
    // The same leave cut short resumes; any other change must wait.
    if (Has(cur->next().nodes(), id) || !Has(cur->ring().nodes(), id)) return Busy(*cur);
    return Run(*cur, true);
  }
  auto joint = cur->BeginLeave(id);
  if (!joint.ok()) return Definite(409, joint.status().message());
  return Run(*joint, false);
}

Outcome Membership::Retrying(const std::function<Outcome()>& once) {
  const auto start = std::chrono::steady_clock::now();
  bool resumed = false;
  Outcome o;
  for (int lost = 0;;) {
    o = once();
    if (Lost(o)) {
      // This node's ring was behind: plan again on the winner's.
      if (++lost < kChangeAttempts) continue;
      return o;
    }
    if (!IsBusy(o)) return o;
    if (!ReachesMajorities(*ring_->Current())) {
      // Cut off (or most members down): neither waiting nor finishing the
      // other change can work from here. Definite, so the caller asks
      // another member at once instead of after the wait.
      Outcome cut = Definite(503, "no quorum: this node reaches no majority of the ring's members, and another "
                                  "membership change is in progress; ask another member");
      cut.body["ask_another"] = true;
      return cut;
    }
    // Another change is under way: it usually ends within moments (its
    // runner copies and finishes), so wait here rather than make every
    // caller retry a 409.
    if (std::chrono::steady_clock::now() - start < kWaitForOther) {
      std::this_thread::sleep_for(kBusyPoll);
      continue;
    }
    // Still joint after that long: its runner was cut short (the admin call
    // timed out, the node was killed or cut off). Any node may finish a
    // joint change (copying is idempotent, and the final ring is agreed by
    // cas), so finish it, then plan ours on the stable ring.
    if (resumed) return o;
    resumed = true;
    auto cur = ring_->Current();
    if (!cur->joint()) continue;
    Outcome finished = Run(*cur, true);
    if (!finished.ok()) return finished;
  }
}

bool Membership::ReachesMajorities(const RingConfig& c) {
  for (const auto& set : MemberSets(c)) {
    int up = 0;
    for (const std::string& id : set) {
      int index = peers_->IndexOf(id);
      up += id == config_->id || (index >= 0 && !peers_->Suspected(index));
    }
    if (up < Majority(set.size())) return false;
  }
  return true;
}

Outcome Membership::Busy(const RingConfig& cur) {
  return Definite(409, std::string(kBusy) + " (epoch " + std::to_string(cur.epoch()) + ")");
}

Outcome Membership::AgreeConfig(const RingConfig& from, const RingConfig& to, const RingConfig& sets_from) {
  Command cas;
  cas.op = Op::kCas;
  cas.key = kConfigKey;
  cas.storage_key = kConfigKey;
  // The flags' ring (epoch 1) is never stored: the key is absent until the
  // first change.
  cas.arg = json::array({from.epoch() == 1 ? json(nullptr) : from.ToJson(), to.ToJson()});
  cas.quorum_sets = MemberSets(sets_from);
  Outcome o = coordinator_->Execute(cas);
  if (o.status == 409 && o.body.contains("value")) {
    // Someone else changed the ring first: follow theirs.
    auto theirs = RingConfig::FromJson(o.body["value"]);
    if (theirs.ok()) (void)ring_->Adopt(*theirs);
    // Another node finishing (or aborting) the same joint change agreed
    // exactly our config: that is our success, not a lost race.
    if (theirs.ok() && theirs->ToJson() == to.ToJson()) {
      return Outcome::Ok({{"ok", true}, {"epoch", to.epoch()}, {"agreed_by_another", true}});
    }
    return Definite(409, std::string(kLostRace) + " (ring now at epoch " +
                             std::to_string(ring_->epoch()) + "); retry");
  }
  return o;
}

std::vector<std::string> Membership::Broadcast(const RingConfig& config, const std::vector<Peer>& to) {
  struct Wait {
    std::mutex mu;
    std::condition_variable cv;
    int left = 0;
    std::vector<std::string> missed;
  };
  auto wait = std::make_shared<Wait>();
  json body = {{"config", config.ToJson()}};
  for (const Peer& m : to) {
    if (m.id == config_->id) continue;
    int index = peers_->Ensure(m);
    if (index < 0) {
      wait->missed.push_back(m.id);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(wait->mu);
      ++wait->left;
    }
    peers_->CallAsync(index, "/internal/ring/adopt", body, [wait, id = m.id](RpcResult r) {
      std::lock_guard<std::mutex> lock(wait->mu);
      if (!r.ok || !r.body.value("ok", false)) wait->missed.push_back(id);
      if (--wait->left == 0) wait->cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(wait->mu);
  wait->cv.wait(lock, [&] { return wait->left == 0; });
  return wait->missed;
}

std::vector<std::string> Membership::MovingKeys(const RingConfig& joint) {
  std::set<std::string> keys;
  for (const std::string& k : store_->KeyList()) keys.insert(k);
  for (const Peer& m : joint.members()) {
    if (m.id == config_->id) continue;
    int index = peers_->Ensure(m);
    if (index < 0) continue;
    RpcResult res = peers_->Call(index, "/internal/ring/keys", json::object(), std::chrono::milliseconds(10000));
    if (!res.ok || !res.body.contains("keys") || !res.body["keys"].is_array()) continue;
    for (const json& k : res.body["keys"]) {
      if (k.is_string()) keys.insert(k.get<std::string>());
    }
  }
  std::vector<std::string> moving;
  for (const std::string& skey : keys) {
    auto slash = skey.find('/');
    if (slash == std::string::npos || skey.rfind("ring/", 0) == 0) continue;
    if (joint.Moves(std::string_view(skey).substr(slash + 1))) moving.push_back(skey);
  }
  return moving;
}

Outcome Membership::Run(const RingConfig& joint_in, bool resume) {
  auto cur = ring_->Current();
  RingConfig joint = joint_in;
  const bool unsafe = config_->handoff_unsafe;
  if (unsafe) {
    // Ownership moves at once; the data follows a second later, streamed
    // from the old owner over whatever the new owners took meanwhile.
    auto stable = joint.Finish();
    if (!stable.ok()) return Definite(500, stable.status().message());
    std::vector<std::string> moving = MovingKeys(joint);
    Outcome agreed = AgreeConfig(*cur, *stable, joint);
    if (!agreed.ok()) return agreed;
    auto adopted = ring_->Adopt(*stable);
    if (!adopted.ok()) return Outcome::Error(503, adopted.status().message(), false);
    Broadcast(*stable, joint.members());  // the leaver too: it must stop serving
    std::this_thread::sleep_for(std::chrono::seconds(1));
    size_t copied = 0;
    for (const std::string& skey : moving) {
      const std::string key = skey.substr(skey.find('/') + 1);
      Command read;
      read.op = Op::kRead;
      read.key = key;
      read.storage_key = skey;
      // Streamed from the old owner that hands the range over (the replica
      // the change drops), as a bootstrap streams from one node: it took no
      // writes since the switch.
      std::string source;
      for (const std::string& id : joint.ring().ReplicaIdsFor(key)) {
        auto next = joint.next().ReplicaIdsFor(key);
        if (source.empty() && std::find(next.begin(), next.end(), id) == next.end()) source = id;
      }
      if (source.empty()) continue;
      read.quorum_sets = {{source}};
      Outcome old = coordinator_->Execute(read);
      if (!old.ok()) continue;
      Command write;
      write.op = Op::kWrite;
      write.key = key;
      write.storage_key = skey;
      write.arg = old.body.value("value", json());
      write.quorum_sets = {joint.next().ReplicaIdsFor(key)};
      if (coordinator_->Execute(write).ok()) ++copied;
    }
    json members = json::array();
    for (const Peer& p : stable->members()) members.push_back(p.id);
    return Outcome::Ok({{"ok", true}, {"epoch", stable->epoch()}, {"members", members}, {"moved_keys", moving.size()},
                        {"copied_keys", copied}, {"handoff", "unsafe"}});
  }
  if (!resume) {
    Outcome agreed = AgreeConfig(*cur, joint, joint);
    if (!agreed.ok()) return agreed;
  } else if (!ReachesMajorities(joint)) {
    // Resuming changes nothing until the broadcast: from a node cut off
    // from most members that could only fail, after waiting out timeouts.
    // Indefinite: the change this resumes is half made (the ring is joint).
    Outcome o = Outcome::Error(503, "no quorum: this node reaches no majority of the joint ring's members; ask "
                                    "another member (the ring stays joint at epoch " +
                                        std::to_string(joint.epoch()) + ")",
                               false);
    o.body["ask_another"] = true;
    return o;
  }
  auto adopted = ring_->Adopt(joint);
  if (!adopted.ok()) return Outcome::Error(503, adopted.status().message(), false);
  const std::string epoch_note = " (ring left joint at epoch " + std::to_string(joint.epoch()) +
                                 "; a retry of the same change resumes it)";
  std::vector<std::string> missed = Broadcast(joint, joint.members());
  const int r = joint.ring().requested_replicas();
  const int may_miss = r - Majority(static_cast<size_t>(r));
  if (static_cast<int>(missed.size()) > may_miss) {
    std::string list;
    for (const auto& m : missed) list += (list.empty() ? "" : ",") + m;
    return Outcome::Error(503, "members " + list + " did not learn the joint ring" + epoch_note, false);
  }

  // Step 3: every key any reachable member stores whose replicas change.
  std::vector<std::string> moving = MovingKeys(joint);
  size_t done = 0;
  auto progress = [&](const char* state) {
    ring_->SetTransfer(json::array({{{"to_epoch", joint.epoch() + 1}, {"state", state},
                                     {"keys_done", done}, {"keys_total", moving.size()}}}));
  };
  progress("copying");
  for (const std::string& skey : moving) {
    Command copy;
    copy.op = Op::kRead;
    copy.key = skey.substr(skey.find('/') + 1);
    copy.storage_key = skey;
    copy.write_back = true;
    Outcome o;
    for (int attempt = 0; attempt < kCopyAttempts; ++attempt) {
      o = coordinator_->Execute(copy);
      if (o.ok()) break;
    }
    if (!o.ok()) {
      progress("stuck");
      return Outcome::Error(503, "copying key \"" + skey + "\" failed: " + o.body.value("error", std::string()) +
                                     epoch_note, false);
    }
    ++done;
    if (done % 64 == 0) progress("copying");
  }

  // Step 4.
  auto stable = joint.Finish();
  if (!stable.ok()) return Definite(500, stable.status().message());
  Outcome agreed = AgreeConfig(joint, *stable, joint);
  if (!agreed.ok()) {
    progress("stuck");
    return Outcome::Error(503, "agreeing the final ring failed: " + agreed.body.value("error", std::string()) +
                                   epoch_note, false);
  }
  auto fin = ring_->Adopt(*stable);
  if (!fin.ok()) return Outcome::Error(503, fin.status().message(), false);
  // Every member of the joint ring, the leaver included, learns it is over.
  Broadcast(*stable, joint.members());
  ring_->SetTransfer(json::array());
  json members = json::array();
  for (const Peer& p : stable->members()) members.push_back(p.id);
  return Outcome::Ok({{"ok", true}, {"epoch", stable->epoch()}, {"members", members},
                      {"moved_keys", moving.size()}, {"copied_keys", done}});
}

Outcome Membership::AbortChange(const RingConfig& joint) {
  auto back = joint.Abort();
  if (!back.ok()) return Definite(500, back.status().message());
  // Safe: every round while joint had a majority of the old replicas too.
  Outcome agreed = AgreeConfig(joint, *back, joint);
  if (!agreed.ok()) return agreed;
  auto adopted = ring_->Adopt(*back);
  if (!adopted.ok()) return Outcome::Error(503, adopted.status().message(), false);
  Broadcast(*back, joint.members());
  ring_->SetTransfer(json::array());
  json members = json::array();
  for (const Peer& p : back->members()) members.push_back(p.id);
  return Outcome::Ok({{"ok", true}, {"epoch", back->epoch()}, {"members", members}, {"aborted", true},
                      {"moved_keys", 0}, {"copied_keys", 0}});
}

Result<json> Membership::HandleInternal(const std::string& path, const json& body) {
  if (path == "/internal/ring/adopt") {
    if (!body.is_object() || !body.contains("config")) return Status::Error("adopt needs {\"config\"}");
    auto c = RingConfig::FromJson(body["config"]);
    if (!c.ok()) return c.status();
    // (lww, eventual: two unagreed changes of one epoch; see RingState::Adopt)
    auto adopted = ring_->Adopt(*c, config_->mode != Mode::kPaxos);
    if (!adopted.ok()) return adopted.status();
    return json{{"ok", true}, {"epoch", ring_->epoch()}};
  }
  if (path == "/internal/ring/keys") return json{{"keys", store_->KeyList()}};
  if (path == "/internal/ring/config") return json{{"config", ring_->Current()->ToJson()}};
  return Status::Error("unknown internal path " + path);
}

}  // namespace faultline::ringstore
