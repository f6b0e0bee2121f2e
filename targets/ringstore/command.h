// Command and Outcome: one client operation on ringstore, and its answer.
//
// A Command is what the HTTP API asked for; ApplyChange is the operation as a
// CASPaxos "change function": given the key's current value it returns the new
// value and the answer. Every mode applies commands through it, so the
// semantics of read/write/cas/append/set-add/counter-add are identical
// everywhere;
// only where the current value comes from differs. Pure functions, no state.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace faultline::ringstore {

// kAppend appends an element to the list a kv key holds (null = empty list):
// list-append transactions of one micro-op read that list back with kRead.
enum class Op { kRead, kWrite, kCas, kSetAdd, kSetRead, kCounterAdd, kCounterRead, kAppend };
inline constexpr Op kLastOp = Op::kAppend;

struct Command {
  Op op = Op::kRead;
  std::string key;      // the user's key: placement uses it
  nlohmann::json arg;   // write: value; cas: [expected, new]; append, set-add: element;
                        // counter-add: delta
  // Set only by membership changes (membership.h), never from the API or a
  // forwarded command:
  //   storage_key  the replica-store key, when not derived from op and key
  //                ("ring/config" for the configuration itself; a stored
  //                "set/K" copied during a transfer);
  //   write_back   run the accept phase even when nothing changed: the
  //                read-and-write-back that copies a key to its new replicas;
  //   quorum_sets  when non-empty, the replica sets (node ids) whose
  //                majorities the round needs, instead of the key's.
  std::string storage_key;
  bool write_back = false;
  std::vector<std::vector<std::string>> quorum_sets;

  // The key in the replica store: "kv/", "set/" or "counter/" + key, so the
  // three data types never collide (or storage_key when set).
  std::string StorageKey() const;
  bool ReadOnly() const { return op == Op::kRead || op == Op::kSetRead || op == Op::kCounterRead; }
};

// The answer to a client. status 200 => body is {"value": ...} or {"ok": true, ...};
// otherwise body is {"error": "...", "definite": bool}.
struct Outcome {
  int status = 200;
  nlohmann::json body;

  static Outcome Ok(nlohmann::json body) { return Outcome{200, std::move(body)}; }
  // definite: the operation certainly did not and will not take effect.
  static Outcome Error(int status, const std::string& message, bool definite);
  bool ok() const { return status == 200; }
};

struct Change {
  bool changed = false;    // new_value differs from the current value
  nlohmann::json new_value;
  Outcome outcome;
};

// The change function of `cmd` applied to `current` (null = absent).
Change ApplyChange(const Command& cmd, const nlohmann::json& current);

// Command and JSON for forwarding a command to another node.
nlohmann::json CommandToJson(const Command& cmd);
bool CommandFromJson(const nlohmann::json& j, Command* out);

}  // namespace faultline::ringstore
