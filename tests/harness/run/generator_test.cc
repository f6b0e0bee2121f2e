// Generators on a simulated clock: a tiny discrete-event interpreter that
// plays the scheduler's role (ask, dispatch when due, complete after a fixed
// latency) without threads or wall-clock time.
#include "harness/run/generator.h"
#include "tests/harness/run/generator_sim.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace faultline {
namespace {

using sim::Invokes;
using sim::SimOptions;
using sim::Simulate;

GenPtr Reads() {
  return FromFn([](Rng&, const Context&) -> std::optional<Op> {
    Op op;
    op.f = "read";
    return op;
  });
}

GenPtr RandomWrites() {
  return FromFn([](Rng& rng, const Context&) -> std::optional<Op> {
    Op op;
    op.f = "write";
    op.value = rng.Below(1000);
    return op;
  });
}

TEST(GeneratorTest, LimitEmitsExactlyNOpsSpreadOverFreeThreads) {
  auto h = Simulate(Limit(10, Reads()), {.clients = 3});
  auto inv = Invokes(h);
  ASSERT_EQ(inv.size(), 10u);
  std::set<int64_t> procs;
  for (const auto& op : inv) procs.insert(op.process);
  EXPECT_EQ(procs.size(), 3u);  // round-robin over the free threads
  EXPECT_EQ(h.size(), 20u);     // every op completed
}

TEST(GeneratorTest, NeverDispatchesToABusyThread) {
  // Simulate asserts this; one thread and many ops exercise it.
  auto h = Simulate(Limit(5, Reads()), {.clients = 1});
  ASSERT_EQ(Invokes(h).size(), 5u);
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    EXPECT_TRUE(h[i].is_invoke());
    EXPECT_TRUE(h[i + 1].is_ok());
  }
}

TEST(GeneratorTest, SameSeedSameScheduleDifferentSeedDifferent) {
  auto run = [](uint64_t seed) {
    std::vector<GenPtr> parts;
    parts.push_back(RandomWrites());
    parts.push_back(Reads());
    auto h = Simulate(Limit(200, Stagger(0.01, Mix(std::move(parts)))),
                      {.clients = 4, .seed = seed});
    std::vector<std::string> out;
    for (const auto& op : Invokes(h)) {
      out.push_back(std::to_string(op.time) + " " + OpToString(op));
    }
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(GeneratorTest, MixUsesAllGeneratorsAndDropsExhaustedOnes) {
  std::vector<GenPtr> parts;
  parts.push_back(Limit(3, Reads()));
  parts.push_back(RandomWrites());
  auto inv = Invokes(Simulate(Limit(100, Mix(std::move(parts))), {.clients = 2}));
  int reads = 0, writes = 0;
  for (const auto& op : inv) (op.f == "read" ? reads : writes)++;
  EXPECT_EQ(reads, 3);
  EXPECT_EQ(writes, 97);
}

TEST(GeneratorTest, StaggerMeanIntervalAndDelayExactInterval) {
  // 1 client, latency 1 ms, stagger mean 100 ms: 100 ops take ~10 s.
  auto inv = Invokes(
      Simulate(Limit(101, Stagger(0.1, Reads())), {.clients = 1, .latency = 1000000}));
  ASSERT_EQ(inv.size(), 101u);
  double span_s = (inv.back().time - inv.front().time) / 1e9;
  EXPECT_GT(span_s, 7.0);
  EXPECT_LT(span_s, 13.0);
  std::set<int64_t> gaps;
  for (size_t i = 1; i < inv.size(); ++i) gaps.insert(inv[i].time - inv[i - 1].time);
  EXPECT_GT(gaps.size(), 50u);  // random, not fixed

  auto d = Invokes(Simulate(Limit(5, Delay(0.5, Reads())), {.clients = 1, .latency = 1000000}));
  ASSERT_EQ(d.size(), 5u);
  for (size_t i = 1; i < d.size(); ++i) EXPECT_EQ(d[i].time - d[i - 1].time, 500000000);
}

TEST(GeneratorTest, TimeLimitStopsAtTheDeadline) {
  auto inv = Invokes(Simulate(TimeLimit(2.0, Delay(0.1, Reads())), {.clients = 2}));
  ASSERT_FALSE(inv.empty());
  EXPECT_LT(inv.back().time, 2 * kNanosPerSecond);
  EXPECT_EQ(inv.size(), 20u);  // t = 0.0, 0.1, ... 1.9
}

TEST(GeneratorTest, SleepWaitsThenSeqContinues) {
  std::vector<GenPtr> parts;
  parts.push_back(Emit("a"));
  parts.push_back(Sleep(3));
  parts.push_back(Emit("b"));
  auto inv = Invokes(Simulate(Seq(std::move(parts)), {.clients = 1, .latency = 1000000}));
  ASSERT_EQ(inv.size(), 2u);
  EXPECT_EQ(inv[0].f, "a");
  EXPECT_EQ(inv[1].f, "b");
  // The sleep starts when the thread is free again (after a's 1 ms).
  EXPECT_EQ(inv[1].time, 3 * kNanosPerSecond + 1000000);
}

TEST(GeneratorTest, PhasesWaitForAllOpsOfThePreviousPhase) {
  std::vector<GenPtr> parts;
  parts.push_back(Limit(4, Reads()));
  parts.push_back(Emit("final"));
  auto h = Simulate(Phases(std::move(parts)), {.clients = 4, .latency = 5000000});
  ASSERT_EQ(h.size(), 10u);
  // All four reads completed before "final" was invoked.
  int completed = 0;
  for (const auto& op : h) {
    if (op.f == "read" && op.is_ok()) ++completed;
    if (op.f == "final" && op.is_invoke()) {
      EXPECT_EQ(completed, 4);
    }
  }
}

TEST(GeneratorTest, EachThreadGivesEveryThreadItsOwnCopy) {
  auto inv = Invokes(Simulate(EachThread(Emit("hello")), {.clients = 5}));
  ASSERT_EQ(inv.size(), 5u);
  std::set<int64_t> procs;
  for (const auto& op : inv) procs.insert(op.process);
  EXPECT_EQ(procs.size(), 5u);
}

TEST(GeneratorTest, ReserveSplitsThreads) {
  std::vector<std::pair<int, GenPtr>> ranges;
  ranges.emplace_back(2, Repeat(Emit("w"), 20));
  auto inv = Invokes(Simulate(Reserve(std::move(ranges), Repeat(Emit("r"), 30)), {.clients = 5}));
  int w = 0, r = 0;
  for (const auto& op : inv) {
    if (op.f == "w") {
      ++w;
      EXPECT_LT(op.process % 5, 2);
    } else {
      ++r;
      EXPECT_GE(op.process % 5, 2);
    }
  }
  EXPECT_EQ(w, 20);
  EXPECT_EQ(r, 30);
}

TEST(GeneratorTest, ClientsAndNemesisRunConcurrentlyOnTheirOwnThreads) {
  std::vector<GenPtr> nem;
  nem.push_back(Sleep(1));
  nem.push_back(Emit("start-partition"));
  nem.push_back(Sleep(1));
  nem.push_back(Emit("stop-partition"));
  auto gen = TimeLimit(5, ClientsNemesis(Delay(0.01, Reads()), Cycle(Seq(std::move(nem)))));
  auto inv = Invokes(Simulate(std::move(gen), {.clients = 3, .nemesis = true, .latency = 1000000}));
  int starts = 0, stops = 0, reads = 0;
  for (const auto& op : inv) {
    if (op.f == "read") {
      ++reads;
      EXPECT_NE(op.process, kNemesisProcess);
    } else {
      EXPECT_EQ(op.process, kNemesisProcess);
      (op.f == "start-partition" ? starts : stops)++;
    }
  }
  EXPECT_EQ(starts, 2);  // at ~1 s and ~3 s
  EXPECT_EQ(stops, 2);   // at ~2 s and ~4 s
  EXPECT_GT(reads, 400);
}

TEST(GeneratorTest, CycleRestartsAndRepeatRepeats) {
  std::vector<GenPtr> ab;
  ab.push_back(Emit("a"));
  ab.push_back(Emit("b"));
  auto inv = Invokes(Simulate(Cycle(Seq(std::move(ab)), 3), {.clients = 1}));
  std::string fs;
  for (const auto& op : inv) fs += op.f;
  EXPECT_EQ(fs, "ababab");

  auto rep = Invokes(Simulate(Repeat(Emit("x"), 4), {.clients = 2}));
  EXPECT_EQ(rep.size(), 4u);
  // An empty generator does not spin forever in a cycle.
  EXPECT_TRUE(Invokes(Simulate(Cycle(Nothing()), {})).empty());
}

TEST(GeneratorTest, FlipFlopAlternates) {
  auto inv = Invokes(Simulate(FlipFlop(Repeat(Emit("a")), Limit(3, Repeat(Emit("b")))),
                              {.clients = 1}));
  std::string fs;
  for (const auto& op : inv) fs += op.f;
  EXPECT_EQ(fs, "abababa");
}

TEST(GeneratorTest, UntilOkStopsAfterTheFirstOk) {
  int calls = 0;
  SimOptions o;
  o.clients = 1;
  o.outcome = [&calls](const Op&) { return ++calls < 4 ? OpType::kFail : OpType::kOk; };
  auto inv = Invokes(Simulate(UntilOk(Repeat(Emit("read"))), o));
  EXPECT_EQ(inv.size(), 4u);  // three fails, then the ok ends it
}

TEST(GeneratorTest, InfoCompletionsGiveTheThreadANewProcess) {
  SimOptions o;
  o.clients = 2;
  o.outcome = [](const Op&) { return OpType::kInfo; };
  auto inv = Invokes(Simulate(Limit(6, Reads()), o));
  std::set<int64_t> procs;
  for (const auto& op : inv) procs.insert(op.process);
  EXPECT_EQ(procs.size(), 6u);  // every info crashed its process
  for (int64_t p : procs) EXPECT_LT(p, 6);
}

TEST(GeneratorTest, ProcessLimitCapsDistinctProcesses) {
  SimOptions o;
  o.clients = 2;
  o.outcome = [](const Op&) { return OpType::kInfo; };
  auto inv = Invokes(Simulate(ProcessLimit(3, Reads()), o));
  std::set<int64_t> procs;
  for (const auto& op : inv) procs.insert(op.process);
  EXPECT_EQ(procs.size(), 3u);
  EXPECT_EQ(inv.size(), 3u);
}

TEST(GeneratorTest, MapAndFilterTransformAndSkip) {
  int64_t n = 0;
  auto numbered = FromFn([n](Rng&, const Context&) mutable -> std::optional<Op> {
    Op op;
    op.f = "write";
    op.value = n++;
    return op;
  });
  auto evens = Filter([](const Op& op) { return op.value.get<int64_t>() % 2 == 0; },
                      std::move(numbered));
  auto mapped = Map(
      [](Op op) {
        op.key = "k";
        return op;
      },
      Limit(5, std::move(evens)));
  auto inv = Invokes(Simulate(std::move(mapped), {.clients = 1}));
  ASSERT_EQ(inv.size(), 5u);
  for (size_t i = 0; i < inv.size(); ++i) {
    EXPECT_EQ(inv[i].value.get<int64_t>(), static_cast<int64_t>(2 * i));
    EXPECT_EQ(inv[i].key, "k");
  }
}

TEST(GeneratorTest, OnceEmitsOneOpAndCloneCopiesState) {
  auto inv = Invokes(Simulate(Once(RandomWrites()), {.clients = 3}));
  ASSERT_EQ(inv.size(), 1u);
  // Clone gives an independent copy in the same state.
  auto g = Limit(2, Reads());
  auto c = g->Clone();
  EXPECT_EQ(Invokes(Simulate(std::move(g), {})).size(), 2u);
  EXPECT_EQ(Invokes(Simulate(std::move(c), {})).size(), 2u);
}

}  // namespace
}  // namespace faultline
