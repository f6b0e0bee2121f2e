// The nemesis schedules on a simulated clock (generator_sim.h): overlap lets
// fault kinds overlap on their own random schedules, alternate never does,
// and a schedule file's steps run at their times, waiting (and saying so)
// while the previous fault op still runs.
#include "harness/run/nemesis_schedule.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/harness/run/generator_sim.h"

namespace faultline {
namespace {

using sim::Invokes;
using sim::SimOptions;
using sim::Simulate;

const std::vector<FaultPair> kPartitionKill = {{"start-partition", "stop-partition"}, {"start-kill", "stop-kill"}};

std::vector<Op> RunSchedule(GenPtr schedule, double time_limit_s, uint64_t seed,
                            std::function<int64_t(const Op&)> latency_of = nullptr) {
  SimOptions o;
  o.clients = 1;
  o.nemesis = true;
  o.seed = seed;
  o.latency = 100 * 1000000;  // a fault op takes 0.1 s
  o.latency_of = std::move(latency_of);
  return Invokes(Simulate(TimeLimit(time_limit_s, NemesisOnly(std::move(schedule))), o));
}

// True when some start-kill was invoked while a partition was active.
bool KillStartsDuringPartition(const std::vector<Op>& invokes) {
  bool partitioned = false;
  for (const Op& op : invokes) {
    if (op.f == "start-partition") partitioned = true;
    if (op.f == "stop-partition") partitioned = false;
    if (op.f == "start-kill" && partitioned) return true;
  }
  return false;
}

TEST(NemesisScheduleTest, OverlapRunsEachKindOnItsOwnScheduleAroundTheInterval) {
  int overlapping = 0;
  const int kSeeds = 100;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    auto ops = RunSchedule(OverlapSchedule(kPartitionKill, 3), 30, seed);
    std::map<std::string, std::vector<Op>> by_kind;
    for (const Op& op : ops) {
      ASSERT_TRUE(op.is_nemesis()) << OpToString(op);
      by_kind[op.f.substr(op.f.find('-') + 1)].push_back(op);
    }
    ASSERT_EQ(by_kind.size(), 2u) << "seed " << seed << ": both kinds run";
    for (const auto& [kind, kops] : by_kind) {
      // Each kind alternates start, stop, start, ... and its changes come
      // 0.25-1.5 intervals apart (healthy 0.25-1, active 0.5-1.5; plus at
      // most one 0.1 s op of the other kind).
      int64_t prev = 0;
      for (size_t i = 0; i < kops.size(); ++i) {
        EXPECT_EQ(kops[i].f, (i % 2 == 0 ? "start-" : "stop-") + kind) << "seed " << seed;
        double gap = static_cast<double>(kops[i].time - prev) / 1e9;
        EXPECT_GE(gap, (i % 2 == 0 ? 0.75 : 1.5) - 1e-6) << "seed " << seed << " " << kind << " #" << i;
        if (i % 2 == 0) {
          EXPECT_LE(gap, 3.0 + 0.2 + 1e-6) << "healthy at most 1 interval, seed " << seed;
        }
        EXPECT_LE(gap, 4.5 + 0.2 + 1e-6) << "seed " << seed << " " << kind << " #" << i;
        prev = kops[i].time;
      }
    }
    if (KillStartsDuringPartition(ops)) ++overlapping;
  }
  // Independent schedules, each kind active about 60% of the time and
  // killing about 6 times in 30 s: a kill starts inside a partition in
  // almost every run.
  EXPECT_GE(overlapping, 95) << "of " << kSeeds << " seeds";
}

TEST(NemesisScheduleTest, OverlapIsAFunctionOfTheSeed) {
  auto a = RunSchedule(OverlapSchedule(kPartitionKill, 3), 30, 7);
  auto b = RunSchedule(OverlapSchedule(kPartitionKill, 3), 30, 7);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].f, b[i].f);
    EXPECT_EQ(a[i].time, b[i].time);
  }
}

TEST(NemesisScheduleTest, OverlapAsksAgainSoonAfterAnOpThatSaysRetry) {
  // Every start-membership before 12 s cannot act yet: it completes with
  // "retry-after-s": 1 (nemesis.h). The same start comes again a second
  // after, while partitions keep their own schedule; no stop comes before
  // a start that acted, and then the stop keeps its planned time.
  const std::vector<FaultPair> pairs = {{"start-membership", "stop-membership"},
                                        {"start-partition", "stop-partition"}};
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SimOptions o;
    o.clients = 1;
    o.nemesis = true;
    o.seed = seed;
    o.latency = 100 * 1000000;
    o.finish = [](Op* done) {
      if (done->f == "start-membership" && done->time < 12 * kNanosPerSecond) {
        done->value = {{"retry-after-s", 1}};
        done->error = "no change can complete now";
      }
    };
    // The completion's time is set when it is delivered: `finish` sees the
    // invocation's time.
    auto history = Simulate(TimeLimit(30, NemesisOnly(OverlapSchedule(pairs, 3))), o);
    std::vector<Op> membership;
    int partitions = 0, retried = 0;
    for (const Op& op : history) {
      if (!op.is_invoke()) continue;
      if (op.f.find("partition") != std::string::npos) ++partitions;
      if (op.f.find("membership") != std::string::npos) membership.push_back(op);
    }
    ASSERT_GE(membership.size(), 2u) << "seed " << seed;
    bool active = false;
    for (size_t i = 0; i < membership.size(); ++i) {
      const Op& op = membership[i];
      const bool refused = op.f == "start-membership" && op.time < 12 * kNanosPerSecond;
      EXPECT_EQ(op.f, active ? "stop-membership" : "start-membership") << "seed " << seed << " #" << i;
      if (refused && i + 1 < membership.size()) {
        ++retried;
        // Asked again 1 s after the 0.1 s op completed (plus at most a
        // partition op it waited for).
        double gap = static_cast<double>(membership[i + 1].time - op.time) / 1e9;
        EXPECT_GE(gap, 1.1 - 1e-6) << "seed " << seed;
        EXPECT_LE(gap, 1.2 + 1e-6) << "seed " << seed;
      }
      if (!refused && !active && i > 0 && i + 1 < membership.size() &&
          membership[i - 1].time < 12 * kNanosPerSecond) {
        // The first start that acted: its stop was planned from when the
        // first start was due (< 3 s, active < 4.5 s), long past: at once.
        double gap = static_cast<double>(membership[i + 1].time - op.time) / 1e9;
        EXPECT_LE(gap, 0.2 + 1e-6) << "seed " << seed << ": the wait does not push the stop back";
      }
      if (!refused) active = !active;
    }
    EXPECT_GE(retried, 1) << "seed " << seed;
    EXPECT_GE(partitions, 6) << "seed " << seed << ": partitions go on meanwhile";
  }
}

TEST(NemesisScheduleTest, AlternateNeverHasTwoFaultsActive) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto ops = RunSchedule(AlternateSchedule(kPartitionKill, 3), 30, seed);
    ASSERT_GE(ops.size(), 6u);
    for (size_t i = 0; i < ops.size(); ++i) {
      // start, its stop, start, its stop, ...
      if (i % 2 == 0) {
        EXPECT_EQ(ops[i].f.rfind("start-", 0), 0u) << OpToString(ops[i]);
      } else {
        EXPECT_EQ(ops[i].f, "stop-" + ops[i - 1].f.substr(6));
      }
    }
    EXPECT_FALSE(KillStartsDuringPartition(ops));
  }
}

std::vector<ScheduleStep> FourSteps() {
  json file = json::parse(R"([
    {"at": 5, "start": "partition", "partition": "majority"},
    {"at": 8, "start": "kill", "targets": "primaries"},
    {"at": 14, "stop": "kill"},
    {"at": 20, "stop": "all"}])");
  auto steps = ParseSchedule(file, {"partition", "kill"}, 30);
  EXPECT_TRUE(steps.ok()) << steps.status().message();
  return *steps;
}

TEST(NemesisScheduleTest, FileStepsRunAtTheirTimes) {
  auto ops = RunSchedule(FileSchedule(FourSteps()), 30, 1);
  ASSERT_EQ(ops.size(), 4u);
  const std::vector<std::pair<std::string, double>> want = {
      {"start-partition", 5}, {"start-kill", 8}, {"stop-kill", 14}, {"stop-partition", 20}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(ops[i].f, want[i].first);
    EXPECT_NEAR(static_cast<double>(ops[i].time) / 1e9, want[i].second, 1e-6);
    ASSERT_TRUE(ops[i].extra.is_object());
    EXPECT_EQ(ops[i].extra["schedule"]["step"], std::min<size_t>(i, 3));
    EXPECT_FALSE(ops[i].extra["schedule"].contains("waited-s")) << "nothing was busy";
  }
  EXPECT_EQ(ops[0].value, json({{"kind", "majority"}}));
  EXPECT_EQ(ops[1].value, json({{"targets", "primaries"}}));
  EXPECT_TRUE(ops[3].value.is_null());
}

TEST(NemesisScheduleTest, AStepDueWhileTheFaultIsStartingWaitsAndSaysSo) {
  // The partition takes 4.5 s to apply (5 -> 9.5): the kill due at 8 waits.
  auto ops = RunSchedule(FileSchedule(FourSteps()), 30, 1, [](const Op& op) -> int64_t {
    return op.f == "start-partition" ? 4500 * 1000000LL : 100 * 1000000LL;
  });
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(ops[1].f, "start-kill");
  EXPECT_NEAR(static_cast<double>(ops[1].time) / 1e9, 9.5, 1e-6);
  const json& sch = ops[1].extra["schedule"];
  EXPECT_NEAR(sch["waited-s"].get<double>(), 1.5, 1e-6);
  EXPECT_EQ(sch["waited-for"], "start-partition");
  EXPECT_EQ(sch["at"], 8.0);
  // The later steps are on time again.
  EXPECT_NEAR(static_cast<double>(ops[2].time) / 1e9, 14, 1e-6);
  EXPECT_FALSE(ops[2].extra["schedule"].contains("waited-s"));
}

TEST(NemesisScheduleTest, RepeatsAndStopAllOfSeveralFaults) {
  json file = json::parse(R"([
    {"at": 1, "start": "pause", "on": ["n2"], "repeat": 3, "every": 4},
    {"after": 2, "stop": "pause", "repeat": 3, "every": 4},
    {"at": 2, "start": "clock"},
    {"at": 13, "start": "partition"},
    {"at": 14, "stop": "all"}])");
  auto steps = ParseSchedule(file, {"partition", "pause", "clock"}, 30);
  ASSERT_TRUE(steps.ok()) << steps.status().message();
  auto ops = RunSchedule(FileSchedule(*steps), 30, 1);
  std::vector<std::pair<std::string, double>> got;
  for (const Op& op : ops) got.emplace_back(op.f, std::round(static_cast<double>(op.time) / 1e8) / 10);
  const std::vector<std::pair<std::string, double>> want = {
      {"start-pause", 1},      {"start-clock", 2},      {"stop-pause", 3},  {"start-pause", 5},
      {"stop-pause", 7},       {"start-pause", 9},      {"stop-pause", 11}, {"start-partition", 13},
      {"stop-clock", 14},      {"stop-partition", 14.1}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(ops[0].value, json({{"nodes", {"n2"}}}));
}

}  // namespace
}  // namespace faultline
