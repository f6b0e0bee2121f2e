// EtcdTxn: how the etcd client runs a transaction (f "txn") — the pure part,
// without HTTP, so it is tested without a cluster.
//
// A txn's value is a list of micro-ops of either transactional workload, in
// any mix: list-append's ["append", k, v] and ["r", k, nil], rw-register's
// ["w", k, v] and ["r", k, nil]. It runs as an optimistic transaction of (at
// most) two requests to etcd's v3 JSON gateway:
//   1. read: one POST /v3/kv/txn with no compares whose success branch ranges
//      every key the txn touches, so all are read at one revision (etcd
//      serves it as a linearizable read);
//   2. commit, only when the txn writes: one POST /v3/kv/txn comparing every
//      touched key's mod_revision with what the read saw (an absent key:
//      version 0) and putting the new values. Compares that do not hold mean
//      another txn changed a key in between: nothing was put (a definite
//      fail). Comparing the keys that are only read, too, makes the reads
//      and the writes take effect at the commit's one revision, which is what
//      makes the txns strict serializable.
// Between the two, ApplyEtcdTxn runs the micro-ops on the snapshot locally:
// a read returns the key's current value (null when absent), so a read
// after the txn's own append or write sees it; an append adds v to the
// key's list (absent: [v]); a write replaces the value. Values are stored as
// their JSON text: a list-append key holds a JSON array, a register a JSON
// value.
//
// Keys live under "txn/" + the key's JSON text ("txn/3", "txn/\"a\""), apart
// from the register workload's "k<N>" keys. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

// The etcd key of a micro-op key: "txn/" + its JSON text.
std::string EtcdTxnKey(const json& key);

// The keys a txn touches: etcd keys, distinct, in the order first touched.
struct EtcdTxnPlan {
  std::vector<std::string> keys;
  bool writes = false;  // some append or w: a commit is needed
};

// Error: the value is not a non-empty list of [f, k, v] with f "append",
// "w" or "r" (the message says which micro-op and why).
Result<EtcdTxnPlan> PlanEtcdTxn(const json& mops);

// One key as the read request saw it.
struct EtcdKeyVersion {
  std::optional<json> value;  // nullopt: absent
  int64_t mod_revision = 0;   // 0 when absent
};

// What the read request returned: every planned key at one revision.
struct EtcdTxnSnapshot {
  int64_t revision = 0;
  std::map<std::string, EtcdKeyVersion> keys;
};

// The read request's body: ranges of every planned key.
json EtcdTxnReadRequest(const EtcdTxnPlan& plan);

// Parses the read request's answer. Error: the answer is not the gateway's
// txn response for these ranges, or a value is not JSON text.
Result<EtcdTxnSnapshot> ParseEtcdTxnRead(const json& body, const EtcdTxnPlan& plan);

// The micro-ops applied to a snapshot.
struct EtcdTxnApplied {
  json completion;                      // the micro-ops with every read's result
  std::map<std::string, json> writes;  // etcd key -> its new value
};

// Runs `mops` (which PlanEtcdTxn accepted) on `snapshot`. Error: an append
// to a key that holds something other than a list.
Result<EtcdTxnApplied> ApplyEtcdTxn(const json& mops, const EtcdTxnSnapshot& snapshot);

// The commit request's body: every planned key compared with its version
// in `snapshot`, then every write put.
json EtcdTxnCommitRequest(const EtcdTxnPlan& plan, const EtcdTxnSnapshot& snapshot,
                          const EtcdTxnApplied& applied);

// Whether the commit's answer says its compares held (proto3 JSON leaves
// out a false "succeeded").
bool EtcdTxnCommitted(const json& body);

}  // namespace faultline
