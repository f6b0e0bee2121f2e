// Coordinator: how a ringstore node carries out a client command against the
// key's replicas. One implementation per --mode:
//   paxos    (paxos_coordinator.cc)    CASPaxos per key: linearizable.
//   lww      (lww_coordinator.cc)      quorum reads/writes, wall-clock last-write-wins.
//   eventual (eventual_coordinator.cc) local reads/writes, asynchronous replication.
//
// Every node runs the same coordinator; HandleInternal serves the node-to-node
// RPCs of that mode (POST /internal/...), both for peers over HTTP and for
// this node's own coordinator in-process.
//
// Thread safety: Execute and HandleInternal are called concurrently from many
// server threads.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "targets/ringstore/command.h"
#include "targets/ringstore/config.h"
#include "targets/ringstore/hash_ring.h"
#include "targets/ringstore/ring_state.h"
#include "targets/ringstore/peer_set.h"
#include "targets/ringstore/replica_store.h"

namespace faultline::ringstore {

class Coordinator {
 public:
  virtual ~Coordinator() = default;
  virtual Outcome Execute(const Command& cmd) = 0;
  // Error: unknown path or malformed body (the server answers 400).
  virtual Result<nlohmann::json> HandleInternal(const std::string& path, const nlohmann::json& body) = 0;
  // Mode-specific figures for GET /status.
  virtual nlohmann::json Stats() const { return nlohmann::json::object(); }
};

// What every coordinator works with; all outlive the coordinator.
struct NodeContext {
  const Config* config;
  RingState* ring;  // the ring configuration this node follows (changes while serving)
  ReplicaStore* store;
  PeerSet* peers;
  std::chrono::milliseconds rpc_timeout() const {
    return std::chrono::milliseconds(static_cast<int64_t>(config->rpc_timeout_s * 1000));
  }
};

std::unique_ptr<Coordinator> MakePaxosCoordinator(const NodeContext& ctx);
std::unique_ptr<Coordinator> MakeLwwCoordinator(const NodeContext& ctx);
std::unique_ptr<Coordinator> MakeEventualCoordinator(const NodeContext& ctx);
std::unique_ptr<Coordinator> MakeCoordinator(const NodeContext& ctx);  // by config->mode

// Nanoseconds since the epoch from clock_gettime(CLOCK_REALTIME): the one
// place ringstore reads wall-clock time, so an LD_PRELOADed libfaketime
// shifts every stamp.
uint64_t WallClockNanos();

}  // namespace faultline::ringstore
