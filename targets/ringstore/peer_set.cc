#include "targets/ringstore/peer_set.h"

#include <httplib.h>

#include "harness/core/http_client_setup.h"
#include "harness/core/bounded_json.h"

namespace faultline::ringstore {
namespace {

using Clock = std::chrono::steady_clock;
// How long a peer that failed at the transport level is skipped.
constexpr auto kDownFor = std::chrono::milliseconds(300);
constexpr auto kHeartbeatEvery = std::chrono::milliseconds(100);
// A peer not heard from for 1.4 heartbeat timeouts (350 ms by default: about
// 3 missed heartbeats) is not Healthy: how long commands may still be
// forwarded to a leader that was just paused or cut off.
constexpr double kHealthyWithinTimeouts = 1.4;

}  // namespace

struct PeerSet::Peer {
  std::string id;
  std::string host;
  int port = 0;
  std::mutex mu;
  std::vector<std::unique_ptr<httplib::Client>> idle;
  bool ever_seen = false;
  Clock::time_point last_seen;
  bool down = false;
  Clock::time_point down_until;
  bool probing = false;
};

PeerSet::PeerSet(const Config& config, int rpc_threads)
    : timeout_s_(config.rpc_timeout_s),
      heartbeat_timeout_(std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::duration<double>(config.heartbeat_timeout_s))),
      healthy_within_(std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::duration<double>(config.heartbeat_timeout_s * kHealthyWithinTimeouts))) {
  peers_.reserve(kMaxPeers);
  ids_.reserve(kMaxPeers);
  for (const ringstore::Peer& peer : config.peers) {
    int i = Ensure(peer);
    if (peer.id == config.id) self_ = i;
  }
  for (int i = 0; i < rpc_threads; ++i) workers_.emplace_back([this] { RpcWorker(); });
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
}

PeerSet::~PeerSet() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stop_ = true;
  }
  queue_cv_.notify_all();
  {
    std::lock_guard<std::mutex> lock(hb_mu_);
  }
  hb_cv_.notify_all();
  for (auto& t : workers_) t.join();
  heartbeat_.join();
}

int PeerSet::IndexOf(const std::string& id) const {
  size_t n = size();
  for (size_t i = 0; i < n; ++i) {
    if (ids_[i] == id) return static_cast<int>(i);
  }
  return -1;
}

int PeerSet::Ensure(const ringstore::Peer& peer) {
  std::lock_guard<std::mutex> lock(add_mu_);
  if (int i = IndexOf(peer.id); i >= 0) return i;
  if (size() >= kMaxPeers) return -1;
  auto p = std::make_unique<Peer>();
  p->id = peer.id;
  p->host = peer.host;
  p->port = peer.port;
  ids_.push_back(peer.id);
  peers_.push_back(std::move(p));
  count_.store(peers_.size(), std::memory_order_release);
  return static_cast<int>(peers_.size()) - 1;
}

void PeerSet::MarkSeen(Peer& p) {
  std::lock_guard<std::mutex> lock(p.mu);
  p.ever_seen = true;
  p.last_seen = Clock::now();
  p.down = false;
}

bool PeerSet::Healthy(int index) const {
  if (index == self_) return true;
  Peer& p = *peers_[index];
  std::lock_guard<std::mutex> lock(p.mu);
  return p.ever_seen && !p.down && Clock::now() - p.last_seen < healthy_within_;
}

bool PeerSet::Suspected(int index) const {
  if (index == self_) return false;
  Peer& p = *peers_[index];
  std::lock_guard<std::mutex> lock(p.mu);
  if (p.down) return true;
  return p.ever_seen && Clock::now() - p.last_seen >= healthy_within_;
}

RpcResult PeerSet::Call(int index, const std::string& path, const nlohmann::json& body,
                        std::chrono::milliseconds read_timeout) {
  Peer& p = *peers_[index];
  RpcResult r;
  std::unique_ptr<httplib::Client> client;
  bool probe = false;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    if (p.down && Clock::now() < p.down_until) {
      if (p.probing) {
        r.delivered = false;
        r.error = p.id + ": unreachable (recent failure; retrying shortly)";
        return r;
      }
      p.probing = probe = true;
    }
    if (!p.idle.empty()) {
      client = std::move(p.idle.back());
      p.idle.pop_back();
    }
  }
  if (!client) {
    client = std::make_unique<httplib::Client>(p.host, p.port);
    ConfigureHttpClient(*client, SecondsToMicros(timeout_s_));
  }
  if (read_timeout.count() > 0) {
    client->set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(read_timeout));
  }
  auto res = client->Post(path, body.dump(), "application/json");
  if (read_timeout.count() > 0) {
    client->set_read_timeout(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::duration<double>(timeout_s_)));
  }
  bool transport_ok = static_cast<bool>(res);
  if (transport_ok) {
    MarkSeen(p);
    if (res->status == 200) {
      auto parsed = ParseBoundedJson(res->body);
      r.ok = parsed.ok();
      if (r.ok) {
        r.body = std::move(*parsed);
      } else {
        r.error = p.id + ": unparsable reply (" + parsed.status().message() + ")";
      }
    } else {
      r.error = p.id + ": HTTP " + std::to_string(res->status) + " " + res->body.substr(0, 200);
    }
  } else {
    httplib::Error e = res.error();
    // Only a failed connect proves the request never arrived.
    r.delivered = e != httplib::Error::Connection;
    r.error = p.id + ": " + httplib::to_string(e);
  }
  std::lock_guard<std::mutex> lock(p.mu);
  if (probe) p.probing = false;
  if (transport_ok) {
    p.idle.push_back(std::move(client));
  } else {
    p.down = true;
    p.down_until = Clock::now() + kDownFor;
  }
  return r;
}

void PeerSet::CallAsync(int peer, std::string path, nlohmann::json body, std::function<void(RpcResult)> done) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    queue_.push_back([this, peer, path = std::move(path), body = std::move(body), done = std::move(done)] {
      done(Call(peer, path, body));
    });
  }
  queue_cv_.notify_one();
}

void PeerSet::RpcWorker() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

void PeerSet::HeartbeatLoop() {
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (;;) {
    size_t n = size();
    clients.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (static_cast<int>(i) == self_) continue;
      if (!clients[i]) {
        clients[i] = std::make_unique<httplib::Client>(peers_[i]->host, peers_[i]->port);
        ConfigureHttpClient(*clients[i], heartbeat_timeout_);
      }
      auto res = clients[i]->Get("/health");
      if (res && res->status == 200) {
        MarkSeen(*peers_[i]);
        std::lock_guard<std::mutex> lock(watcher_mu_);
        if (watcher_) {
          nlohmann::json health = nlohmann::json::parse(res->body, nullptr, false);
          if (health.is_object()) watcher_(static_cast<int>(i), health);
        }
      } else {
        clients[i].reset();
      }
    }
    std::unique_lock<std::mutex> lock(hb_mu_);
    if (hb_cv_.wait_for(lock, kHeartbeatEvery, [&] {
          std::lock_guard<std::mutex> q(queue_mu_);
          return stop_;
        })) {
      return;
    }
  }
}

void PeerSet::SetHeartbeatWatcher(std::function<void(int peer, const nlohmann::json& health)> watcher) {
  std::lock_guard<std::mutex> lock(watcher_mu_);
  watcher_ = std::move(watcher);
}

nlohmann::json PeerSet::SeenJson() const {
  nlohmann::json out = nlohmann::json::object();
  auto now = Clock::now();
  size_t n = size();
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<int>(i) == self_) continue;
    Peer& p = *peers_[i];
    std::lock_guard<std::mutex> lock(p.mu);
    nlohmann::json j;
    j["address"] = p.host + ":" + std::to_string(p.port);
    j["up"] = p.ever_seen && !p.down;
    j["last_seen_ms_ago"] = p.ever_seen
        ? nlohmann::json(std::chrono::duration_cast<std::chrono::milliseconds>(now - p.last_seen).count())
        : nlohmann::json(nullptr);
    out[p.id] = j;
  }
  return out;
}

}  // namespace faultline::ringstore
