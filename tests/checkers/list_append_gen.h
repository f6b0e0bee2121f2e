// Seeded generator of list-append histories (Elle's generator shape), for
// the checker tests and tests/bench/elle_bench.cc.
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
#include <cstdio>
#include <random>
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

inline History GenerateListAppend(const ListAppendGenOptions& o) {
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
  History h;
  h.reserve(o.txns * 2 + o.processes);
  size_t invoked = 0, open = 0;
  int64_t time = 0;
  auto emit = [&](const Proc& p, OpType type, json value) {
    Op op;
    op.index = static_cast<int64_t>(h.size());
    op.time = time += 1000;
    op.type = type;
    op.process = p.id;
    op.f = "txn";
    op.value = std::move(value);
    h.push_back(std::move(op));
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
      emit(p, OpType::kInvoke, txn);
      continue;
    }
    if (!p.applied) {
      if (chance(o.p_fail)) {  // fails before taking effect
        if (chance(o.p_fail_applied)) apply(p, false);
        json inv = p.txn;
        emit(p, OpType::kFail, inv);
        p.busy = false;
        --open;
        continue;
      }
      if (chance(o.p_info)) {  // crashes; took effect or not
        if (chance(0.5)) apply(p, false);
        emit(p, OpType::kInfo, nullptr);
        p.busy = false;
        p.id = next_process++;
        --open;
        continue;
      }
      apply(p, chance(o.p_stale));
      continue;
    }
    emit(p, OpType::kOk, p.txn);
    p.busy = false;
    --open;
  }
  return h;
}

// Plants one read skew into a generated valid history: a txn R reading x
// and y after a txn W appended to both has its read of x cut back to just
// before W's value while it still sees W's y: R rw-> W, and W reaches R
// through y's versions, a G-single. Prints what it did; false when no such
// pair was found.
inline bool PlantGSingle(History* h) {
  // W: an ok txn appending to two different keys; R: a later ok txn that reads
  // both (seeing W's values) and does not append to x.
  std::vector<size_t> ok_positions;
  for (size_t i = 0; i < h->size(); ++i) {
    if ((*h)[i].is_ok()) ok_positions.push_back(i);
  }
  for (size_t wi = ok_positions.size() / 2; wi < ok_positions.size(); ++wi) {
    const json& w = (*h)[ok_positions[wi]].value;
    for (const auto& mx : w) {
      for (const auto& my : w) {
        if (mx[0] != "append" || my[0] != "append" || mx[1] == my[1]) continue;
        for (size_t ri = wi + 1; ri < ok_positions.size() && ri < wi + 2000; ++ri) {
          json& r = (*h)[ok_positions[ri]].value;
          json* rx = nullptr;
          bool sees_y = false, appends_x = false;
          for (auto& m : r) {
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
          std::printf("planted: T%lld's read of key %s cut from %zu to %zu elements (before T%lld's append of %s)\n",
                      static_cast<long long>((*h)[ok_positions[ri]].index), (*rx)[1].dump().c_str(), (*rx)[2].size(),
                      cut.size(), static_cast<long long>((*h)[ok_positions[wi]].index), mx[2].dump().c_str());
          (*rx)[2] = cut;
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace faultline::testing
