#include <gtest/gtest.h>

#include "checkers/counter_checker.h"
#include "checkers/set_checker.h"
#include "tests/checkers/history_builder.h"

namespace faultline {
namespace {

using testing::HistoryBuilder;

json Elements(const CheckResult& r, const char* category) {
  json out = json::array();
  for (const json& e : r.details[category]) out.push_back(e["element"]);
  return out;
}

// Adds 1, 2 (ok), 3 (info), 4 (fail), 5 (never completed); reads at the end.
HistoryBuilder SetAdds() {
  HistoryBuilder b;
  b.OkOp(1, "set-add", 1, 0, 1).OkOp(2, "set-add", 2, 0, 2);
  b.Invoke(3, "set-add", 3, 0).Info(3, 5);
  b.Invoke(4, "set-add", 4, 0).Fail(4, 1);
  b.Invoke(5, "set-add", 5, 3);
  return b;
}

TEST(SetCheckerTest, AllAcknowledgedAddsReadBackIsValid) {
  HistoryBuilder b = SetAdds();
  b.Invoke(1, "set-read", nullptr, 10).Ok(1, 11, json::array({2, 1}));
  CheckResult r = MakeSetChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kValid) << r.details.dump();
  EXPECT_EQ(r.details["attempt_count"], 5);
  EXPECT_EQ(r.details["acknowledged_count"], 2);
  EXPECT_EQ(r.details["ok_count"], 2);
  EXPECT_EQ(r.details["lost_count"], 0);
  EXPECT_EQ(r.details["recovered_count"], 0);
}

TEST(SetCheckerTest, RecoveredInfoAndPendingAdds) {
  HistoryBuilder b = SetAdds();
  b.Invoke(1, "set-read", nullptr, 10).Ok(1, 11, json::array({1, 2, 3, 5}));
  CheckResult r = MakeSetChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kValid) << r.details.dump();
  EXPECT_EQ(Elements(r, "recovered"), json::array({3, 5}));
}

TEST(SetCheckerTest, LostAcknowledgedAddIsInvalid) {
  HistoryBuilder b = SetAdds();
  // An early read saw 1, but the final read lost it.
  b.Invoke(1, "set-read", nullptr, 5).Ok(1, 6, json::array({1, 2}));
  b.Invoke(1, "set-read", nullptr, 10).Ok(1, 11, json::array({2}));
  CheckResult r = MakeSetChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Elements(r, "lost"), json::array({1}));
  EXPECT_EQ(r.details["lost"][0]["final_read_index"], b.history().back().index);
}

// A run stopped before its final reads: the last read began before the add of
// 3 was acknowledged, so its absence proves nothing (unknown, not lost); once a
// later read misses it, it is lost.
TEST(SetCheckerTest, AddAcknowledgedAfterTheLastReadBeganIsUnreadNotLost) {
  HistoryBuilder b;
  b.OkOp(1, "set-add", 1, 0, 1);
  b.Invoke(2, "set-read", nullptr, 2).Invoke(3, "set-add", 3, 3).Ok(3, 4);
  b.Ok(2, 5, json::array({1}));
  CheckResult r = MakeSetChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kUnknown) << r.details.dump();
  EXPECT_EQ(r.details["lost_count"], 0);
  EXPECT_EQ(Elements(r, "unread"), json::array({3}));
  EXPECT_NE(r.details["error"].get<std::string>().find("after the final read began"),
            std::string::npos);
  b.OkOp(4, "set-add", 4, 6, 7);
  b.Invoke(2, "set-read", nullptr, 8).Ok(2, 9, json::array({1, 4}));
  r = MakeSetChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid) << r.details.dump();
  EXPECT_EQ(Elements(r, "lost"), json::array({3}));
  EXPECT_EQ(r.details["unread_count"], 0);
}

TEST(SetCheckerTest, UnexpectedAndFailedAddPresentAreInvalid) {
  HistoryBuilder b = SetAdds();
  b.Invoke(1, "set-read", nullptr, 10).Ok(1, 11, json::array({1, 2, 4, 99}));
  CheckResult r = MakeSetChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Elements(r, "unexpected"), json::array({4, 99}));
  EXPECT_EQ(r.details["unexpected"][0]["reason"], "its add failed");
  EXPECT_EQ(r.details["unexpected"][1]["reason"], "never added");
}

TEST(SetCheckerTest, DuplicateInReadIsInvalid) {
  HistoryBuilder b = SetAdds();
  b.Invoke(1, "set-read", nullptr, 10).Ok(1, 11, json::array({1, 2, 2}));
  CheckResult r = MakeSetChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Elements(r, "duplicated"), json::array({2}));
}

TEST(SetCheckerTest, StaleReadOnlyMattersUnderLinearizable) {
  HistoryBuilder b = SetAdds();
  // Invoked at 4 ms, after the adds of 1 (done at 1) and 2 (done at 2): lacks 2.
  b.Invoke(6, "set-read", nullptr, 4).Ok(6, 6, json::array({1}));
  // Concurrent with nothing new; the final read has everything.
  b.Invoke(1, "set-read", nullptr, 10).Ok(1, 11, json::array({1, 2}));
  CheckResult plain = MakeSetChecker()->Check({}, b.history());
  EXPECT_EQ(plain.valid, Validity::kValid) << plain.details.dump();
  EXPECT_FALSE(plain.details.contains("stale"));

  CheckResult lin = MakeSetChecker({.linearizable = true})->Check({}, b.history());
  EXPECT_EQ(lin.valid, Validity::kInvalid);
  EXPECT_EQ(Elements(lin, "stale"), json::array({2}));

  // A read concurrent with an add may miss it even under linearizability.
  HistoryBuilder c;
  c.Invoke(1, "set-add", 7, 0);
  c.Invoke(2, "set-read", nullptr, 1).Ok(2, 2, json::array());
  c.Ok(1, 3);
  c.Invoke(2, "set-read", nullptr, 4).Ok(2, 5, json::array({7}));
  EXPECT_EQ(MakeSetChecker({.linearizable = true})->Check({}, c.history()).valid, Validity::kValid);
}

TEST(SetCheckerTest, KeysAreSeparateSetsAndAnUnreadKeyIsUnknown) {
  HistoryBuilder b;
  b.OkOp(1, "set-add", 1, 0, 1, "a").OkOp(1, "set-add", 1, 2, 3, "b");
  b.Invoke(1, "set-read", nullptr, 4, "a").Ok(1, 5, json::array({1}));
  CheckResult r = MakeSetChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kUnknown);
  EXPECT_EQ(r.details["never_read"], json::array({"b"}));
  b.Invoke(1, "set-read", nullptr, 6, "b").Ok(1, 7, json::array({1}));
  EXPECT_EQ(MakeSetChecker()->Check({}, b.history()).valid, Validity::kValid);
  b.Invoke(1, "set-read", nullptr, 8, "b").Ok(1, 9, json::array());
  r = MakeSetChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(r.details["lost"][0]["key"], "b");
}

TEST(SetCheckerTest, NoSetOpsIsUnknown) {
  HistoryBuilder b;
  b.OkOp(1, "read", nullptr, 0, 1);
  EXPECT_EQ(MakeSetChecker()->Check({}, b.history()).valid, Validity::kUnknown);
}

// Adds: +1 ok [0,1], +10 info [2,50], +100 fail [3,4], +1000 pending from 30.
HistoryBuilder CounterAdds() {
  HistoryBuilder b;
  b.OkOp(1, "counter-add", 1, 0, 1);
  b.Invoke(2, "counter-add", 10, 2).Info(2, 50);
  b.Invoke(3, "counter-add", 100, 3).Fail(3, 4);
  b.Invoke(4, "counter-add", 1000, 30);
  return b;
}

TEST(CounterCheckerTest, ReadsWithinBoundsAreValid) {
  HistoryBuilder b = CounterAdds();
  b.Invoke(5, "counter-read", nullptr, 5).Ok(5, 6, 11);     // [1, 11]
  b.Invoke(5, "counter-read", nullptr, 40).Ok(5, 41, 1011);  // [1, 1011]
  CheckResult r = MakeCounterChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kValid) << r.details.dump();
  EXPECT_EQ(r.details["reads"], 2);
  EXPECT_EQ(r.details["final"]["null"]["upper"], 1011);
  EXPECT_EQ(r.details["final"]["null"]["lower"], 1);
}

TEST(CounterCheckerTest, ReadBelowLowerBoundIsInvalid) {
  HistoryBuilder b = CounterAdds();
  b.Invoke(5, "counter-read", nullptr, 5).Ok(5, 6, 0);  // the ok +1 finished before
  CheckResult r = MakeCounterChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  ASSERT_EQ(r.details["errors"].size(), 1u);
  EXPECT_EQ(r.details["errors"][0]["lower"], 1);
  EXPECT_EQ(r.details["errors"][0]["upper"], 11);
  EXPECT_EQ(r.details["errors"][0]["value"], 0);
}

TEST(CounterCheckerTest, ReadCountingAFailedOrFutureAddIsInvalid) {
  HistoryBuilder b = CounterAdds();
  b.Invoke(5, "counter-read", nullptr, 5).Ok(5, 6, 111);   // includes the failed +100
  b.Invoke(6, "counter-read", nullptr, 7).Ok(6, 8, 1001);  // +1000 not yet invoked
  CheckResult r = MakeCounterChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(r.details["error_count"], 2);
}

TEST(CounterCheckerTest, InitialValueKeysAndBadInput) {
  HistoryBuilder b;
  b.OkOp(1, "counter-add", 2, 0, 1, "x");
  b.Invoke(1, "counter-read", nullptr, 2, "y").Ok(1, 3, 5);
  b.Invoke(1, "counter-read", nullptr, 4, "x").Ok(1, 5, 7);
  EXPECT_EQ(MakeCounterChecker({.initial = 5})->Check({}, b.history()).valid, Validity::kValid);
  EXPECT_EQ(MakeCounterChecker()->Check({}, b.history()).valid, Validity::kInvalid);

  HistoryBuilder neg;
  neg.OkOp(1, "counter-add", -3, 0, 1);
  CheckResult r = MakeCounterChecker()->Check({}, neg.history());
  EXPECT_EQ(r.valid, Validity::kUnknown);
  EXPECT_NE(r.details["error"].get<std::string>().find("non-negative"), std::string::npos);

  HistoryBuilder no_reads;
  no_reads.OkOp(1, "counter-add", 3, 0, 1);
  EXPECT_EQ(MakeCounterChecker()->Check({}, no_reads.history()).valid, Validity::kUnknown);
}

}  // namespace
}  // namespace faultline
