#include "checkers/list_append.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <unordered_map>

#include "checkers/consistency_models.h"
#include "checkers/txn_graph.h"

namespace faultline {
namespace {

constexpr uint32_t kNoTxn = 0xFFFFFFFFu;

// One micro-op, compact: reads point into the shared element pool.
struct Mop {
  bool append = false;
  bool null_read = false;
  uint32_t key = 0;
  int64_t value = 0;      // append: the value
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

// (key, value) -> the txn that appended it; open addressing.
class WriterMap {
 public:
  struct Slot {
    int64_t value;
    uint32_t key;
    uint32_t txn = kNoTxn;  // kNoTxn: empty
    bool last = false;      // the txn's final append to this key
    bool observed = false;  // in the key's version order (some ok read saw it)
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

std::string ListText(const int64_t* e, size_t n) {
  std::string out = "[";
  auto add = [&](size_t i) {
    if (out.size() > 1) out += ' ';
    out += std::to_string(e[i]);
  };
  if (n <= 10) {
    for (size_t i = 0; i < n; ++i) add(i);
  } else {
    for (size_t i = 0; i < 3; ++i) add(i);
    out += " ...";
    for (size_t i = n - 3; i < n; ++i) add(i);
  }
  out += "]";
  if (n > 10) out += " (" + std::to_string(n) + " elements)";
  return out;
}

class Analysis {
 public:
  Analysis(const History& h, const ListAppendOptions& o) : h_(h), o_(o) {}

  Result<CheckResult> Run() {
    auto t0 = std::chrono::steady_clock::now();
    auto models = ParseConsistencyModels(Join(o_.consistency_models));
    if (!models.ok()) return models.status();
    bool need_process = false, need_realtime = false;
    for (auto* m : *models) {
      need_process |= m->needs_process;
      need_realtime |= m->needs_realtime;
    }
    CheckResult result;
    json& d = result.details;
    // Seconds per phase, for the benchmark and for users of big histories.
    json phases = json::object();
    auto mark = [&, last = t0](const char* phase) mutable {
      auto now = std::chrono::steady_clock::now();
      phases[phase] = std::chrono::duration<double>(now - last).count();
      last = now;
    };
    Status s = Collect();
    if (!s.ok()) return s;
    s = IndexWriters();
    if (!s.ok()) return s;
    mark("parse");
    VersionOrders();
    Internal();
    mark("orders");
    TxnGraphBuilder builder(static_cast<uint32_t>(txns_.size()));
    builder.Reserve(mops_.size() * 2 + (need_realtime ? txns_.size() * 6 : 0) + (need_process ? txns_.size() : 0));
    DataEdges(&builder);
    if (need_process) ProcessEdges(&builder);
    if (need_realtime) RealtimeEdges(&builder);
    mark("edges");
    size_t limit_mb = o_.memory_limit_mb;
    if (limit_mb == 0) limit_mb = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) / 1024 * sysconf(_SC_PAGESIZE) / 1024 * 3 / 4;
    size_t graph_bytes = builder.pending() * 22 + txns_.size() * 40;
    std::string unknown_reason;
    CycleSearchResult cycles;
    if (graph_bytes > (limit_mb << 20)) {
      unknown_reason = "memory limit: the dependency graph needs about " + std::to_string(graph_bytes >> 20) +
                       " MB, over the limit of " + std::to_string(limit_mb) + " MB";
    } else {
      TxnGraph graph = builder.Build();
      mark("graph");
      d["edges"] = graph.edge_count();
      CycleSearchOptions co;
      co.process = need_process;
      co.realtime = need_realtime;
      co.max_steps = o_.max_search_steps;
      if (o_.time_limit_s > 0) {
        double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        co.deadline_s = std::max(0.001, o_.time_limit_s - spent);
      }
      cycles = FindCycles(graph, co);
      if (!cycles.complete) unknown_reason = cycles.why;
      for (auto& c : cycles.cycles) AddCycle(c);
      mark("cycles");
    }
    d["phases"] = phases;
    std::set<std::string> found;
    for (auto it = counts_.begin(); it != counts_.end(); ++it) found.insert(it.key());
    ModelVerdict verdict = JudgeModels(found, *models, need_process, need_realtime);
    if (!verdict.violated.empty()) {
      result.valid = Validity::kInvalid;
    } else if (!unknown_reason.empty()) {
      result.valid = Validity::kUnknown;
    } else {
      result.valid = Validity::kValid;
    }
    d["model"] = "list-append";
    json names = json::array();
    for (auto* m : *models) names.push_back(m->name);
    d["consistency-models"] = names;
    d["txns"] = {{"ok", n_ok_}, {"info", n_info_}, {"fail", n_fail_}};
    d["keys"] = key_json_.size();
    d["anomaly-types"] = json(std::vector<std::string>(found.begin(), found.end()));
    d["anomaly-counts"] = counts_;
    d["anomalies"] = anomalies_;
    d["not"] = verdict.violated;
    d["weakest-violated"] = verdict.weakest_violated;
    d["strongest-satisfied"] = verdict.strongest_satisfied;
    d["cycle-components"] = cycles.components;
    if (result.valid == Validity::kUnknown) d["reason"] = unknown_reason;
    else if (!unknown_reason.empty()) d["incomplete"] = unknown_reason;
    d["elapsed_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
  }

 private:
  static std::string Join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
  }

  std::string Where(size_t pos) const {
    if (o_.lines && pos < o_.lines->size() && (*o_.lines)[pos] > 0) {
      return o_.name + ":" + std::to_string((*o_.lines)[pos]);
    }
    return o_.name + ": event " + std::to_string(pos);
  }

  Result<uint32_t> Key(const json& k) {
    if (k.is_number_integer()) {
      // Small non-negative keys (the usual case) by direct table.
      int64_t v = k.get<int64_t>();
      if (v >= 0 && v < (int64_t{1} << 22)) {
        if (static_cast<size_t>(v) >= small_keys_.size()) small_keys_.resize(static_cast<size_t>(v) * 2 + 16, kNoTxn);
        uint32_t& slot = small_keys_[static_cast<size_t>(v)];
        if (slot == kNoTxn) {
          slot = static_cast<uint32_t>(key_json_.size());
          key_json_.push_back(k);
        }
        return slot;
      }
      auto [it, fresh] = int_keys_.try_emplace(k.get<int64_t>(), static_cast<uint32_t>(key_json_.size()));
      if (fresh) key_json_.push_back(k);
      return it->second;
    }
    if (k.is_null() || k.is_object() || k.is_array() || k.is_boolean() || k.is_number_float()) {
      return Status::Error("key " + k.dump().substr(0, 40) + " is not an integer or a string");
    }
    auto [it, fresh] = str_keys_.try_emplace(k.get<std::string>(), static_cast<uint32_t>(key_json_.size()));
    if (fresh) key_json_.push_back(k);
    return it->second;
  }

  // Parses a txn value into mops_; `reads`: keep read results (ok txns).
  Status ParseMops(const json& v, bool reads, size_t pos, Txn* t) {
    t->mop_begin = static_cast<uint32_t>(mops_.size());
    if (!v.is_array()) return Status::Error(Where(pos) + ": txn value is not a list of micro-ops: " + v.dump().substr(0, 60));
    for (const json& m : v) {
      if (!m.is_array() || m.size() != 3 || !m[0].is_string()) {
        return Status::Error(Where(pos) + ": micro-op " + m.dump().substr(0, 60) + " is not [f key value]");
      }
      const std::string& f = m[0].get_ref<const std::string&>();
      auto key = Key(m[1]);
      if (!key.ok()) return Status::Error(Where(pos) + ": micro-op " + m.dump().substr(0, 60) + ": " + key.status().message());
      Mop op;
      op.key = *key;
      if (f == "append") {
        if (!m[2].is_number_integer()) {
          return Status::Error(Where(pos) + ": appended value " + m[2].dump().substr(0, 40) + " is not an integer");
        }
        op.append = true;
        op.value = m[2].get<int64_t>();
      } else if (f == "r") {
        if (!reads) continue;  // the read's result is unknown
        if (m[2].is_null()) {
          op.null_read = true;
        } else if (m[2].is_array()) {
          op.begin = static_cast<uint32_t>(pool_.size());
          for (const json& e : m[2]) {
            if (!e.is_number_integer()) {
              return Status::Error(Where(pos) + ": read of key " + m[1].dump() + " holds " + e.dump().substr(0, 40) +
                                   ", not an integer");
            }
            pool_.push_back(e.get<int64_t>());
          }
          op.len = static_cast<uint32_t>(m[2].size());
        } else {
          return Status::Error(Where(pos) + ": read value " + m[2].dump().substr(0, 40) + " is not a list or null");
        }
      } else {
        return Status::Error(Where(pos) + ": unknown micro-op \"" + f + "\" (list-append knows append and r)");
      }
      mops_.push_back(op);
    }
    t->mop_end = static_cast<uint32_t>(mops_.size());
    return Status::Ok();
  }

  Status Collect() {
    std::unordered_map<int64_t, size_t> open;  // process -> txn
    for (size_t i = 0; i < h_.size(); ++i) {
      const Op& op = h_[i];
      if (op.is_nemesis() || op.f != "txn") continue;
      if (op.is_invoke()) {
        events_.push_back({static_cast<uint32_t>(txns_.size()), false});
        open[op.process] = txns_.size();
        Txn t;
        t.invoke = i;
        t.process = op.process;
        txns_.push_back(t);
        continue;
      }
      auto it = open.find(op.process);
      if (it == open.end()) continue;  // the reader validated pairs; be lenient
      events_.push_back({static_cast<uint32_t>(it->second), true});
      Txn& t = txns_[it->second];
      open.erase(it);
      t.complete = i;
      t.type = op.type;
    }
    mops_.reserve(txns_.size() * 3);
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      Txn& t = txns_[id];
      const Op& inv = h_[t.invoke];
      bool ok = t.type == OpType::kOk;
      const json& v = t.complete != SIZE_MAX && h_[t.complete].value.is_array() ? h_[t.complete].value : inv.value;
      Status s = ParseMops(v, ok, ok ? t.complete : t.invoke, &t);
      if (!s.ok()) return s;
      n_ok_ += ok;
      n_fail_ += t.type == OpType::kFail;
      n_info_ += t.type == OpType::kInfo;
    }
    return Status::Ok();
  }

  Status IndexWriters() {
    size_t appends = 0;
    for (const Mop& m : mops_) appends += m.append;
    writers_.Reserve(appends);
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      const Txn& t = txns_[id];
      for (uint32_t i = t.mop_begin; i < t.mop_end; ++i) {
        const Mop& m = mops_[i];
        if (!m.append) continue;
        WriterMap::Slot* s = writers_.Find(m.key, m.value);
        if (s->txn != kNoTxn) {
          return Status::Error(Where(TxnPos(id)) + ": value " + std::to_string(m.value) + " appended to key " +
                               KeyText(m.key) + " twice (also by " + Name(s->txn) +
                               "); list-append needs unique appended values per key");
        }
        bool last = true;
        for (uint32_t j = i + 1; j < t.mop_end; ++j) last &= !(mops_[j].append && mops_[j].key == m.key);
        *s = WriterMap::Slot{m.value, m.key, id, last};
      }
    }
    return Status::Ok();
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
      }
    }
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

  // A txn's reads must agree with its own earlier reads and appends.
  void Internal() {
    struct KeyState {
      uint32_t key;
      bool has_read = false;
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
          continue;
        }
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

  void DataEdges(TxnGraphBuilder* b) {
    // ww along each key's version order; G1a where a failed txn's write shows.
    first_failed_.assign(key_json_.size(), UINT32_MAX);
    for (uint32_t k = 0; k < longest_.size(); ++k) {
      if (longest_[k].first == kNoTxn) continue;
      const Mop& l = mops_[longest_[k].second];
      uint32_t prev = kNoTxn;
      for (uint32_t p = 0; p < l.len; ++p) {
        WriterMap::Slot* w = writers_.Find(k, pool_[l.begin + p]);
        if (w->txn != kNoTxn) w->observed = true;
        uint32_t cur = w->txn;
        if (cur != kNoTxn && txns_[cur].type == OpType::kFail) {
          if (first_failed_[k] == UINT32_MAX) first_failed_[k] = p;
          cur = kNoTxn;
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
          // (Not to the writer of the read's last element: an intermediate
          // read, reported as G1b, as below.)
          const WriterMap::Slot* last = m.len > 0 ? writers_.Get(m.key, pool_[m.begin + m.len - 1]) : nullptr;
          for (uint32_t w : unobserved_[m.key]) {
            if (!last || last->txn != w) b->Add(id, w, kEdgeRW);
          }
        }
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
          // An intermediate read's writer also wrote the next element: that
          // rw edge only closes a trivial cycle with the wr edge, already
          // reported as G1b, so it is left out.
          const WriterMap::Slot* last = m.len > 0 ? writers_.Get(m.key, pool_[m.begin + m.len - 1]) : nullptr;
          bool intermediate = last && w && last->txn == w->txn;
          if (w && w->txn != id && txns_[w->txn].type != OpType::kFail && !intermediate) b->Add(id, w->txn, kEdgeRW);
        }
      }
    }
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

  void ProcessEdges(TxnGraphBuilder* b) {
    std::unordered_map<int64_t, uint32_t> last;
    for (uint32_t id = 0; id < txns_.size(); ++id) {
      if (txns_[id].type == OpType::kFail) continue;
      auto [it, fresh] = last.try_emplace(txns_[id].process, id);
      if (!fresh) {
        b->Add(it->second, id, kEdgeProcess);
        it->second = id;
      }
    }
  }

  // Realtime: an edge from every txn in the frontier (completed, and not yet
  // known to precede another completed txn) to each txn invoked after; this
  // is the transitive reduction up to concurrency, O(n * concurrency).
  void RealtimeEdges(TxnGraphBuilder* b) {
    // A frontier entry's sequence number says when it completed; a txn's
    // predecessors are the entries present at its invocation, so at its
    // completion exactly the entries no newer than that count leave.
    struct Entry {
      uint32_t txn;
      uint64_t seq;
    };
    std::vector<Entry> frontier, next;
    std::vector<uint64_t> seq_at_invoke(txns_.size(), 0);
    uint64_t seq = 0;
    for (auto [id, completes] : events_) {
      if (txns_[id].type == OpType::kFail) continue;
      if (!completes) {
        for (const Entry& f : frontier) b->Add(f.txn, id, kEdgeRealtime);
        seq_at_invoke[id] = seq;
        continue;
      }
      if (txns_[id].type != OpType::kOk) continue;
      next.clear();
      for (const Entry& f : frontier) {
        if (f.seq > seq_at_invoke[id]) next.push_back(f);
      }
      next.push_back({id, ++seq});
      frontier.swap(next);
    }
  }

  // ---- reporting ----

  size_t TxnPos(uint32_t id) const {
    const Txn& t = txns_[id];
    return t.complete != SIZE_MAX ? t.complete : t.invoke;
  }
  std::string Name(uint32_t id) const { return "T" + std::to_string(h_[TxnPos(id)].index); }
  std::string KeyText(uint32_t k) const {
    const json& j = key_json_[k];
    return j.is_string() ? j.get<std::string>() : j.dump();
  }

  json TxnJson(uint32_t id) const {
    const Txn& t = txns_[id];
    const Op& op = h_[TxnPos(id)];
    return {{"name", Name(id)}, {"index", op.index}, {"process", t.process},
            {"type", t.complete == SIZE_MAX ? "info" : std::string(OpTypeName(t.type))},
            {"value", op.value.is_array() ? op.value : h_[t.invoke].value}};
  }

  void Report(const std::string& type, std::vector<uint32_t> ids, const std::string& why) {
    size_t n = counts_[type].is_number() ? counts_[type].get<size_t>() : 0;
    counts_[type] = n + 1;
    if (n >= o_.max_reported) return;
    json txns = json::array();
    for (uint32_t id : ids) txns.push_back(TxnJson(id));
    anomalies_[type].push_back({{"txns", txns}, {"why", why}});
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
  std::pair<std::string, json> WhyStep(const CycleStep& s) const {
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
    } else if (s.type == kEdgeProcess) {
      return {A + " and " + B + " ran on process " + std::to_string(a.process) + ", " + A + " first, so " + A + arrow + B,
              nullptr};
    } else if (s.type == kEdgeRealtime) {
      return {A + " completed (event " + std::to_string(h_[a.complete].index) + ") before " + B +
                  " was invoked (event " + std::to_string(h_[b.invoke].index) + "), so " + A + arrow + B,
              nullptr};
    }
    return {A + arrow + B, nullptr};
  }

  void AddCycle(const FoundCycle& c) {
    size_t n = counts_[c.kind].is_number() ? counts_[c.kind].get<size_t>() : 0;
    counts_[c.kind] = n + 1;
    if (n >= o_.max_reported) return;
    json txns = json::array(), steps = json::array();
    for (const CycleStep& s : c.steps) {
      txns.push_back(TxnJson(s.from));
      auto [why, key] = WhyStep(s);
      json step = {{"from", Name(s.from)}, {"to", Name(s.to)}, {"type", EdgeName(s.type)}, {"why", why}};
      if (!key.is_null()) step["key"] = key;
      steps.push_back(step);
    }
    anomalies_[c.kind].push_back({{"txns", txns}, {"steps", steps}});
  }

  const History& h_;
  const ListAppendOptions& o_;
  std::vector<Txn> txns_;
  std::vector<std::pair<uint32_t, bool>> events_;  // (txn, is completion) in history order
  std::vector<Mop> mops_;
  std::vector<int64_t> pool_;
  std::vector<json> key_json_;
  std::vector<uint32_t> small_keys_;  // key value -> key id, for keys 0..2^22
  std::unordered_map<int64_t, uint32_t> int_keys_;
  std::unordered_map<std::string, uint32_t> str_keys_;
  WriterMap writers_;
  std::vector<std::pair<uint32_t, uint32_t>> longest_;  // key -> (txn, mop) of its longest ok read
  std::vector<uint32_t> first_failed_;
  std::vector<std::vector<uint32_t>> unobserved_;        // key -> ok/info txns with appends no read saw                   // key -> first version position a failed txn wrote
  size_t n_ok_ = 0, n_info_ = 0, n_fail_ = 0;
  json counts_ = json::object();
  json anomalies_ = json::object();
};

class ListAppendChecker : public Checker {
 public:
  explicit ListAppendChecker(ListAppendOptions o) : o_(std::move(o)) {}
  std::string name() const override { return "list-append"; }
  CheckResult Check(const TestInfo&, const History& history) override {
    auto r = CheckListAppend(history, o_);
    if (r.ok()) return *r;
    CheckResult u;
    u.details = {{"error", r.status().message()}};
    return u;
  }

 private:
  ListAppendOptions o_;
};

}  // namespace

Result<CheckResult> CheckListAppend(const History& history, const ListAppendOptions& options) {
  Analysis a(history, options);
  return a.Run();
}

Result<std::unique_ptr<Checker>> MakeListAppendChecker(const ListAppendOptions& options) {
  std::string csv;
  for (const auto& m : options.consistency_models) csv += (csv.empty() ? "" : ",") + m;
  auto models = ParseConsistencyModels(csv);
  if (!models.ok()) return models.status();
  return std::unique_ptr<Checker>(new ListAppendChecker(options));
}

std::string ExplainListAppend(const CheckResult& r) {
  const json& d = r.details;
  std::string out;
  auto line = [&](const std::string& s) { out += (out.empty() ? "" : "\n") + s; };
  auto join = [](const json& a) {
    std::string s;
    if (!a.is_array()) return s;
    for (const auto& x : a) s += (s.empty() ? "" : ", ") + x.get<std::string>();
    return s;
  };
  if (d.contains("reason")) line("unknown: " + d["reason"].get<std::string>());
  if (!d.contains("anomaly-types") || d["anomaly-types"].empty()) return out;
  std::string types;
  for (const auto& t : d["anomaly-types"]) {
    std::string name = t.get<std::string>();
    types += (types.empty() ? "" : ", ") + name + " (" + std::to_string(d["anomaly-counts"][name].get<size_t>()) + ")";
  }
  line("anomaly types: " + types);
  if (!d["not"].empty()) line("violates: " + join(d["not"]));
  if (!d["weakest-violated"].empty()) line("weakest model violated: " + join(d["weakest-violated"]));
  if (!d["strongest-satisfied"].empty()) line("strongest models it may satisfy: " + join(d["strongest-satisfied"]));
  for (auto it = d["anomalies"].begin(); it != d["anomalies"].end(); ++it) {
    for (const auto& a : it.value()) {
      if (a.contains("steps")) {
        line(it.key() + ": a cycle of " + std::to_string(a["steps"].size()) + " transactions");
        for (const auto& t : a["txns"]) {
          line("  " + t["name"].get<std::string>() + " = process " + t["process"].dump() + ", " +
               t["type"].get<std::string>() + ": " + t["value"].dump());
        }
        for (const auto& s : a["steps"]) line("  " + s["why"].get<std::string>());
      } else {
        line(it.key() + ": " + a["why"].get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace faultline
