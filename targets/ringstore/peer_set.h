// PeerSet: RPCs from this ringstore node to the other nodes (JSON over HTTP).
//
// - Every call has a deadline (Config::rpc_timeout_s, ~1 s): a paused or
//   partitioned peer costs a coordinator at most that, never a hang.
// - Connections are kept alive and reused: each peer has a pool of idle
//   clients; a client that saw an error is dropped, not reused.
// - Calls run on a fixed pool of RPC threads (CallAsync), so a coordinator can
//   ask all replicas at once and go on as soon as a quorum answered.
// - A peer whose last call failed at the transport level is "down": calls to it
//   fail fast for a short while (one probe at a time is let through), so a
//   dead peer does not tie up RPC threads. A heartbeat thread polls every
//   peer's /health and marks it up again as soon as it answers.
//
// - Each heartbeat answer is handed to a watcher (SetHeartbeatWatcher): the
//   node learns its peers' ring epochs from them (see node_api.cc).
//
// - The set grows while serving (Ensure): a node learns joiners from ring
//   configurations. Peers are never removed (a departed node's slot stays,
//   unused); slots are preallocated (kMaxPeers) so indexes and references
//   stay valid while others are added.
//
// Thread safety: all methods are safe from any thread. httplib is included
// only by peer_set.cc.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "targets/ringstore/config.h"

namespace faultline::ringstore {

// The outcome of one RPC. `delivered` is false only when the request
// certainly never reached the peer (connection refused, peer marked down),
// which lets writers report a definite failure.
struct RpcResult {
  bool ok = false;
  bool delivered = true;
  nlohmann::json body;  // when ok
  std::string error;    // when !ok: "n2: connection refused"
};

class PeerSet {
 public:
  explicit PeerSet(const Config& config, int rpc_threads = 96);
  ~PeerSet();
  PeerSet(const PeerSet&) = delete;
  PeerSet& operator=(const PeerSet&) = delete;

  static constexpr size_t kMaxPeers = 256;

  // Index of peer `id`, -1 if unknown.
  int IndexOf(const std::string& id) const;
  // Index of `peer`, added when unknown (its address is not updated when
  // known). -1 when kMaxPeers are known already.
  int Ensure(const ringstore::Peer& peer);
  int self() const { return self_; }
  size_t size() const { return count_.load(std::memory_order_acquire); }
  const std::string& id(int peer) const { return ids_[peer]; }

  // POSTs `body` to `path` on `peer`; blocks up to the RPC timeout, or up to
  // `read_timeout` for the reply when that is non-zero (a forwarded client
  // command may legitimately take longer than one acceptor RPC).
  RpcResult Call(int peer, const std::string& path, const nlohmann::json& body,
                 std::chrono::milliseconds read_timeout = std::chrono::milliseconds(0));
  // True for this node, and for a peer that answered a heartbeat or RPC within
  // the last ~0.35 s and whose last call did not fail at the transport level.
  // A paused or partitioned peer turns unhealthy within about that long.
  bool Healthy(int peer) const;
  // True when there is evidence the peer is unreachable now: it was seen
  // before but not within that window, or its last call failed. A peer never
  // seen yet (start-up) is not suspected.
  bool Suspected(int peer) const;
  // The same on an RPC thread; `done` runs there.
  void CallAsync(int peer, std::string path, nlohmann::json body, std::function<void(RpcResult)> done);

  // Calls `watcher(peer, body)` on the heartbeat thread with the body of
  // every /health answer (nullptr: none). The watcher may block for a
  // bounded time (it delays the next heartbeats); SetHeartbeatWatcher
  // returns only once no call of the previous watcher is running, so an
  // owner can clear it before what the watcher uses is destroyed.
  void SetHeartbeatWatcher(std::function<void(int peer, const nlohmann::json& health)> watcher);

  // {"n2": {"address": "...", "up": true, "last_seen_ms_ago": 120}, ...}
  // (this node excluded; last_seen_ms_ago is null when never seen).
  nlohmann::json SeenJson() const;

 private:
  struct Peer;
  void HeartbeatLoop();
  void RpcWorker();
  void MarkSeen(Peer& p);

  // Reserved to kMaxPeers: push_back never reallocates, and readers only
  // touch slots below count_ (published after the slot is filled).
  std::vector<std::unique_ptr<Peer>> peers_;
  std::vector<std::string> ids_;
  std::atomic<size_t> count_{0};
  std::mutex add_mu_;  // serialises Ensure
  int self_ = -1;
  double timeout_s_;
  std::chrono::milliseconds heartbeat_timeout_;
  std::chrono::milliseconds healthy_within_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
  std::thread heartbeat_;
  std::mutex hb_mu_;
  std::condition_variable hb_cv_;
  std::mutex watcher_mu_;  // held while the watcher runs
  std::function<void(int, const nlohmann::json&)> watcher_;  // guarded by watcher_mu_
};

}  // namespace faultline::ringstore
