// Seeded generator of list-append histories (Elle's generator shape), for
// the checker tests and tests/bench/elle_bench.cc (which streams them to a
// file: GenerateListAppendTo, GSinglePlanter).
//
// A simulated store applies each txn atomically at a random moment between
// its invocation and its completion, so with no bugs the history is strict
// serializable. Keys: a pool of `keys` active keys; a key that has taken
// `max_writes_per_key` appends is retired for a fresh one (lists stay short,
// as in Elle). Each txn has 1..max_txn_length micro-ops, reads with
// probability read_fraction. Outcomes: info with p_info (applied or not, at
// random), fail with p_fail (not applied). Bugs for the differential test:
// p_stale reads from an older state (a snapshot taken at some earlier
// apply), p_fail_applied applies a txn reported as fail. Deterministic for
// a seed. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "harness/core/op.h"

namespace faultline::testing {

struct ListAppendGenOptions {
  uint64_t seed = 1;
  size_t txns = 100;
  size_t processes = 5;
  size_t keys = 3;
  size_t max_txn_length = 4;
  size_t max_writes_per_key = 32;
  double read_fraction = 0.5;
  double p_info = 0;
  double p_fail = 0;
  double p_stale = 0;
  double p_fail_applied = 0;
};

// Calls emit(Op&&) for each event in order (index 0, 1, ...): the history
// is never held, so 10,000,000 txns go straight to a file.
inline void GenerateListAppendTo(const ListAppendGenOptions& o, const std::function<void(Op&&)>& emit) {
  std::mt19937_64 rng(o.seed);
  auto chance = [&](double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  auto below = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::vector<std::vector<int64_t>> state;  // key id -> list
  std::vector<std::vector<std::vector<int64_t>>> snapshots;  // older states (only with p_stale)
  std::vector<size_t> pool(o.keys), writes;
  size_t next_key = 0;
  for (auto& k : pool) {
    k = next_key++;
    state.emplace_back();
    writes.push_back(0);
  }
  struct Proc {
    int64_t id;
    bool busy = false, applied = false;
    json txn;  // the invocation's micro-ops; reads filled when applied
  };
  std::vector<Proc> procs(o.processes);
  int64_t next_process = 0;
  for (auto& p : procs) p.id = next_process++;
  size_t invoked = 0, open = 0;
  int64_t time = 0, index = 0;
  auto push = [&](const Proc& p, OpType type, json value) {
    Op op;
    op.index = index++;
    op.time = time += 1000;
    op.type = type;
    op.process = p.id;
    op.f = "txn";
    op.value = std::move(value);
    emit(std::move(op));
  };
  auto apply = [&](Proc& p, bool stale) {
    const std::vector<std::vector<int64_t>>* view = &state;
    if (stale && !snapshots.empty()) view = &snapshots[below(snapshots.size())];
    for (auto& m : p.txn) {
      size_t k = m[1].get<size_t>();
      if (m[0] == "r") {
        m[2] = k < view->size() ? json((*view)[k]) : json::array();
      } else {
        state[k].push_back(m[2].get<int64_t>());
      }
    }
    if (o.p_stale > 0) {
      snapshots.push_back(state);
      if (snapshots.size() > 4) snapshots.erase(snapshots.begin());
    }
    p.applied = true;
  };
  while (invoked < o.txns || open > 0) {
    Proc& p = procs[below(procs.size())];
    if (!p.busy) {
      if (invoked == o.txns) continue;
      size_t len = 1 + below(o.max_txn_length);
      json txn = json::array();
      for (size_t i = 0; i < len; ++i) {
        size_t slot = below(pool.size());
        size_t k = pool[slot];
        if (chance(o.read_fraction)) {
          txn.push_back({"r", k, nullptr});
        } else {
          int64_t v = static_cast<int64_t>(++writes[k]);
          txn.push_back({"append", k, v});
          if (writes[k] >= o.max_writes_per_key) {  // retire the key
            pool[slot] = next_key++;
            state.emplace_back();
            writes.push_back(0);
          }
        }
      }
      p.txn = txn;
      p.busy = true;
      p.applied = false;
      ++invoked;
      ++open;
      push(p, OpType::kInvoke, txn);
      continue;
    }
    if (!p.applied) {
      if (chance(o.p_fail)) {  // fails before taking effect
        if (chance(o.p_fail_applied)) apply(p, false);
        json inv = p.txn;
        push(p, OpType::kFail, inv);
        p.busy = false;
        --open;
        continue;
      }
      if (chance(o.p_info)) {  // crashes; took effect or not
        if (chance(0.5)) apply(p, false);
        push(p, OpType::kInfo, nullptr);
        p.busy = false;
        p.id = next_process++;
        --open;
        continue;
      }
      apply(p, chance(o.p_stale));
      continue;
    }
    push(p, OpType::kOk, p.txn);
    p.busy = false;
    --open;
  }
}

inline History GenerateListAppend(const ListAppendGenOptions& o) {
  History h;
  h.reserve(o.txns * 2 + o.processes);
  GenerateListAppendTo(o, [&](Op&& op) { h.push_back(std::move(op)); });
  return h;
}

// Plants one read skew into a generated valid history as it streams by
// (Offer each op in order, then write it): once `after_oks` ok txns have
// passed, a txn R reading x and y after a txn W appended to both (within
// the next 2,000 ok txns) has its read of x cut back to just before W's
// value while it still sees W's y: R rw-> W, and W reaches R through y's
// versions, a G-single. Only R's completion changes.
class GSinglePlanter {
 public:
  explicit GSinglePlanter(size_t after_oks) : after_oks_(after_oks) {}
  // True when this op was the one changed.
  bool Offer(Op* op) {
    if (planted_ || !op->is_ok()) return false;
    if (++oks_ <= after_oks_) return false;
    while (!ws_.empty() && ws_.front().first + 2000 < oks_) ws_.pop_front();
    for (const auto& [at, w] : ws_) {
      if (TryCut(w, op)) return planted_ = true;
    }
    // W: an ok txn appending to two different keys.
    size_t appends = 0;
    for (const auto& m : op->value) appends += m[0] == "append";
    if (appends >= 2) ws_.push_back({oks_, *op});
    return false;
  }
  bool planted() const { return planted_; }
  const std::string& what() const { return what_; }

 private:
  // R (`r`) reads both of W's keys seeing W's values and does not append to x.
  bool TryCut(const Op& w, Op* r) {
    for (const auto& mx : w.value) {
      for (const auto& my : w.value) {
        if (mx[0] != "append" || my[0] != "append" || mx[1] == my[1]) continue;
        json* rx = nullptr;
        bool sees_y = false, appends_x = false;
        for (auto& m : r->value) {
          if (m[0] == "append" && m[1] == mx[1]) appends_x = true;
          if (m[0] != "r" || !m[2].is_array()) continue;
          auto has = [&](const json& v) { return std::find(m[2].begin(), m[2].end(), v) != m[2].end(); };
          if (m[1] == mx[1] && has(mx[2])) rx = &m;
          if (m[1] == my[1] && has(my[2])) sees_y = true;
        }
        if (!rx || !sees_y || appends_x) continue;
        json cut = json::array();
        for (const auto& e : (*rx)[2]) {
          if (e == mx[2]) break;
          cut.push_back(e);
        }
        what_ = "T" + std::to_string(r->index) + "'s read of key " + (*rx)[1].dump() + " cut from " +
                std::to_string((*rx)[2].size()) + " to " + std::to_string(cut.size()) + " elements (before T" +
                std::to_string(w.index) + "'s append of " + mx[2].dump() + ")";
        (*rx)[2] = cut;
        return true;
      }
    }
    return false;
  }

  size_t after_oks_;
  size_t oks_ = 0;
  bool planted_ = false;
  std::string what_;
  std::deque<std::pair<size_t, Op>> ws_;  // (ok number, W) of the last 2,000 ok txns
};

// The same for a history in memory: W from the second half of its ok txns.
inline bool PlantGSingle(History* h) {
  size_t oks = 0;
  for (const Op& op : *h) oks += op.is_ok();
  GSinglePlanter planter(oks / 2);
  for (Op& op : *h) planter.Offer(&op);
  return planter.planted();
}

}  // namespace faultline::testing
