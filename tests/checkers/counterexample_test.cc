#include "checkers/counterexample.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "checkers/linearizable.h"
#include "tests/checkers/history_builder.h"

namespace faultline {
namespace {
using testing::HistoryBuilder;

// n1 writes 1 to k; n3's clock is bumped +4.2 s and n4,n5 are cut off; then a
// read on n3 returns the older 0: the sentence names the read, its node, the
// write linearizations require (with its node and time) and n3's clock.
TEST(CounterexampleTest, SentenceNamesTheOpTheWriteAndTheFaultsInTheWindow) {
  HistoryBuilder b;
  b.OkOp(0, "write", 0, 0, 5, "k", "n1");
  b.OkOp(1, "write", 1, 100, 110, "k", "n1");
  b.Nemesis(OpType::kInvoke, "start-clock", nullptr, 120);
  b.Nemesis(OpType::kInfo, "start-clock", {{"kind", "bump"}, {"nodes", {"n3"}}, {"offsets-ms", {{"n3", 4200}}}}, 121);
  b.Nemesis(OpType::kInvoke, "start-partition", nullptr, 125);
  b.Nemesis(OpType::kInfo, "start-partition", {{"kind", "majority"}, {"nodes", {"n1", "n4", "n5"}}, {"cut-off", {"n4", "n5"}}}, 126);
  b.Invoke(2, "read", nullptr, 130, "k", "n3").Ok(2, 140, json(0));
  History h = b.history();
  LinearizableOptions o;
  o.model = "kv";
  auto r = CheckLinearizable(h, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->valid, Validity::kInvalid) << r->details.dump(2);
  Counterexample cx = DescribeCounterexample(r->details["failure"], h);
  EXPECT_NE(cx.sentence.find("read of k on n3 returned 0 (ok at 0.140 s), but the only state any linearization "
                             "allows when it took effect is 1 (last write: write 1 to k on n1 by process 1, ok at "
                             "0.110 s)"),
            std::string::npos)
      << cx.sentence;
  EXPECT_NE(cx.sentence.find("at the time: n3's clock was +4.2 s; partition (majority): n4,n5 cut off"),
            std::string::npos)
      << cx.sentence;
  EXPECT_TRUE(cx.has_time);
  EXPECT_NEAR(cx.from_s, 0.0, 1e-9);
  EXPECT_NEAR(cx.to_s, 0.140, 1e-9);
  // The diagram: each op with its node, its history index, the faults as bands.
  EXPECT_NE(cx.svg.find("process 2 \u00b7 n3"), std::string::npos);
  EXPECT_NE(cx.svg.find("data-index=\"" + std::to_string(cx.indices.front()) + "\""), std::string::npos);
  EXPECT_NE(cx.svg.find("partition (majority): n4,n5 cut off"), std::string::npos);
  EXPECT_EQ(cx.svg.find("http://"), std::string::npos);
}

// lww under clock skew: n3's clock is bumped 3.2 s ahead, n3 writes 2, the
// clock is reset, n1 writes 3, and a later read returns 2 (the write with the
// future timestamp won). The sentence names the cause, though the bump is
// over before the read: the 2 was written on n3 whose clock was ahead (not
// n1's later write of 2, made while n1's clock was behind).
TEST(CounterexampleTest, SentenceNamesTheSkewedClockOfTheWriteTheReadReturned) {
  HistoryBuilder b;
  b.Nemesis(OpType::kInvoke, "start-clock", nullptr, 100);
  b.Nemesis(OpType::kInfo, "start-clock", {{"kind", "bump"}, {"nodes", {"n3"}}, {"offsets-ms", {{"n3", 3200}}}}, 101);
  b.OkOp(5, "write", 2, 150, 160, "k", "n3");
  b.OkOp(4, "write", 2, 40, 50, "k", "n2");  // the same value earlier, on an unskewed node
  b.Nemesis(OpType::kInvoke, "stop-clock", nullptr, 400);
  b.Nemesis(OpType::kInfo, "stop-clock", {{"kind", "reset"}, {"nodes", {"n3"}}, {"offsets-ms", {{"n3", 0}}}}, 401);
  // A later write of 2 on n1 while n1's clock was behind: skewed, but the
  // wrong way to explain the read (a clock behind makes a write lose).
  b.Nemesis(OpType::kInvoke, "start-clock", nullptr, 420);
  b.Nemesis(OpType::kInfo, "start-clock", {{"kind", "bump"}, {"nodes", {"n1"}}, {"offsets-ms", {{"n1", -1000}}}}, 421);
  b.OkOp(6, "write", 2, 450, 460, "k", "n1");
  b.Nemesis(OpType::kInvoke, "stop-clock", nullptr, 480);
  b.Nemesis(OpType::kInfo, "stop-clock", {{"kind", "reset"}, {"nodes", {"n1"}}, {"offsets-ms", {{"n1", 0}}}}, 481);
  b.OkOp(1, "write", 3, 500, 510, "k", "n1");
  b.Invoke(2, "read", nullptr, 600, "k", "n2").Ok(2, 610, json(2));
  History h = b.history();
  LinearizableOptions o;
  o.model = "kv";
  auto r = CheckLinearizable(h, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->valid, Validity::kInvalid) << r->details.dump(2);
  Counterexample cx = DescribeCounterexample(r->details["failure"], h);
  EXPECT_NE(cx.sentence.find("read of k on n2 returned 2 (ok at 0.610 s), but the only state any linearization allows "
                             "when it took effect is 3 (last write: write 3 to k on n1 by process 1, ok at 0.510 s); "
                             "the 2 it returned was written on n3 (write 2 to k by process 5, ok at 0.160 s), whose "
                             "clock was 3.2 s ahead at that time"),
            std::string::npos)
      << cx.sentence;
  // The last write's node was not skewed: nothing said about it.
  EXPECT_EQ(cx.sentence.find("written on n1"), std::string::npos) << cx.sentence;
  // The bump is in the window's diagram but over when the read ran: the
  // sentence does not say "no fault was active in the window".
  EXPECT_NE(cx.sentence.find("\u2014 no clock was skewed while it ran (earlier in the window: clock bump: n3 +3.2 s; clock bump: n1 -1.0 s)."),
            std::string::npos) << cx.sentence;
}

// The other way round: the last write ran on n1 while a strobe set every
// clock 2.6 s behind, so its timestamp lost to the older value. The sentence
// says so on that write, with the strobe's period.
TEST(CounterexampleTest, SentenceNamesTheStrobedClockOfTheLastWrite) {
  HistoryBuilder b;
  b.OkOp(2, "write", 2, 50, 60, "k", "n2");
  b.Nemesis(OpType::kInvoke, "start-clock", nullptr, 100);
  b.Nemesis(OpType::kInfo, "start-clock",
            {{"kind", "strobe"}, {"nodes", {"n1", "n2", "n3"}}, {"period-ms", 216},
             {"offsets-ms", {{"n1", -2573.0}, {"n2", -2573.0}, {"n3", -2573.0}}}},
            101);
  b.OkOp(1, "write", 3, 200, 210, "k", "n1");
  b.Invoke(3, "read", nullptr, 300, "k", "n2").Ok(3, 310, json(2));
  History h = b.history();
  LinearizableOptions o;
  o.model = "kv";
  auto r = CheckLinearizable(h, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->valid, Validity::kInvalid) << r->details.dump(2);
  Counterexample cx = DescribeCounterexample(r->details["failure"], h);
  EXPECT_NE(cx.sentence.find("(last write: write 3 to k on n1 by process 1, ok at 0.210 s, written on n1, whose clock "
                             "was strobing between true time and 2.6 s behind (every 216 ms) at that time)"),
            std::string::npos)
      << cx.sentence;
  // The returned 2 was written before the strobe began: no clause for it.
  EXPECT_EQ(cx.sentence.find("it returned was written"), std::string::npos) << cx.sentence;
}

// Many short ops in one process: their labels go to rows below the boxes so
// that no two labels in a row overlap (at the estimated character width).
TEST(CounterexampleTest, LabelsOfCloseOpsAreStaggeredIntoRows) {
  HistoryBuilder b;
  for (int i = 0; i < 8; ++i) b.OkOp(0, "write", i, i * 2.0, i * 2.0 + 1, "k", "n1");
  b.Invoke(1, "read", nullptr, 30, "k", "n2").Ok(1, 31, json(3));
  History h = b.history();
  LinearizableOptions o;
  auto r = CheckLinearizable(h, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->valid, Validity::kInvalid);
  Counterexample cx = DescribeCounterexample(r->details["failure"], h);
  // Label texts: <text x="X" y="Y">#n write v</text>; group by y, check spacing.
  std::regex label(R"re(<text x="([0-9.]+)" y="([0-9.]+)"[^>]*>(#[0-9]+ [^<]*)</text>)re");
  std::map<std::string, std::vector<std::pair<double, size_t>>> rows;
  for (auto it = std::sregex_iterator(cx.svg.begin(), cx.svg.end(), label); it != std::sregex_iterator(); ++it) {
    rows[(*it)[2]].emplace_back(std::stod((*it)[1]), (*it)[3].length());
  }
  ASSERT_GE(rows.size(), 2u) << "close ops need more than one label row";
  for (auto& [y, labels] : rows) {
    std::sort(labels.begin(), labels.end());
    for (size_t i = 1; i < labels.size(); ++i) {
      EXPECT_GE(labels[i].first, labels[i - 1].first + static_cast<double>(labels[i - 1].second) * 6.6) << "row " << y;
    }
  }
}

}  // namespace
}  // namespace faultline
