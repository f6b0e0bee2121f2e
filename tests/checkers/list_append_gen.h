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

#include <cstdint>
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

}  // namespace faultline::testing
