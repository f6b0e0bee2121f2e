// TxnLoad: the compact form of a transactional history — what the
// list-append and rw-register checkers (txn_check.h) work on — and the
// loader that builds it one op at a time, from a History in memory or
// streamed from a file (harness/history's HistorySink), so a checked file
// is never first a History of json ops (10,000,000 txns would be ~15 GB).
//
// Pairing: a txn is an invoke of f = "txn" and the next completion of its
// process (ok committed, fail did not, info and never-completed may have).
// Its micro-ops come from the completion when that carries a list (an ok's
// reads then have results), else from the invocation (reads unknown). Reads
// without results are kept aside only to show the txn (as reads of null).
// Other ops (nemesis, other f) are skipped. The loader is lenient about
// pairing (the history readers validate the process model).
//
// Keys: integers and strings, interned to ids (TxnHistory::keys keeps each
// as written, for messages). A key is its JSON value: the string "1" and the
// integer 1 are two keys, and "k\u0031" is the key "k1". Integer keys and
// strings without escapes are read from the text (the fast path, no json
// per micro-op); a string with escapes sends its op's value down the json
// path. true, false, null and floats are not keys (errors, as below).
//
// Errors, kept until Finish (one line "name:line: reason", the first txn
// with one, in invocation order, as a whole-history check words them): a
// txn value that is not a list of [f key value] micro-ops, a key that is
// not an integer or a string, a micro-op the model does not know, a
// malformed written value or read result. A TxnLoader is used once; not
// thread-safe. A TxnHistory is immutable once built and may be checked from
// several threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"
#include "harness/history/history_reader.h"

namespace faultline {
namespace txn {

inline constexpr uint32_t kNoTxn = 0xFFFFFFFFu;

// Which micro-ops the history holds: ["append", k, v] and ["r", k, list]
// (list-append), or ["w", k, v] and ["r", k, v] (rw-register).
enum class TxnModel { kListAppend, kRwRegister };

// One micro-op, compact: reads point into the shared element pool.
struct Mop {
  bool append = false;    // a write: list-append's append, rw-register's w
  bool null_read = false;
  uint32_t key = 0;
  int64_t value = 0;      // a write's value; rw-register: a read's value (unless null_read)
  uint32_t begin = 0;     // read: elements [begin, begin + len) of the pool
  uint32_t len = 0;
};

struct Txn {
  int64_t invoke_index = -1;    // the invocation's "index"
  int64_t complete_index = -1;  // the completion's (when completed)
  // Where each event is, for messages: > 0 a source line, else -(position
  // in the history) for histories without line numbers.
  int32_t invoke_at = 0, complete_at = 0;
  int64_t process = 0;
  uint32_t mop_begin = 0, mop_end = 0;  // its known micro-ops in TxnHistory::mops
  OpType type = OpType::kInfo;          // never completed: info
  bool completed = false;
};

// A read whose result is unknown: slot `slot` of txn `txn`'s micro-ops.
struct HiddenRead {
  uint32_t txn;
  uint32_t slot;
  uint32_t key;
};

struct TxnHistory {
  TxnModel model = TxnModel::kListAppend;
  std::string name = "history";  // for messages
  std::vector<Txn> txns;         // in invocation order; a txn's id is its position
  std::vector<std::pair<uint32_t, bool>> events;  // (txn, is completion) in history order
  std::vector<Mop> mops;
  std::vector<int64_t> pool;     // read results' elements
  std::vector<json> keys;        // key id -> the key as written
  std::vector<HiddenRead> hidden;  // sorted by (txn, slot)
  size_t ok = 0, info = 0, fail = 0;

  // "name:line" (or "name: event N") for a Txn::*_at.
  std::string Where(int32_t at) const;
  // Txn `id` as the history showed it: its micro-ops, results included,
  // reads without a known result as null.
  json TxnValue(uint32_t id) const;
};

// A parsed txn value: micro-ops, reads' elements in `pool`, or the error.
struct ParsedValue {
  std::vector<Mop> mops;
  std::vector<int64_t> pool;
  std::string error;  // the reason, without the place; empty: none
  void Clear() {
    mops.clear();
    pool.clear();
    error.clear();
  }
};

class TxnLoader : public HistorySink {
 public:
  TxnLoader(TxnModel model, std::string name);

  // JSON Lines fast path: a value of the usual shape (micro-ops whose keys
  // are integers or strings without escapes, values integers or lists of
  // integers) is parsed here without json; anything else (true, false, null
  // or a float as a key, which are errors; escapes) is left to the json
  // path, which also words the errors.
  bool TakeValue(std::string_view text) override;
  // Once a sixteenth of a big text (at least 4 MB) has been read, reserves
  // the big arrays for the whole text at the rate seen so far, plus a
  // margin (text and micro-ops grow together: reads' elements are written
  // out). A short estimate only means growing by doubling from there.
  void OnProgress(size_t done, size_t total) override;
  // Never fails: errors are kept for Finish.
  Status OnOp(Op&& op, int line, bool value_taken) override;
  // For a History in memory: op number `pos`, source line `line` (<= 0:
  // unknown, messages then say "event pos").
  void Add(const Op& op, size_t pos, int line);
  // The compact history, or the first txn's error. Consumes the loader.
  Result<TxnHistory> Finish();

 private:
  struct Pending {
    uint32_t txn;
    ParsedValue invoke;  // the invocation's micro-ops (reads unknown)
  };
  void AddOp(const Op& op, int32_t at, bool value_taken);
  void ParseJson(const json& v, bool reads, ParsedValue* out);
  bool ParseText(std::string_view text, ParsedValue* out);
  Result<uint32_t> Key(const json& k);
  uint32_t IntKey(int64_t k);
  uint32_t StringKey(std::string_view k);
  // Moves txn `id`'s micro-ops from `v` into the history (reads with their
  // results when `reads`), or keeps v's error placed at `at`.
  void Finalize(uint32_t id, ParsedValue* v, bool reads, int32_t at);

  TxnHistory h_;
  std::unordered_map<int64_t, uint32_t> open_;  // process -> slot in pending_
  std::vector<Pending> pending_;
  std::vector<uint32_t> free_;                  // unused slots of pending_
  ParsedValue taken_, scratch_;
  std::vector<uint32_t> small_keys_;            // key value -> key id, for keys 0..2^22
  std::unordered_map<int64_t, uint32_t> int_keys_;
  // String keys by their text: an open-addressed table of key ids (kNoTxn:
  // empty; a power of two, at most half full), probed linearly from the
  // text's hash. No string is built and nothing divides per micro-op.
  std::vector<uint32_t> str_slots_;
  std::vector<std::pair<size_t, std::string>> str_keys_;  // per string key: hash, text
  std::vector<uint32_t> str_ids_;                         // per string key: its key id
  uint32_t error_txn_ = kNoTxn;
  std::string error_;
  bool sized_ = false;  // OnProgress has reserved
};

// Loads `history`; `name` and `lines` (lines[i]: history[i]'s source line;
// may be null or short: then "event i") place its errors.
Result<TxnHistory> LoadTxnHistory(const History& history, TxnModel model, const std::string& name,
                                  const std::vector<int>* lines);

// Streams the file at `path` (any history format; errors as
// ReadHistoryFile's, then the loader's) into the compact form.
Result<TxnHistory> LoadTxnHistoryFile(const std::string& path, HistoryFormat format, TxnModel model);

}  // namespace txn
}  // namespace faultline
