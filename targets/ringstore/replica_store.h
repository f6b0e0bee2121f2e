// ReplicaStore: one node's durable per-key replica state, for every mode.
//
// Each key holds (promised ballot, accepted ballot, value). In paxos mode
// these are the CASPaxos acceptor's fields; in lww/eventual mode `accepted` is
// the write stamp of `value` and `promised` is unused. A null value means
// "absent". Every change is appended to a DurableLog (one record = the key's
// whole state) and is on disk before the call returns, and every call that
// reveals state waits until that state is durable, so nothing a reply depended
// on can be lost by a crash. Start-up replays the log.
//
// Thread safety: all methods are safe from any thread; one mutex guards the
// map and orders the log (held only for the in-memory step, never across the
// fsync wait).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "targets/ringstore/ballot.h"
#include "targets/ringstore/durable_log.h"

namespace faultline::ringstore {

struct PrepareReply {
  bool ok = false;       // promised
  Ballot promised;       // the acceptor's promise after the call
  Ballot accepted;       // valid when ok
  nlohmann::json value;  // valid when ok
};

struct AcceptReply {
  bool ok = false;
  Ballot promised;
};

struct Stamped {
  Ballot stamp;
  nlohmann::json value;
};

class ReplicaStore {
 public:
  // Opens DIR/replica.log (the directory must exist). Error: I/O failure,
  // or a log corrupt before its tail (DurableLog::Open). fsync: see
  // DurableLog (false only for ringstore --fsync never).
  static Result<std::unique_ptr<ReplicaStore>> Open(const std::string& dir,
                                                   uint64_t compact_min_bytes = 32ull << 20, bool fsync = true);

  // CASPaxos acceptor. A failed durable write returns a Status error (the
  // caller reports it as an unreachable replica).
  Result<PrepareReply> Prepare(const std::string& key, const Ballot& ballot);
  // When `next_promise` is given (and above `ballot`), a successful accept
  // also promises it, in the same durable record: CASPaxos's piggybacked
  // prepare, so the same proposer's next round on the key may skip phase 1.
  Result<AcceptReply> Accept(const std::string& key, const Ballot& ballot, const nlohmann::json& value,
                             const Ballot* next_promise = nullptr);

  // LWW: the value and its stamp (zero stamp, null value when absent).
  Result<Stamped> Read(const std::string& key);
  // Stores (stamp, value) when stamp is newer than the stored one. Returns
  // whether it was applied.
  Result<bool> WriteIfNewer(const std::string& key, const Ballot& stamp, const nlohmann::json& value);
  struct StampedEntry {
    std::string key;
    Ballot stamp;
    nlohmann::json value;
  };
  // WriteIfNewer of each entry, durable together (one log sync for the
  // batch: a membership hand-off stores hundreds of keys). Returns how many
  // were applied.
  Result<size_t> WriteAllIfNewer(const std::vector<StampedEntry>& entries);

  // Highest ballot counter seen in any promise (so a restarted proposer starts above it).
  uint64_t MaxCounter() const;
  size_t keys() const;
  // Every stored key (a membership change copies the ones that move).
  std::vector<std::string> KeyList() const;
  const DurableLog& log() const { return *log_; }

 private:
  struct KeyState {
    Ballot promised;
    Ballot accepted;
    nlohmann::json value;
  };
  ReplicaStore() = default;
  static std::string Encode(const std::string& key, const KeyState& s);
  static bool Decode(std::string_view payload, std::string* key, KeyState* s);
  std::string Snapshot();
  // Appends the key's state (mu_ held); returns the log sequence.
  uint64_t LogLocked(const std::string& key, const KeyState& s);
  Status Durable(uint64_t seq);

  mutable std::mutex mu_;
  std::unordered_map<std::string, KeyState> state_;
  uint64_t max_counter_ = 0;
  std::unique_ptr<DurableLog> log_;
};

}  // namespace faultline::ringstore
