// TxnCheck: what the transactional checkers (list-append, rw-register)
// share, over the compact history of txn_load.h (txns paired, keys
// interned, micro-ops parsed): the index of which txn wrote each (key,
// value), per-process and real-time edges, the cycle search (txn_graph.h),
// the verdict against the consistency models (consistency_models.h) and the
// result format (list_append.h documents it). A checker derives from
// TxnCheck and supplies the data edges and anomalies it infers, and why
// each data edge holds. One TxnCheck per check; not thread-safe itself.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "checkers/checker.h"
#include "checkers/txn_graph.h"
#include "checkers/txn_load.h"
#include "harness/core/huge_pages.h"
#include "harness/core/status.h"

namespace faultline {

struct TxnCheckOptions {
  std::vector<std::string> consistency_models = {"strict-serializable"};
  double time_limit_s = 0;      // 0 = none
  size_t memory_limit_mb = 0;   // 0 = 3/4 of physical memory
  // For error messages when checking a History: its name and each event's
  // source line (lines[i] for history[i]; may be null/short: then "event
  // i"). A TxnHistory carries its own.
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
    AssignHuge(&slots_, cap, Slot{});
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

inline constexpr uint32_t kNoMop = 0xFFFFFFFFu;

// An ok txn whose first micro-op on a key is the read mops[mop], and which
// later writes that key: the material of lost-update.
struct ReadThenWrite {
  uint32_t txn;
  uint32_t mop;
};

class TxnCheck {
 public:
  TxnCheck(const TxnHistory& h, const TxnCheckOptions& o)
      : th_(h), o_(o), txns_(h.txns), events_(h.events), mops_(h.mops), pool_(h.pool), key_json_(h.keys) {}
  virtual ~TxnCheck() = default;
  // Error: an unknown consistency model or a value written twice to a key
  // (one line naming the place).
  Result<CheckResult> Run();

 protected:
  virtual const char* model() const = 0;
  // Adds the data edges (ww, wr, rw) and Report()s non-cycle anomalies.
  virtual void Infer(TxnGraphBuilder* b) = 0;
  // Why a ww/wr/rw step holds, and its key (null when unknown).
  virtual std::pair<std::string, json> WhyData(const CycleStep& s) const = 0;

  std::string Name(uint32_t id) const;
  std::string KeyText(uint32_t k) const;
  json TxnJson(uint32_t id) const;
  // Counts an anomaly of `type` and keeps the first max_reported.
  void Report(const std::string& type, std::vector<uint32_t> ids, const std::string& why);
  // Elle's lost-update: two or more committed txns read the same version of
  // a key (the same value, or the same list) and each then wrote that key.
  // One anomaly per (key, version) with all of its txns.
  void ReportLostUpdates(std::vector<ReadThenWrite> candidates);
  // A read's result as text: "nil", a list, or a register's value.
  std::string ReadText(const Mop& m) const;

  const TxnHistory& th_;
  const TxnCheckOptions& o_;
  const std::vector<Txn>& txns_;
  const std::vector<std::pair<uint32_t, bool>>& events_;  // (txn, is completion) in history order
  const std::vector<Mop>& mops_;
  const std::vector<int64_t>& pool_;
  const std::vector<json>& key_json_;
  WriterMap writers_;

 private:
  Status IndexWriters();
  void ProcessEdges(TxnGraphBuilder* b);
  void RealtimeEdges(TxnGraphBuilder* b);
  std::pair<std::string, json> WhyStep(const CycleStep& s) const;
  void AddCycle(const FoundCycle& c);

  json counts_ = json::object();
  json anomalies_ = json::object();
};

}  // namespace txn
}  // namespace faultline
