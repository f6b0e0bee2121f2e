#include <gtest/gtest.h>

#include "checkers/availability_checker.h"
#include "checkers/fault_intervals.h"
#include "tests/checkers/history_builder.h"

namespace faultline {
namespace {

using testing::HistoryBuilder;

TEST(FaultIntervalsTest, InvokeInfoPairsJepsenStyleInfoPairsAndHealAll) {
  HistoryBuilder b;
  b.StartFault("partition", {"n1", "n2"}, 1000);               // invoke + info
  b.Nemesis(OpType::kInfo, "start-clock", nullptr, 1500);         // Jepsen style: info + info
  b.Nemesis(OpType::kInfo, "start-clock", json{{"nodes", {"n3"}}}, 1510);
  b.StopFault("partition", 2000);
  b.Nemesis(OpType::kInfo, "heal", nullptr, 3000);               // lone record closes clock
  b.StartFault("kill", {"n2"}, 4000);                            // never stopped
  b.OkOp(1, "read", nullptr, 4500, 5000);
  std::vector<FaultInterval> iv = FaultIntervals(b.history());
  ASSERT_EQ(iv.size(), 3u);
  EXPECT_EQ(iv[0].fault, "partition");
  EXPECT_EQ(iv[0].start, 1000'000'000);
  EXPECT_EQ(iv[0].end, 2001'000'000);
  EXPECT_TRUE(iv[0].healed);
  EXPECT_EQ(iv[0].nodes, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(iv[1].fault, "clock");
  EXPECT_EQ(iv[1].start, 1500'000'000);
  EXPECT_EQ(iv[1].end, 3000'000'000);
  EXPECT_EQ(iv[1].nodes, (std::vector<std::string>{"n3"}));
  EXPECT_EQ(iv[2].fault, "kill");
  EXPECT_FALSE(iv[2].healed);
  EXPECT_EQ(iv[2].end, 5000'000'000);  // end of history
  EXPECT_TRUE(Overlaps(iv[0], 1900'000'000, 2500'000'000, "n1"));
  EXPECT_FALSE(Overlaps(iv[0], 1900'000'000, 2500'000'000, "n3"));
  EXPECT_FALSE(Overlaps(iv[0], 2100'000'000, 2500'000'000));
}

// n1 and n2 serve ops; a partition isolates n2 from 1 s to 2 s, during which
// n2's ops fail; n2 recovers 300 ms after the heal.
History PartitionHistory() {
  HistoryBuilder b;
  double t = 0;
  for (int i = 0; i < 10; ++i, t += 100) {  // healthy: all ok
    b.OkOp(1, "read", nullptr, t, t + 10, "k", "n1");
    b.OkOp(2, "write", i, t, t + 10, "k", "n2");
  }
  b.StartFault("partition", {"n2"}, 1000);
  for (t = 1010; t < 2000; t += 100) {
    b.OkOp(1, "read", nullptr, t, t + 10, "k", "n1");
    b.Invoke(2, "write", 7, t, "k", "n2").Fail(2, t + 10);
  }
  b.StopFault("partition", 2000);  // healed at 2001 ms
  b.Invoke(2, "write", 8, 1950, "k", "n2").Info(2, 2200);  // spans the heal
  b.OkOp(3, "write", 9, 2250, 2301, "k", "n2");
  b.OkOp(1, "read", nullptr, 2250, 2260, "k", "n1");
  return b.history();
}

TEST(AvailabilityCheckerTest, FractionsPerNodeFaultSplitOutageAndRecovery) {
  auto c = MakeAvailabilityChecker();
  ASSERT_TRUE(c.ok());
  CheckResult r = (*c)->Check({}, PartitionHistory());
  ASSERT_EQ(r.valid, Validity::kValid) << r.details.dump(2);
  const json& d = r.details;
  // 20 healthy ok + 10 n1 ok + 10 n2 fail + 1 info + 2 ok = 43 completed, 32 ok.
  EXPECT_EQ(d["completed"], 43);
  EXPECT_EQ(d["ok"], 32);
  EXPECT_NEAR(d["availability"].get<double>(), 32.0 / 43.0, 1e-12);
  EXPECT_EQ(d["by_node"]["n1"]["availability"], 1.0);
  EXPECT_EQ(d["by_node"]["n2"]["ok"], 11);
  EXPECT_EQ(d["by_node"]["n2"]["completed"], 22);
  // n2 during its fault: 10 fails + the info that began before the heal.
  EXPECT_EQ(d["by_node"]["n2"]["fault"]["completed"], 11);
  EXPECT_EQ(d["by_node"]["n2"]["fault"]["ok"], 0);
  EXPECT_EQ(d["by_node"]["n2"]["healthy"]["availability"], 1.0);
  // n2 was the target of every one of its fault ops.
  EXPECT_EQ(d["by_node"]["n2"]["targeted"]["completed"], 11);
  // n1 was never a target, but its ops during the partition are fault ops for
  // n1 as overall (the same rule for every row, so rows add up) ...
  EXPECT_EQ(d["by_node"]["n1"]["fault"]["completed"], 10);
  EXPECT_EQ(d["by_node"]["n1"]["targeted"]["completed"], 0);
  EXPECT_EQ(d["fault"]["completed"], 21);
  // ... and the nodes' healthy and fault ops sum to the overall ones.
  int64_t healthy = 0, fault = 0;
  for (auto it = d["by_node"].begin(); it != d["by_node"].end(); ++it) {
    healthy += it.value()["healthy"]["completed"].get<int64_t>();
    fault += it.value()["fault"]["completed"].get<int64_t>();
  }
  EXPECT_EQ(healthy, d["healthy"]["completed"].get<int64_t>());
  EXPECT_EQ(fault, d["fault"]["completed"].get<int64_t>());
  EXPECT_EQ(d["fault"]["ok"], 10);
  EXPECT_EQ(d["healthy"]["availability"], 1.0);
  EXPECT_EQ(d["by_f"]["write"]["ok"], 11);
  EXPECT_EQ(d["by_f"]["read"]["availability"], 1.0);
  ASSERT_EQ(d["faults"].size(), 1u);
  EXPECT_EQ(d["faults"][0]["nodes"], json::array({"n2"}));
  EXPECT_NEAR(d["fault_time_s"].get<double>(), 1.001, 1e-9);
  // Recovery: heal completed at 2.001 s; n1 ok at 2.260, n2 ok at 2.301.
  ASSERT_EQ(d["recovery"].size(), 1u);
  EXPECT_NEAR(d["recovery"][0]["nodes"]["n1"].get<double>(), 0.259, 1e-9);
  EXPECT_NEAR(d["recovery"][0]["nodes"]["n2"].get<double>(), 0.300, 1e-9);
  // Longest stretch without success: from n1's ok at 1.920 s to 2.260 s.
  EXPECT_NEAR(d["longest_outage"]["duration_s"].get<double>(), 0.340, 1e-9);
  EXPECT_NEAR(d["longest_outage"]["start_s"].get<double>(), 1.920, 1e-9);
}

// A 3-node partition that cuts n3 off: n3's ops during it fail, n1's succeed;
// ops outside the partition and on nodes of a partition without "cut-off"
// are not counted in partition_sides.
TEST(AvailabilityCheckerTest, PartitionSidesSplitCutOffFromMajority) {
  HistoryBuilder b;
  b.OkOp(1, "read", nullptr, 0, 10, "k", "n3");  // before: not counted
  b.Nemesis(OpType::kInvoke, "start-partition", nullptr, 100);
  b.Nemesis(OpType::kInfo, "start-partition",
            json{{"nodes", {"n1", "n2", "n3"}}, {"cut-off", {"n3"}}, {"kind", "one"}}, 101);
  for (double t = 200; t < 900; t += 100) {
    b.OkOp(1, "read", nullptr, t, t + 10, "k", "n1");
    b.Invoke(2, "write", 1, t, "k", "n3").Fail(2, t + 20);
  }
  b.Invoke(3, "write", 2, 850, "k", "n3").Info(3, 1100);  // spans the heal
  b.StopFault("partition", 1000);
  b.OkOp(4, "write", 3, 1200, 1210, "k", "n3");  // after: not counted
  b.StartFault("kill", {"n2"}, 1300);  // a final-phase heal after the last op
  b.StopFault("kill", 1400);
  CheckResult r = (*MakeAvailabilityChecker())->Check({}, b.history());
  // The partition's heal is followed by n3's ok op; the last heal by nothing.
  ASSERT_EQ(r.details["recovery"].size(), 1u) << r.details["recovery"].dump();
  EXPECT_NEAR(r.details["recovery"][0]["nodes"]["n3"].get<double>(), 0.209, 1e-9);
  const json& sides = r.details["partition_sides"];
  EXPECT_EQ(sides["cut_off"]["completed"], 8);  // 7 fails + the info
  EXPECT_EQ(sides["cut_off"]["ok"], 0);
  EXPECT_EQ(sides["majority"]["completed"], 7);
  EXPECT_EQ(sides["majority"]["availability"], 1.0);

  // Without any partition naming its cut-off side there is no split at all.
  EXPECT_FALSE((*MakeAvailabilityChecker())->Check({}, PartitionHistory()).details.contains(
      "partition_sides"));
}

// A cas whose precondition failed is a correct answer: available. A fail for
// lack of quorum is not.
TEST(AvailabilityCheckerTest, PreconditionFailuresCountAsAnswered) {
  HistoryBuilder b;
  b.OkOp(1, "write", 1, 0, 10, "k", "n1");
  b.Invoke(1, "cas", json::array({5, 6}), 20, "k", "n1");
  b.Fail(1, 30, "cas precondition failed: current value is 1");
  b.Invoke(1, "cas", json::array({1, 2}), 40, "k", "n1");
  b.Fail(1, 50, "no quorum: 1 of 3 replicas reachable");
  CheckResult r = (*MakeAvailabilityChecker())->Check({}, b.history());
  EXPECT_EQ(r.details["ok"], 1);
  EXPECT_EQ(r.details["answered"], 2);
  EXPECT_EQ(r.details["completed"], 3);
  EXPECT_NEAR(r.details["availability"].get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(r.details["by_f"]["cas"]["answered"], 1);
}

TEST(AvailabilityCheckerTest, MinAvailabilityMakesItPartOfTheVerdict) {
  History h = PartitionHistory();  // availability 32/43 = 0.744
  AvailabilityOptions strict;
  strict.min_availability = 0.9;
  CheckResult r = (*MakeAvailabilityChecker(strict))->Check({}, h);
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_NE(r.details["error"].get<std::string>().find("below --min-availability"), std::string::npos);

  AvailabilityOptions lax;
  lax.min_availability = 0.7;
  EXPECT_EQ((*MakeAvailabilityChecker(lax))->Check({}, h).valid, Validity::kValid);
}

TEST(AvailabilityCheckerTest, NoSuccessNodeNeverRecoversAndOutageCoversRun) {
  HistoryBuilder b;
  b.StartFault("partition", {"n1"}, 0);
  b.Invoke(1, "read", nullptr, 10, "k", "n1").Info(1, 1010);
  b.StopFault("partition", 1100);
  b.Invoke(2, "read", nullptr, 1200, "k", "n1").Fail(2, 1300);
  AvailabilityOptions o;
  o.min_availability = 0.5;
  CheckResult r = (*MakeAvailabilityChecker(o))->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(r.details["availability"], 0.0);
  EXPECT_TRUE(r.details["recovery"][0]["nodes"]["n1"].is_null());
  EXPECT_NEAR(r.details["longest_outage"]["duration_s"].get<double>(), 1.29, 1e-9);
}

// Under kill, workers of a dead node fail at once and retry at once: by ops
// that node dominates; by time it counts one second per second. n1 answers
// 10 ops a second for 10 s; n2 is dead for the first 5 s (1000 instant fails
// a second), then answers like n1; n3 has one write that hangs from 2 s on.
TEST(AvailabilityCheckerTest, ByTimeEachSecondWeighsAlikeHoweverManyOpsFailed) {
  HistoryBuilder b;
  for (int s = 0; s < 10; ++s) {
    for (int i = 0; i < 10; ++i) {
      double t = s * 1000.0 + i * 100;
      b.OkOp(1, "read", nullptr, t, t + 5, "k", "n1");
      if (s >= 5) b.OkOp(2, "read", nullptr, t, t + 5, "k", "n2");
    }
    if (s < 5) {
      for (int i = 0; i < 1000; ++i) b.Invoke(2, "read", nullptr, s * 1000.0 + i, "k", "n2").Fail(2, s * 1000.0 + i + 0.5);
    }
  }
  b.OkOp(3, "read", nullptr, 100, 110, "k", "n3");
  b.Invoke(4, "write", 1, 2000, "k", "n3");  // never completes
  CheckResult r = (*MakeAvailabilityChecker())->Check({}, b.history());
  const json& d = r.details;
  // By ops n2 is 50 / 5050 available; by time it is half the run.
  EXPECT_NEAR(d["by_node"]["n2"]["availability"].get<double>(), 50.0 / 5050.0, 1e-12);
  EXPECT_NEAR(d["by_node"]["n2"]["time_availability"].get<double>(), 0.5, 1e-12);
  EXPECT_NEAR(d["by_node"]["n1"]["time_availability"].get<double>(), 1.0, 1e-12);
  // n3: the 0-1 s window answered; from 2 s on it was asked (the hung write)
  // and answered nothing; 1-2 s it was not asked, so that window does not count.
  EXPECT_NEAR(d["by_node"]["n3"]["time_availability"].get<double>(), 1.0 / 9.0, 1e-12);
  EXPECT_NEAR(d["time_availability"].get<double>(), (1.0 + 0.5 + 1.0 / 9.0) / 3.0, 1e-12);
  const json& bt = d["by_time"];
  EXPECT_EQ(bt["window_s"], 1.0);
  ASSERT_EQ(bt["nodes"]["n2"].size(), 10u);
  EXPECT_EQ(bt["nodes"]["n2"][0], 0.0);
  EXPECT_EQ(bt["nodes"]["n2"][9], 1.0);
  EXPECT_TRUE(bt["nodes"]["n3"][1].is_null());
  EXPECT_EQ(bt["nodes"]["n3"][5], 0.0);
}

TEST(AvailabilityCheckerTest, BadOptionAndEmptyHistory) {
  AvailabilityOptions bad;
  bad.min_availability = 1.5;
  auto c = MakeAvailabilityChecker(bad);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("min_availability"), std::string::npos);
  EXPECT_EQ((*MakeAvailabilityChecker())->Check({}, {}).valid, Validity::kUnknown);
}

}  // namespace
}  // namespace faultline
