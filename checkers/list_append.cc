#include "checkers/list_append.h"

#include <algorithm>
#include <vector>

#include "checkers/consistency_models.h"
#include "checkers/txn_check.h"
#include "checkers/txn_checker.h"

namespace faultline {
namespace {

using txn::kNoMop;
using txn::kNoTxn;
using txn::ReadThenWrite;
using txn::ListText;
using txn::Mop;
using txn::Txn;
using txn::WriterMap;

// The list-append inference: version orders from the longest reads, and
// the edges and anomalies they imply (list_append.h).
class ListAppendCheck : public txn::TxnCheck {
 public:
  using TxnCheck::TxnCheck;

 private:
  const char* model() const override { return "list-append"; }

  void Infer(TxnGraphBuilder* b) override {
    VersionOrders();
    Internal();
    DataEdges(b);
    ReportLostUpdates(lost_update_);
  }

  void VersionOrders() {
    longest_.assign(key_json_.size(), {kNoTxn, 0});
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      if (txns_[id].type != OpType::kOk) continue;
      for (uint32_t i = txns_[id].mop_begin; i < txns_[id].mop_end; ++i) {
        const Mop& m = mops_[i];
        if (m.append) continue;
        auto& best = longest_[m.key];
        if (best.first == kNoTxn || m.len > mops_[best.second].len) best = {id, i};
      }
    }
    // Every read must be a prefix of the longest.
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      if (txns_[id].type != OpType::kOk) continue;
      for (uint32_t i = txns_[id].mop_begin; i < txns_[id].mop_end; ++i) {
        const Mop& m = mops_[i];
        if (m.append || m.len == 0) continue;
        const Mop& l = mops_[longest_[m.key].second];
        if (std::equal(pool_.begin() + m.begin, pool_.begin() + m.begin + m.len, pool_.begin() + l.begin)) continue;
        uint32_t other = longest_[m.key].first;
        Report("incompatible-order", {id, other},
               "key " + KeyText(m.key) + ": " + Name(id) + " read " + ListText(&pool_[m.begin], m.len) + " but " +
                   Name(other) + " read " + ListText(&pool_[l.begin], l.len) +
                   "; neither is a prefix of the other, so no single version order explains both");
        Duplicates(id, m);
        incompatible_.push_back(i);
      }
    }
    std::sort(incompatible_.begin(), incompatible_.end());
    for (uint32_t k = 0; k < longest_.size(); ++k) {
      if (longest_[k].first != kNoTxn) Duplicates(longest_[k].first, mops_[longest_[k].second]);
    }
  }

  void Duplicates(uint32_t id, const Mop& m) {
    std::vector<int64_t> v(pool_.begin() + m.begin, pool_.begin() + m.begin + m.len);
    std::sort(v.begin(), v.end());
    auto dup = std::adjacent_find(v.begin(), v.end());
    if (dup == v.end()) return;
    Report("duplicate-elements", {id},
           Name(id) + " read key " + KeyText(m.key) + " = " + ListText(&pool_[m.begin], m.len) + ", which holds " +
               std::to_string(*dup) + " more than once");
  }

  // A txn's reads must agree with its own earlier reads and appends (else
  // internal); none may hold an element the txn appends only later (else
  // future-read). Collects each ok txn's external read of a key it then
  // appends to, for lost-update.
  void Internal() {
    struct KeyState {
      uint32_t key;
      bool has_read = false;
      bool wrote = false;
      uint32_t external_read = kNoMop;  // the first micro-op on the key, when it is a read
      std::vector<int64_t> known;    // the last read, then our appends
      std::vector<int64_t> appends;  // appends before any read
    };
    std::vector<KeyState> st;
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      const Txn& t = txns_[id];
      if (t.type != OpType::kOk || t.mop_end - t.mop_begin < 2) continue;
      st.clear();
      for (uint32_t i = t.mop_begin; i < t.mop_end; ++i) {
        const Mop& m = mops_[i];
        KeyState* s = nullptr;
        for (auto& x : st) {
          if (x.key == m.key) s = &x;
        }
        if (!s) {
          st.emplace_back();
          s = &st.back();
          s->key = m.key;
        }
        if (m.append) {
          (s->has_read ? s->known : s->appends).push_back(m.value);
          if (s->has_read) FutureRead(id, i);
          if (s->external_read != kNoMop && !s->wrote) lost_update_.push_back({id, s->external_read});
          s->wrote = true;
          continue;
        }
        if (!s->has_read && s->appends.empty()) s->external_read = i;
        const int64_t* r = pool_.data() + m.begin;
        bool good;
        std::string expected;
        if (s->has_read) {
          good = m.len == s->known.size() && std::equal(r, r + m.len, s->known.begin());
          expected = ListText(s->known.data(), s->known.size());
        } else {
          good = m.len >= s->appends.size() && std::equal(s->appends.begin(), s->appends.end(), r + m.len - s->appends.size());
          expected = "a list ending in " + ListText(s->appends.data(), s->appends.size());
        }
        if (!good) {
          Report("internal", {id},
                 Name(id) + " read key " + KeyText(m.key) + " = " + ListText(r, m.len) + " but its own earlier " +
                     "micro-ops imply " + expected);
        }
        s->has_read = true;
        s->known.assign(r, r + m.len);
      }
    }
  }

  // The append at mops_[i] of ok txn `id`: a future read when one of the
  // txn's earlier reads of that key already held the appended element.
  void FutureRead(uint32_t id, uint32_t i) {
    const Mop& a = mops_[i];
    for (uint32_t j = txns_[id].mop_begin; j < i; ++j) {
      const Mop& r = mops_[j];
      if (r.append || r.key != a.key) continue;
      if (std::find(pool_.begin() + r.begin, pool_.begin() + r.begin + r.len, a.value) == pool_.begin() + r.begin + r.len) {
        continue;
      }
      Report("future-read", {id},
             Name(id) + " read key " + KeyText(a.key) + " = " + ListText(&pool_[r.begin], r.len) + ", which holds " +
                 std::to_string(a.value) + ", before it appended " + std::to_string(a.value) + " itself");
      return;
    }
  }

  void DataEdges(TxnGraphBuilder* b) {
    // ww along each key's version order; G1a where a failed txn's write
    // shows, garbage reads where an element no txn appended does.
    first_failed_.assign(key_json_.size(), UINT32_MAX);
    first_garbage_.assign(key_json_.size(), UINT32_MAX);
    for (uint32_t k = 0; k < longest_.size(); ++k) {
      if (longest_[k].first == kNoTxn) continue;
      const Mop& l = mops_[longest_[k].second];
      uint32_t prev = kNoTxn;
      uint32_t failed_at = UINT32_MAX;  // position of the failed append a committed one may follow
      for (uint32_t p = 0; p < l.len; ++p) {
        WriterMap::Slot* w = writers_.Find(k, pool_[l.begin + p]);
        if (w->txn != kNoTxn) w->observed = true;
        uint32_t cur = w->txn;
        if (cur == kNoTxn && first_garbage_[k] == UINT32_MAX) first_garbage_[k] = p;
        if (cur != kNoTxn && txns_[cur].type == OpType::kFail) {
          if (first_failed_[k] == UINT32_MAX) first_failed_[k] = p;
          // As Elle: the earliest failed append of a run of them is named
          // (the widest range); info writers may have committed or not, so
          // neither end a run nor make one a dirty update.
          if (failed_at == UINT32_MAX) failed_at = p;
          cur = kNoTxn;
        } else if (cur != kNoTxn && txns_[cur].type == OpType::kOk && failed_at != UINT32_MAX) {
          DirtyUpdate(k, failed_at, p);
          failed_at = UINT32_MAX;
        }
        if (prev != kNoTxn && cur != kNoTxn) b->Add(prev, cur, kEdgeWW);
        prev = cur;
      }
    }
    // Appends no read saw still follow every version some read
    // saw (lists only grow): the last observed writer ww-> them, and every
    // read of the whole version order rw-> them. Without these edges a
    // history whose only evidence is an unread append would pass.
    // Info txns count too: one with no write seen has no out-edges (no
    // completion, no later process txn), so it can only be on a cycle if
    // some read saw one of its writes, i.e. if it committed.
    unobserved_.assign(key_json_.size(), {});
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      if (txns_[id].type == OpType::kFail) continue;
      for (uint32_t i = txns_[id].mop_begin; i < txns_[id].mop_end; ++i) {
        const Mop& m = mops_[i];
        if (!m.append || writers_.Get(m.key, m.value)->observed || longest_[m.key].first == kNoTxn) continue;
        auto& u = unobserved_[m.key];
        if (u.empty() || u.back() != id) u.push_back(id);
        if (uint32_t lw = LastObservedWriter(m.key); lw != kNoTxn) b->Add(lw, id, kEdgeWW);
      }
    }
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      if (txns_[id].type != OpType::kOk) continue;
      for (uint32_t i = txns_[id].mop_begin; i < txns_[id].mop_end; ++i) {
        const Mop& m = mops_[i];
        if (m.append) continue;
        if (m.len == mops_[longest_[m.key].second].len) {
          // (Also to the writer of the read's last element when the read
          // was intermediate: with the wr edge that is the G-single Elle
          // reports beside the G1b.)
          for (uint32_t w : unobserved_[m.key]) b->Add(id, w, kEdgeRW);
        }
        Garbage(id, i);
        if (m.len > first_failed_[m.key]) {
          int64_t e = pool_[mops_[longest_[m.key].second].begin + first_failed_[m.key]];
          uint32_t w = writers_.Get(m.key, e)->txn;
          Report("G1a", {id, w},
                 Name(id) + " read key " + KeyText(m.key) + " = " + ListText(&pool_[m.begin], m.len) + ", which holds " +
                     std::to_string(e) + ", appended by " + Name(w) + ", which failed (did not commit)");
        }
        if (m.len > 0) {
          int64_t e = pool_[m.begin + m.len - 1];
          const WriterMap::Slot* w = writers_.Get(m.key, e);
          if (w && w->txn != id && txns_[w->txn].type != OpType::kFail) {
            b->Add(w->txn, id, kEdgeWR);
            if (!w->last) {
              Report("G1b", {id, w->txn},
                     Name(id) + " read key " + KeyText(m.key) + " = " + ListText(&pool_[m.begin], m.len) + ", ending in " +
                         std::to_string(e) + ", an intermediate append of " + Name(w->txn) +
                         ", which appended to that key again later");
            }
          }
        }
        const Mop& l = mops_[longest_[m.key].second];
        if (m.len < l.len) {
          const WriterMap::Slot* w = writers_.Get(m.key, pool_[l.begin + m.len]);
          // An intermediate read's writer also wrote the next element: this
          // rw edge and the wr edge form a G-single, reported beside the
          // G1b as Elle does.
          if (w && w->txn != id && txns_[w->txn].type != OpType::kFail) b->Add(id, w->txn, kEdgeRW);
        }
      }
    }
  }

  // Key k's version order has a failed txn's append at `from` and a
  // committed txn's at `to`, with only failed or info appends (or garbage)
  // between: the committed write built on state that was aborted (Elle's
  // dirty-update; txns: the failed one, the committed one).
  void DirtyUpdate(uint32_t k, uint32_t from, uint32_t to) {
    const Mop& l = mops_[longest_[k].second];
    int64_t ef = pool_[l.begin + from], ec = pool_[l.begin + to];
    uint32_t failed = writers_.Get(k, ef)->txn, committed = writers_.Get(k, ec)->txn;
    Report("dirty-update", {failed, committed},
           "key " + KeyText(k) + ": " + Name(committed) + ", which committed, appended " + std::to_string(ec) +
               " after " + std::to_string(ef) + ", appended by " + Name(failed) +
               ", which failed (did not commit); the version order " + ListText(&pool_[l.begin + from], to - from + 1) +
               " promotes aborted state into committed state");
  }

  // A read holding an element that no txn in the history appended to its
  // key (Elle's garbage read: no write could have produced it).
  void Garbage(uint32_t id, uint32_t i) {
    const Mop& m = mops_[i];
    size_t bad = m.len;
    if (std::binary_search(incompatible_.begin(), incompatible_.end(), i)) {
      for (size_t p = 0; p < m.len && bad == m.len; ++p) {
        if (!writers_.Get(m.key, pool_[m.begin + p])) bad = p;
      }
    } else if (m.len > first_garbage_[m.key]) {
      bad = first_garbage_[m.key];  // a prefix of the version order: the same element
    }
    if (bad == m.len) return;
    int64_t e = pool_[m.begin + bad];
    Report("garbage-read", {id},
           Name(id) + " read key " + KeyText(m.key) + " = " + ListText(&pool_[m.begin], m.len) + ", which holds " +
               std::to_string(e) + ", but no txn in the history appended " + std::to_string(e) + " to " +
               KeyText(m.key));
  }

  // The writer of the last element of k's version order (kNoTxn: none, or failed).
  uint32_t LastObservedWriter(uint32_t k) const {
    if (longest_[k].first == kNoTxn) return kNoTxn;
    const Mop& l = mops_[longest_[k].second];
    if (l.len == 0) return kNoTxn;
    const WriterMap::Slot* w = writers_.Get(k, pool_[l.begin + l.len - 1]);
    return w && txns_[w->txn].type != OpType::kFail ? w->txn : kNoTxn;
  }

  // An append of txn `id` to k that no read saw, or null.
  const Mop* UnobservedAppend(uint32_t id, uint32_t k) const {
    for (uint32_t i = txns_[id].mop_begin; i < txns_[id].mop_end; ++i) {
      const Mop& m = mops_[i];
      if (m.append && m.key == k && !writers_.Get(k, m.value)->observed) return &m;
    }
    return nullptr;
  }

  // Position of `value` in key k's version order, or -1.
  long OrderPos(uint32_t k, int64_t value) const {
    if (longest_[k].first == kNoTxn) return -1;
    const Mop& l = mops_[longest_[k].second];
    for (uint32_t p = 0; p < l.len; ++p) {
      if (pool_[l.begin + p] == value) return p;
    }
    return -1;
  }

  // Why from -> to holds for `type`, and the key.
  std::pair<std::string, json> WhyData(const CycleStep& s) const override {
    const Txn& a = txns_[s.from];
    const Txn& b = txns_[s.to];
    std::string A = Name(s.from), B = Name(s.to), arrow = " " + std::string(EdgeName(s.type)) + "→ ";
    if (s.type == kEdgeWW) {
      for (uint32_t i = b.mop_begin; i < b.mop_end; ++i) {
        const Mop& m = mops_[i];
        if (!m.append) continue;
        long p = OrderPos(m.key, m.value);
        if (p <= 0) continue;
        int64_t prev = pool_[mops_[longest_[m.key].second].begin + p - 1];
        const WriterMap::Slot* w = writers_.Get(m.key, prev);
        if (w && w->txn == s.from) {
          return {A + " appended " + std::to_string(prev) + " to " + KeyText(m.key) + " and " + B + " appended " +
                      std::to_string(m.value) + " right after it in " + KeyText(m.key) + "'s version order, so " + A +
                      arrow + B,
                  key_json_[m.key]};
        }
      }
      for (uint32_t i = b.mop_begin; i < b.mop_end; ++i) {
        const Mop& m = mops_[i];
        if (!m.append || LastObservedWriter(m.key) != s.from || !UnobservedAppend(s.to, m.key)) continue;
        const Mop& l = mops_[longest_[m.key].second];
        return {B + " appended " + std::to_string(m.value) + " to " + KeyText(m.key) +
                    ", which no read saw, so it follows " + A + "'s append of " +
                    std::to_string(pool_[l.begin + l.len - 1]) + ", the last element a read of " + KeyText(m.key) +
                    " saw, so " + A + arrow + B,
                key_json_[m.key]};
      }
    } else if (s.type == kEdgeWR) {
      for (uint32_t i = b.mop_begin; i < b.mop_end; ++i) {
        const Mop& m = mops_[i];
        if (m.append || m.len == 0) continue;
        int64_t e = pool_[m.begin + m.len - 1];
        const WriterMap::Slot* w = writers_.Get(m.key, e);
        if (w && w->txn == s.from) {
          return {B + "'s read of " + KeyText(m.key) + " saw " + ListText(&pool_[m.begin], m.len) + ", ending in " +
                      std::to_string(e) + ", which " + A + " appended, so " + A + arrow + B,
                  key_json_[m.key]};
        }
      }
    } else if (s.type == kEdgeRW) {
      for (uint32_t i = a.mop_begin; i < a.mop_end; ++i) {
        const Mop& m = mops_[i];
        if (m.append) continue;
        const Mop& l = mops_[longest_[m.key].second];
        if (m.len == l.len) {
          if (const Mop* u = UnobservedAppend(s.to, m.key)) {
            return {B + " appended " + std::to_string(u->value) + " to " + KeyText(m.key) + ", which no read saw, after " +
                        A + "'s read of " + KeyText(m.key) + " saw " +
                        (m.null_read ? std::string("nil") : ListText(&pool_[m.begin], m.len)) + ", so " + A + arrow + B,
                    key_json_[m.key]};
          }
        }
        if (m.len >= l.len) continue;
        int64_t e = pool_[l.begin + m.len];
        const WriterMap::Slot* w = writers_.Get(m.key, e);
        if (w && w->txn == s.to) {
          return {B + " appended " + std::to_string(e) + " to " + KeyText(m.key) + " after " + A + "'s read of " +
                      KeyText(m.key) + " saw " + (m.null_read ? std::string("nil") : ListText(&pool_[m.begin], m.len)) +
                      ", so " + A + arrow + B,
                  key_json_[m.key]};
        }
      }
    }
    return {"", nullptr};
  }

  std::vector<std::pair<uint32_t, uint32_t>> longest_;  // key -> (txn, mop) of its longest ok read
  std::vector<uint32_t> first_failed_;                   // key -> first version position a failed txn wrote
  std::vector<uint32_t> first_garbage_;                  // key -> first version position no txn wrote
  std::vector<uint32_t> incompatible_;                   // mops of reads not a prefix of the version order, sorted
  std::vector<std::vector<uint32_t>> unobserved_;        // key -> ok/info txns with appends no read saw
  std::vector<ReadThenWrite> lost_update_;               // ok txns that read a key, then appended to it
};

}  // namespace

Result<CheckResult> CheckListAppend(const txn::TxnHistory& history, const ListAppendOptions& options) {
  ListAppendCheck a(history, options);
  return a.Run();
}

Result<CheckResult> CheckListAppend(const History& history, const ListAppendOptions& options) {
  auto loaded = txn::LoadTxnHistory(history, txn::TxnModel::kListAppend, options.name, options.lines);
  if (!loaded.ok()) return loaded.status();
  return CheckListAppend(*loaded, options);
}

Result<std::unique_ptr<Checker>> MakeListAppendChecker(const ListAppendOptions& options) {
  // A lambda picks the History overload.
  return MakeTxnChecker(
      "list-append", [](const History& h, const ListAppendOptions& o) { return CheckListAppend(h, o); }, options);
}

std::string ExplainListAppend(const CheckResult& result) { return ExplainTxnCheck(result); }

}  // namespace faultline
