// RingState: the ring configuration one ringstore node currently follows
// (RingConfig, ring_config.h), shared by the coordinator, the API and the
// membership changes, plus the progress of the transfer this node runs.
//
// A node adopts only newer epochs (Adopt), writes each adopted config to
// DATA_DIR/ring.json (fsynced, then renamed into place) before it uses it, and
// on restart starts from that file instead of its flags, so it never falls
// back to an older ring. Adopting a config makes every member a peer
// (PeerSet::Ensure), so a node learns joiners' addresses from the config.
//
// Thread safety: every method is safe from any thread; Current() hands out an
// immutable snapshot, so a round keeps one consistent ring throughout.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "targets/ringstore/peer_set.h"
#include "targets/ringstore/ring_config.h"

namespace faultline::ringstore {

class RingState {
 public:
  // Starts from DATA_DIR/ring.json when it exists, else from `initial`.
  // `provisional` (a node started with --join and no ring.json yet): the
  // first Adopt takes any epoch, since `initial` is only a placeholder.
  // Error: ring.json exists but cannot be read or parsed.
  static Result<std::unique_ptr<RingState>> Open(const std::string& data_dir, RingConfig initial, PeerSet* peers,
                                                 bool provisional = false);

  std::shared_ptr<const RingConfig> Current() const;
  // True while the ring is only the --join placeholder (nothing adopted
  // yet): the node must not serve, as a one-node "ring" of its own.
  bool provisional() const;
  uint64_t epoch() const { return Current()->epoch(); }
  // Adopts `config` when its epoch is above the current one: persists it,
  // adds its members as peers, then publishes it. With `tie_break` (lww and
  // eventual modes, whose changes are not agreed: two changers may make the
  // same epoch), a config of the current epoch whose Digest() is greater is
  // adopted too, so all nodes end on one config. Returns true when adopted
  // (false: not newer, nothing changed). Error: the file write failed (the
  // config is then not adopted).
  Result<bool> Adopt(const RingConfig& config, bool tie_break = false);
  // The current config's Digest() (for ring gossip).
  uint64_t digest() const;

  // Peer indexes of node ids (ids the PeerSet does not know are skipped).
  std::vector<int> PeerIndexes(const std::vector<std::string>& ids) const;
  // Peer indexes of the key's replicas under the current config (old and
  // new ones when joint), in ring order.
  std::vector<int> ReplicaPeers(std::string_view key) const { return PeerIndexes(Current()->Replicas(key)); }

  // Transfer progress (GET /ring "transfers"): set by the node running a
  // membership change.
  void SetTransfer(nlohmann::json transfer);
  nlohmann::json Transfer() const;

 private:
  RingState(std::string path, PeerSet* peers) : path_(std::move(path)), peers_(peers) {}
  std::string path_;
  PeerSet* peers_;
  mutable std::mutex mu_;
  std::shared_ptr<const RingConfig> current_;  // guarded by mu_
  uint64_t digest_ = 0;                        // current_->Digest(), guarded by mu_
  bool provisional_ = false;                   // guarded by mu_
  nlohmann::json transfer_ = nlohmann::json::array();  // guarded by mu_
};

}  // namespace faultline::ringstore
