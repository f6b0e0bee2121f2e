#include <gtest/gtest.h>

#include "checkers/op_pairs.h"
#include "checkers/perf_checker.h"
#include "checkers/stats_checker.h"
#include "tests/checkers/history_builder.h"

namespace faultline {
namespace {

using testing::HistoryBuilder;

TEST(OpPairsTest, PairsByProcessAndKeepsPendingAndSkipsNemesis) {
  HistoryBuilder b;
  b.Invoke(1, "write", 1, 0).Invoke(2, "read", nullptr, 1);
  b.StartFault("partition", {"n1"}, 2);
  b.Ok(2, 3, 0).Info(1, 4).Invoke(3, "read", nullptr, 5);
  PairedOps p = PairClientOps(b.history());
  ASSERT_EQ(p.pairs.size(), 3u);
  EXPECT_EQ(p.pairs[0].invoke, 0u);
  EXPECT_EQ(*p.pairs[0].completion, 5u);
  EXPECT_EQ(*p.pairs[1].completion, 4u);
  EXPECT_FALSE(p.pairs[2].completion.has_value());
  EXPECT_EQ(PairOutcome(b.history(), p.pairs[0]), OpType::kInfo);
  EXPECT_EQ(PairOutcome(b.history(), p.pairs[2]), OpType::kInvoke);
  EXPECT_EQ(p.malformed, 0u);

  History orphan = b.history();
  Op stray = orphan[4];
  stray.process = 9;
  orphan.push_back(stray);
  EXPECT_EQ(PairClientOps(orphan).malformed, 1u);
}

TEST(StatsCheckerTest, ValidWhenEveryFHasAnOk) {
  HistoryBuilder b;
  b.OkOp(1, "write", 1, 0, 1).OkOp(1, "read", nullptr, 2, 3);
  b.Invoke(1, "read", nullptr, 4).Fail(1, 5);
  b.Invoke(1, "write", 2, 6).Info(1, 7);
  b.StartFault("kill", {"n1"}, 8);  // nemesis ops are not counted
  b.Invoke(2, "read", nullptr, 9);   // pending
  auto c = MakeStatsChecker();
  CheckResult r = c->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kValid) << r.details.dump();
  EXPECT_EQ(r.details["count"], 4);
  EXPECT_EQ(r.details["ok"], 2);
  EXPECT_EQ(r.details["fail"], 1);
  EXPECT_EQ(r.details["info"], 1);
  EXPECT_EQ(r.details["pending"], 1);
  EXPECT_EQ(r.details["by_f"]["read"]["ok"], 1);
  EXPECT_EQ(r.details["by_f"]["read"]["fail"], 1);
  EXPECT_EQ(r.details["by_f"]["read"]["pending"], 1);
  EXPECT_EQ(r.details["by_f"]["write"]["info"], 1);
  EXPECT_FALSE(r.details["by_f"].contains("start-kill"));
}

TEST(StatsCheckerTest, InvalidWhenSomeFNeverSucceeded) {
  HistoryBuilder b;
  b.OkOp(1, "write", 1, 0, 1);
  b.Invoke(1, "cas", json::array({1, 2}), 2).Fail(1, 3);
  b.Invoke(1, "cas", json::array({1, 2}), 4).Info(1, 5);
  CheckResult r = MakeStatsChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(r.details["never_ok"], json::array({"cas"}));
  EXPECT_EQ(r.details["by_f"]["cas"]["valid"], false);
  EXPECT_EQ(r.details["by_f"]["write"]["valid"], true);
}

TEST(StatsCheckerTest, EmptyHistoryIsUnknown) {
  HistoryBuilder b;
  b.StartFault("partition", {}, 0);
  EXPECT_EQ(MakeStatsChecker()->Check({}, b.history()).valid, Validity::kUnknown);
}

TEST(PerfCheckerTest, LatencyPercentilesAndThroughputBuckets) {
  HistoryBuilder b;
  // 10 reads with latencies 1..10 ms, completing in second 0; 1 write in second 2.
  for (int i = 1; i <= 10; ++i) b.OkOp(i, "read", nullptr, 90.0 * i, 90.0 * i + i);
  b.Invoke(20, "write", 5, 2000).Info(20, 2500);
  b.Invoke(21, "write", 6, 2600).Fail(21, 2610);
  b.Invoke(22, "read", nullptr, 2700);  // pending: no latency
  CheckResult r = MakePerfChecker()->Check({}, b.history());
  ASSERT_EQ(r.valid, Validity::kValid) << r.details.dump();
  const json& read = r.details["latency_ms"]["by_f"]["read"];
  EXPECT_EQ(read["count"], 10);
  EXPECT_DOUBLE_EQ(read["p50"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(read["p95"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(read["max"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(read["mean"].get<double>(), 5.5);
  EXPECT_EQ(read["ok"]["count"], 10);
  const json& write = r.details["latency_ms"]["by_f"]["write"];
  EXPECT_EQ(write["count"], 2);
  EXPECT_DOUBLE_EQ(write["info"]["max"].get<double>(), 500.0);
  EXPECT_DOUBLE_EQ(write["fail"]["max"].get<double>(), 10.0);
  EXPECT_EQ(r.details["latency_ms"]["all"]["count"], 12);

  const json& buckets = r.details["throughput"]["buckets"];
  ASSERT_EQ(buckets.size(), 3u);  // seconds 0, 1 (empty), 2
  EXPECT_EQ(buckets[0]["ok"], 10);
  EXPECT_EQ(buckets[1]["ok"], 0);
  EXPECT_EQ(buckets[2]["info"], 1);
  EXPECT_EQ(buckets[2]["fail"], 1);
  EXPECT_NEAR(r.details["throughput"]["ops_per_s"].get<double>(), 12 / 2.61, 1e-9);
}

TEST(PerfCheckerTest, NoClientOpsIsUnknown) {
  EXPECT_EQ(MakePerfChecker()->Check({}, {}).valid, Validity::kUnknown);
}

TEST(PerfCheckerTest, NearestRankPercentiles) {
  std::vector<double> v = {4, 1, 3, 2};
  json s = SummarizeLatencies(v);
  EXPECT_EQ(s["p50"], 2.0);
  EXPECT_EQ(s["p99"], 4.0);
  std::vector<double> none;
  EXPECT_EQ(SummarizeLatencies(none)["count"], 0);
}

}  // namespace
}  // namespace faultline
