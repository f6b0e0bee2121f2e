// A tiny discrete-event interpreter for generator tests: it plays the
// scheduler's role (ask, dispatch when due, complete after a fixed latency)
// without threads or wall-clock time.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <vector>

#include "harness/run/generator.h"

namespace faultline {
namespace sim {

struct SimEvent {
  int64_t time;
  int thread;
  Op op;
};

struct SimOptions {
  int clients = 2;
  bool nemesis = false;
  int64_t latency = 10 * 1000000;  // 10 ms
  // Per-op latency (overrides `latency` when set).
  std::function<int64_t(const Op&)> latency_of = nullptr;
  int64_t max_time = 3600 * kNanosPerSecond;
  // Decides the completion type of an invocation (default: ok).
  std::function<OpType(const Op&)> outcome = nullptr;
  // Edits a completion before it is delivered (its value, say); optional.
  std::function<void(Op*)> finish = nullptr;
  uint64_t seed = 1;
};

// Runs `gen` to exhaustion; returns the history (invokes and completions).
inline std::vector<Op> Simulate(GenPtr gen, SimOptions o = {}) {
  ThreadTable table(o.clients, o.nemesis);
  Rng rng(o.seed);
  gen->Seed(rng);
  std::vector<Op> history;
  std::multimap<int64_t, SimEvent> inflight;
  int64_t now = 0;
  Context ctx;
  ctx.table = &table;
  ctx.threads = &table.all();
  for (int steps = 0; steps < 1000000; ++steps) {
    ctx.time = now;
    GenResult r = gen->Next(ctx);
    int64_t next_event = inflight.empty() ? kForever : inflight.begin()->first;
    if (r.is_op() && r.op.time <= now) {
      Op op = r.op;
      int t = table.ThreadOf(op.process);
      EXPECT_GE(t, 0);
      EXPECT_TRUE(table.IsFree(t)) << "op for a busy thread: " << OpToString(op);
      table.SetBusy(t);
      table.AdvanceCursor(t);
      gen->Dispatched(ctx, op);
      history.push_back(op);
      Op done = op;
      done.type = o.outcome ? o.outcome(op) : OpType::kOk;
      if (o.finish) o.finish(&done);
      int64_t lat = o.latency_of ? o.latency_of(op) : o.latency;
      inflight.emplace(now + lat, SimEvent{now + lat, t, done});
      continue;
    }
    if (r.is_exhausted() && inflight.empty()) break;
    int64_t wake = next_event;
    if (r.is_op()) wake = std::min(wake, r.op.time);
    if (r.is_pending()) wake = std::min(wake, r.wake_at);
    if (wake == kForever || wake > o.max_time) {
      if (inflight.empty()) break;  // stuck: nothing will ever happen
      wake = next_event;
    }
    now = std::max(now, wake);
    // Deliver every completion due by now.
    while (!inflight.empty() && inflight.begin()->first <= now) {
      SimEvent e = inflight.begin()->second;
      inflight.erase(inflight.begin());
      e.op.time = e.time;
      table.SetFree(e.thread);
      if (e.op.is_info() && e.thread < table.clients()) table.Crash(e.thread);
      ctx.time = now;
      gen->Update(ctx, e.op);
      history.push_back(e.op);
    }
  }
  return history;
}

inline std::vector<Op> Invokes(const std::vector<Op>& h) {
  std::vector<Op> out;
  for (const auto& op : h) {
    if (op.is_invoke()) out.push_back(op);
  }
  return out;
}

}  // namespace sim
}  // namespace faultline
