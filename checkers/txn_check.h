// TxnCheck: what the transactional checkers (list-append, rw-register)
// share: pairing txn ops into transactions (ok committed, fail did not, info
// and never-completed may have), interning keys, the index of which txn
// wrote each (key, value), per-process and real-time edges, the cycle search
// (txn_graph.h), the verdict against the consistency models
// (consistency_models.h) and the result format (list_append.h documents
// it). A checker derives from TxnCheck and supplies the micro-op parsing,
// the data edges and anomalies it infers, and why each data edge holds.
// One TxnCheck per check; not thread-safe itself.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checkers/checker.h"
#include "checkers/txn_graph.h"
#include "harness/core/status.h"

namespace faultline {

struct TxnCheckOptions {
  std::vector<std::string> consistency_models = {"strict-serializable"};
  double time_limit_s = 0;      // 0 = none
  size_t memory_limit_mb = 0;   // 0 = 3/4 of physical memory
  // For error messages: the history's name and each event's source line
  // (lines[i] for history[i]; may be null/short: then "event i").
  std::string name = "history";
  const std::vector<int>* lines = nullptr;
  size_t max_reported = 8;      // anomalies shown per type (all are counted)
  uint64_t max_search_steps = 2'000'000'000;  // cycle-search edge visits before answering unknown
};

// The explanation of any TxnCheck result: one line per anomaly type, then
// each anomaly's txns and steps (no trailing newline; empty when there is
// nothing to say).
std::string ExplainTxnCheck(const CheckResult& result);

namespace txn {

inline constexpr uint32_t kNoTxn = 0xFFFFFFFFu;

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
  size_t invoke = 0;          // history position of the invocation
  size_t complete = SIZE_MAX; // position of the completion (SIZE_MAX: never)
  OpType type = OpType::kInfo;
  int64_t process = 0;
  uint32_t mop_begin = 0, mop_end = 0;
};

// (key, value) -> the txn that wrote it; open addressing.
class WriterMap {
 public:
  struct Slot {
    int64_t value;
    uint32_t key;
    uint32_t txn = kNoTxn;  // kNoTxn: empty
    bool last = false;      // the txn's final write to this key
    bool observed = false;  // some ok read saw it (list-append: in the version order)
  };
  void Reserve(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }
  // The slot for (key, value): empty (txn == kNoTxn) when not present.
  Slot* Find(uint32_t key, int64_t value) {
    uint64_t h = (static_cast<uint64_t>(value) * 0x9E3779B97F4A7C15ull) ^ (key * 0xC2B2AE3D27D4EB4Full);
    h ^= h >> 29;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.txn == kNoTxn || (s.key == key && s.value == value)) return &s;
    }
  }
  const Slot* Get(uint32_t key, int64_t value) const {
    const Slot* s = const_cast<WriterMap*>(this)->Find(key, value);
    return s->txn == kNoTxn ? nullptr : s;
  }

 private:
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// "[1 2 3]"; long lists shortened to their ends and a count.
std::string ListText(const int64_t* e, size_t n);

class TxnCheck {
 public:
  TxnCheck(const History& h, const TxnCheckOptions& o) : h_(h), o_(o) {}
  virtual ~TxnCheck() = default;
  // Error: an unknown consistency model or bad input (one line naming the place).
  Result<CheckResult> Run();

 protected:
  virtual const char* model() const = 0;
  // Fills `op` (its key is set) from micro-op m = [f, k, v]; `reads`: the txn
  // is ok, so reads returned values. *keep = false drops the micro-op.
  // Error: the reason, without the place.
  virtual Status ParseMop(const std::string& f, const json& m, bool reads, Mop* op, bool* keep) = 0;
  // Adds the data edges (ww, wr, rw) and Report()s non-cycle anomalies.
  virtual void Infer(TxnGraphBuilder* b) = 0;
  // Why a ww/wr/rw step holds, and its key (null when unknown).
  virtual std::pair<std::string, json> WhyData(const CycleStep& s) const = 0;

  std::string Where(size_t pos) const;
  size_t TxnPos(uint32_t id) const;
  std::string Name(uint32_t id) const;
  std::string KeyText(uint32_t k) const;
  json TxnJson(uint32_t id) const;
  // Counts an anomaly of `type` and keeps the first max_reported.
  void Report(const std::string& type, std::vector<uint32_t> ids, const std::string& why);

  const History& h_;
  const TxnCheckOptions& o_;
  std::vector<Txn> txns_;
  std::vector<std::pair<uint32_t, bool>> events_;  // (txn, is completion) in history order
  std::vector<Mop> mops_;
  std::vector<int64_t> pool_;
  std::vector<json> key_json_;
  WriterMap writers_;

 private:
  Result<uint32_t> Key(const json& k);
  Status ParseMops(const json& v, bool reads, size_t pos, Txn* t);
  Status Collect();
  Status IndexWriters();
  void ProcessEdges(TxnGraphBuilder* b);
  void RealtimeEdges(TxnGraphBuilder* b);
  std::pair<std::string, json> WhyStep(const CycleStep& s) const;
  void AddCycle(const FoundCycle& c);

  std::vector<uint32_t> small_keys_;  // key value -> key id, for keys 0..2^22
  std::unordered_map<int64_t, uint32_t> int_keys_;
  std::unordered_map<std::string, uint32_t> str_keys_;
  size_t n_ok_ = 0, n_info_ = 0, n_fail_ = 0;
  json counts_ = json::object();
  json anomalies_ = json::object();
};

}  // namespace txn
}  // namespace faultline
