#include "checkers/rw_register.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "checkers/txn_check.h"
#include "checkers/txn_checker.h"

namespace faultline {
namespace {

using txn::kNoTxn;
using txn::Mop;
using txn::Txn;
using txn::WriterMap;

// A value of a key, nil included (nil sorts first).
struct Version {
  uint32_t key;
  bool nil;
  int64_t value;
  bool operator<(const Version& o) const {
    return std::tie(key, nil, value) < std::tie(o.key, o.nil, o.value);
  }
  bool operator==(const Version& o) const { return key == o.key && nil == o.nil && (nil || value == o.value); }
};

class RwRegisterCheck : public txn::TxnCheck {
 public:
  using TxnCheck::TxnCheck;

 private:
  const char* model() const override { return "rw-register"; }

  static Version ReadVersion(const Mop& m) { return {m.key, m.null_read, m.null_read ? 0 : m.value}; }
  std::string VersionText(const Version& v) const { return v.nil ? "nil" : std::to_string(v.value); }

  // Per ok txn: its external reads (before its own write of the key), its
  // final writes, and internal consistency.
  void Scan() {
    struct KeyState {
      uint32_t key;
      bool wrote = false, read = false;
      Version last;
    };
    std::vector<KeyState> st;
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      const Txn& t = txns_[id];
      if (t.type != OpType::kOk) continue;
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
          s->wrote = true;
          s->last = {m.key, false, m.value};
          continue;
        }
        Version v = ReadVersion(m);
        if (s->wrote || s->read) {
          if (!(v == s->last)) {
            Report("internal", {id},
                   Name(id) + " read key " + KeyText(m.key) + " = " + VersionText(v) + " but its own earlier " +
                       (s->wrote ? "write" : "read") + " of that key was " + VersionText(s->last));
          }
        } else {
          external_.push_back({v, id});
        }
        s->read = true;
        s->last = v;
      }
      // Read-then-write pairs: x before y.
      for (const KeyState& s : st) {
        if (!s.wrote) continue;
        for (uint32_t i = t.mop_begin; i < t.mop_end; ++i) {
          const Mop& m = mops_[i];
          if (m.append || m.key != s.key) continue;
          // The first mop on this key is a read: the external one.
          bool first = true;
          for (uint32_t j = t.mop_begin; j < i; ++j) first &= mops_[j].key != s.key;
          if (first) {
            before_.push_back({ReadVersion(m), s.last.value, id});
            lost_update_.push_back({id, i});
          }
          break;
        }
      }
    }
    std::sort(external_.begin(), external_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  // The ok txns whose external read of v's key returned v.
  std::pair<size_t, size_t> Readers(const Version& v) const {
    auto lo = std::lower_bound(external_.begin(), external_.end(), v,
                               [](const auto& a, const Version& x) { return a.first < x; });
    auto hi = lo;
    while (hi != external_.end() && hi->first == v) ++hi;
    return {static_cast<size_t>(lo - external_.begin()), static_cast<size_t>(hi - external_.begin())};
  }

  uint32_t Writer(uint32_t key, int64_t value) const {
    const WriterMap::Slot* w = writers_.Get(key, value);
    return w && txns_[w->txn].type != OpType::kFail ? w->txn : kNoTxn;
  }

  void Infer(TxnGraphBuilder* b) override {
    Scan();
    // wr, G1a, G1b, garbage reads.
    for (const auto& [v, reader] : external_) {
      if (v.nil) continue;
      const WriterMap::Slot* w = writers_.Get(v.key, v.value);
      if (!w) {
        // No write could have produced it (Elle's garbage read).
        Report("garbage-read", {reader},
               Name(reader) + " read key " + KeyText(v.key) + " = " + VersionText(v) +
                   ", but no txn in the history wrote " + VersionText(v) + " to " + KeyText(v.key));
        continue;
      }
      if (w->txn == reader) {
        // An external read comes before the txn's own writes of the key.
        Report("future-read", {reader},
               Name(reader) + " read key " + KeyText(v.key) + " = " + VersionText(v) + " before it wrote " +
                   VersionText(v) + " to " + KeyText(v.key) + " itself");
        continue;
      }
      if (txns_[w->txn].type == OpType::kFail) {
        Report("G1a", {reader, w->txn},
               Name(reader) + " read key " + KeyText(v.key) + " = " + VersionText(v) + ", written by " + Name(w->txn) +
                   ", which failed (did not commit)");
        continue;
      }
      if (!w->last) {
        Report("G1b", {reader, w->txn},
               Name(reader) + " read key " + KeyText(v.key) + " = " + VersionText(v) + ", an intermediate write of " +
                   Name(w->txn) + ", which wrote that key again later");
      }
      b->Add(w->txn, reader, kEdgeWR);
    }
    // x before y: ww from x's writer, rw from x's other readers.
    std::vector<Version> non_root;
    for (const auto& p : before_) {
      const Version& x = std::get<0>(p);
      int64_t y = std::get<1>(p);
      uint32_t wy = Writer(x.key, y);
      if (wy == kNoTxn) continue;
      if (!x.nil) {
        uint32_t wx = Writer(x.key, x.value);
        if (wx != kNoTxn) {
          b->Add(wx, wy, kEdgeWW);
          non_root.push_back({x.key, false, y});
        }
      }
      auto [lo, hi] = Readers(x);
      for (size_t i = lo; i < hi; ++i) b->Add(external_[i].second, wy, kEdgeRW);
    }
    // A txn's intermediate write v of a key precedes its own later write of
    // that key: every other reader of v rw-> the writer (with the wr edge,
    // the G-single Elle reports beside the G1b).
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      if (txns_[id].type == OpType::kFail) continue;
      for (uint32_t i = txns_[id].mop_begin; i < txns_[id].mop_end; ++i) {
        const Mop& m = mops_[i];
        if (!m.append || writers_.Get(m.key, m.value)->last) continue;
        auto [lo, hi] = Readers({m.key, false, m.value});
        for (size_t r = lo; r < hi; ++r) b->Add(external_[r].second, id, kEdgeRW);
      }
    }
    ReportLostUpdates(lost_update_);
    std::sort(non_root.begin(), non_root.end());
    // nil before every write: readers of nil -> writers of the earliest known writes.
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      if (txns_[id].type == OpType::kFail) continue;
      for (uint32_t i = txns_[id].mop_begin; i < txns_[id].mop_end; ++i) {
        const Mop& m = mops_[i];
        if (!m.append || !writers_.Get(m.key, m.value)->last) continue;
        Version y{m.key, false, m.value};
        if (std::binary_search(non_root.begin(), non_root.end(), y)) continue;
        auto [lo, hi] = Readers({m.key, true, 0});
        for (size_t r = lo; r < hi; ++r) b->Add(external_[r].second, id, kEdgeRW);
      }
    }
  }

  // (external read of the key by txn, or null) for txn id.
  const Mop* ExternalRead(uint32_t id, uint32_t key) const {
    for (uint32_t i = txns_[id].mop_begin; i < txns_[id].mop_end; ++i) {
      if (mops_[i].key == key) return mops_[i].append ? nullptr : &mops_[i];
    }
    return nullptr;
  }
  const Mop* FinalWrite(uint32_t id, uint32_t key) const {
    const Mop* out = nullptr;
    for (uint32_t i = txns_[id].mop_begin; i < txns_[id].mop_end; ++i) {
      if (mops_[i].key == key && mops_[i].append) out = &mops_[i];
    }
    return out;
  }

  std::pair<std::string, json> WhyData(const CycleStep& s) const override {
    std::string A = Name(s.from), B = Name(s.to), arrow = " " + std::string(EdgeName(s.type)) + "\u2192 ";
    const Txn& a = txns_[s.from];
    const Txn& b = txns_[s.to];
    if (s.type == kEdgeWR) {
      for (uint32_t i = b.mop_begin; i < b.mop_end; ++i) {
        const Mop* r = ExternalRead(s.to, mops_[i].key);
        if (r && !r->null_read && Writer(r->key, r->value) == s.from) {
          return {B + " read " + KeyText(r->key) + " = " + std::to_string(r->value) + ", which " + A + " wrote, so " +
                      A + arrow + B,
                  key_json_[r->key]};
        }
      }
    } else if (s.type == kEdgeWW) {
      for (uint32_t i = b.mop_begin; i < b.mop_end; ++i) {
        const Mop* r = ExternalRead(s.to, mops_[i].key);
        const Mop* w = FinalWrite(s.to, mops_[i].key);
        if (r && w && !r->null_read && Writer(r->key, r->value) == s.from) {
          return {B + " read " + KeyText(r->key) + " = " + std::to_string(r->value) + " (" + A + "'s write) and then wrote " +
                      std::to_string(w->value) + ", so " + A + "'s version comes first, so " + A + arrow + B,
                  key_json_[r->key]};
        }
      }
    } else if (s.type == kEdgeRW) {
      for (uint32_t i = a.mop_begin; i < a.mop_end; ++i) {
        const Mop* ra = ExternalRead(s.from, mops_[i].key);
        const Mop* w = FinalWrite(s.to, mops_[i].key);
        if (!ra || !w) continue;
        Version x = ReadVersion(*ra);
        const Mop* rb = ExternalRead(s.to, x.key);
        if (rb && ReadVersion(*rb) == x) {
          return {A + " read " + KeyText(x.key) + " = " + VersionText(x) + ", and " + B + " read that too and then wrote " +
                      std::to_string(w->value) + ", so " + A + "'s read came first, so " + A + arrow + B,
                  key_json_[x.key]};
        }
        if (!x.nil && Writer(x.key, x.value) == s.to) {
          return {A + " read " + KeyText(x.key) + " = " + VersionText(x) + ", an intermediate write of " + B +
                      ", which then wrote " + KeyText(x.key) + " = " + std::to_string(w->value) + ", so " + A + arrow + B,
                  key_json_[x.key]};
        }
        if (x.nil) {
          return {A + " read " + KeyText(x.key) + " = nil (the initial state) and " + B + " wrote " + KeyText(x.key) +
                      " = " + std::to_string(w->value) + ", so " + A + arrow + B,
                  key_json_[x.key]};
        }
      }
    }
    return {"", nullptr};
  }

  std::vector<std::pair<Version, uint32_t>> external_;        // (value read, reader), sorted
  std::vector<std::tuple<Version, int64_t, uint32_t>> before_;  // (x, y, txn): txn read x, then wrote y
  std::vector<txn::ReadThenWrite> lost_update_;                 // the same, as (txn, read mop)
};

}  // namespace

Result<CheckResult> CheckRwRegister(const txn::TxnHistory& history, const TxnCheckOptions& options) {
  RwRegisterCheck c(history, options);
  return c.Run();
}

Result<CheckResult> CheckRwRegister(const History& history, const TxnCheckOptions& options) {
  auto loaded = txn::LoadTxnHistory(history, txn::TxnModel::kRwRegister, options.name, options.lines);
  if (!loaded.ok()) return loaded.status();
  return CheckRwRegister(*loaded, options);
}

Result<std::unique_ptr<Checker>> MakeRwRegisterChecker(const TxnCheckOptions& options) {
  // A lambda picks the History overload.
  return MakeTxnChecker(
      "rw-register", [](const History& h, const TxnCheckOptions& o) { return CheckRwRegister(h, o); }, options);
}

}  // namespace faultline
