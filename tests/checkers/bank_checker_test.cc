// The bank checker: totals per read, negative balances, missing accounts,
// unknown without reads; and the bank workload's options and initial balances.
#include <gtest/gtest.h>

#include "checkers/bank_checker.h"
#include "results/plots.h"
#include "tests/checkers/history_builder.h"
#include "workloads/bank.h"

namespace faultline {
namespace {

using testing::HistoryBuilder;

json Balances(std::vector<int64_t> b) {
  json out = json::object();
  for (size_t i = 0; i < b.size(); ++i) out[std::to_string(i)] = b[i];
  return out;
}

CheckResult Check(const History& h, BankCheckOptions o = {3, 30, false}) {
  return MakeBankChecker(o)->Check(TestInfo{}, h);
}

TEST(BankCheckerTest, RightTotalsAreValid) {
  HistoryBuilder b;
  b.Invoke(0, "transfer", {{"from", 0}, {"to", 1}, {"amount", 4}}, 1).Ok(0, 2);
  b.Invoke(1, "read-balances", nullptr, 3).Ok(1, 4, Balances({6, 14, 10}));
  b.Invoke(0, "transfer", {{"from", 2}, {"to", 1}, {"amount", 5}}, 5).Fail(0, 6, "insufficient funds");
  b.Invoke(1, "read-balances", nullptr, 7).Ok(1, 8, Balances({6, 14, 10}));
  CheckResult r = Check(b.history());
  EXPECT_EQ(r.valid, Validity::kValid) << r.details.dump();
  EXPECT_EQ(r.details["reads"], 2);
  EXPECT_EQ(r.details["transfers"]["ok"], 1);
  EXPECT_EQ(r.details["transfers"]["fail"], 1);
  ASSERT_EQ(r.details["totals"].size(), 2u);
  EXPECT_EQ(r.details["totals"][0][1], 30);
}

TEST(BankCheckerTest, AWrongTotalIsInvalidAndNamed) {
  HistoryBuilder b;
  b.Invoke(1, "read-balances", nullptr, 3).Ok(1, 4, Balances({10, 10, 10}));
  b.Invoke(1, "read-balances", nullptr, 5).Ok(1, 6, Balances({6, 10, 10}));  // read skew: 4 in flight
  CheckResult r = Check(b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(r.details["error_counts"]["wrong-total"], 1);
  ASSERT_EQ(r.details["errors"].size(), 1u);
  EXPECT_EQ(r.details["errors"][0]["total"], 26);
  EXPECT_EQ(r.details["min_total"], 26);
  EXPECT_EQ(r.details["max_total"], 30);
  EXPECT_EQ(r.details["message"], "1 of 2 balance reads wrong: wrong-total (1); totals 26..30, expected 30");
}

TEST(BankCheckerTest, NegativeBalancesAreErrorsUnlessAllowed) {
  HistoryBuilder b;
  b.Invoke(1, "read-balances", nullptr, 3).Ok(1, 4, Balances({-2, 22, 10}));
  CheckResult strict = Check(b.history());
  EXPECT_EQ(strict.valid, Validity::kInvalid);
  EXPECT_EQ(strict.details["error_counts"]["negative-balance"], 1);
  CheckResult lax = Check(b.history(), {3, 30, true});
  EXPECT_EQ(lax.valid, Validity::kValid) << lax.details.dump();
}

TEST(BankCheckerTest, MissingAccountsAndUnreadableReads) {
  HistoryBuilder b;
  b.Invoke(1, "read-balances", nullptr, 3).Ok(1, 4, Balances({10, 20}));
  b.Invoke(1, "read-balances", nullptr, 5).Ok(1, 6, json::parse(R"({"0": "x", "1": 20, "2": 10})"));
  CheckResult r = Check(b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(r.details["error_counts"]["wrong-accounts"], 1);
  EXPECT_EQ(r.details["error_counts"]["unreadable"], 1);
}

TEST(BankCheckerTest, NoOkReadIsUnknown) {
  HistoryBuilder b;
  b.Invoke(0, "transfer", {{"from", 0}, {"to", 1}, {"amount", 4}}, 1).Ok(0, 2);
  b.Invoke(1, "read-balances", nullptr, 3).Fail(1, 4, "serialization failure");
  EXPECT_EQ(Check(b.history()).valid, Validity::kUnknown);
}

// Many reads: right totals are sampled for the plot, wrong ones all kept;
// the plot draws the wrong one in pink and counts it.
TEST(BankCheckerTest, PlotKeepsEveryWrongTotal) {
  HistoryBuilder b;
  for (int i = 0; i < 12000; ++i) {
    b.Invoke(1, "read-balances", nullptr, 2 * i).Ok(1, 2 * i + 1, Balances(i == 7777 ? std::vector<int64_t>{9, 10, 10}
                                                                                     : std::vector<int64_t>{10, 10, 10}));
  }
  CheckResult r = Check(b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  const json& totals = r.details["totals"];
  EXPECT_LT(totals.size(), 6001u);
  EXPECT_GT(totals.size(), 3000u);
  int wrong = 0;
  for (const json& t : totals) wrong += t[1] != 30;
  EXPECT_EQ(wrong, 1);
  std::string svg = BankTotalsPlot(r.details, {});
  EXPECT_NE(svg.find("fill=\"#e7298a\""), std::string::npos);
  EXPECT_NE(svg.find("1 with a total other than the expected 30"), std::string::npos);
  EXPECT_NE(BankTotalsPlot(json::object(), {}).find("No balance reads"), std::string::npos);
}

TEST(BankOptionsTest, ParsesAndSpreadsTheTotal) {
  auto o = ParseBankOptions({{"accounts", "3"}, {"total", "100"}, {"balance-reads", "per-account"}});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_TRUE(o->per_account_reads);
  EXPECT_EQ(BankInitialBalances(*o), (std::vector<int64_t>{34, 33, 33}));
  auto d = ParseBankOptions({});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->accounts, 8);
  EXPECT_FALSE(d->per_account_reads);
  auto bad = ParseBankOptions({{"balance-reads", "each"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("balance-reads=\"each\" must be txn or per-account"), std::string::npos);
  auto unknown = ParseBankOptions({{"acounts", "3"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown option \"acounts\""), std::string::npos);
}

}  // namespace
}  // namespace faultline
