// The report's membership pieces: MembershipSteps reads the member count
// after each membership change from the nemesis ops, MembershipPlot draws it
// as a step line with one hoverable dot per change (and the ring's epoch
// where the store reports one), and the report shows the section and the
// nodes a change touched only when the run changed membership.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "checkers/fault_intervals.h"
#include "results/plots.h"
#include "results/report.h"
#include "results/run_store.h"
#include "tests/checkers/history_builder.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using testing::HistoryBuilder;

// n4 leaves at 5 s (ring epoch 2), a join fails at 7 s (members unknown),
// the stop brings n4 back at 10 s (epoch 3); clients read throughout.
History MembershipHistory() {
  HistoryBuilder b;
  for (int i = 0; i < 30; ++i) b.OkOp(1 + i % 3, "read", nullptr, i * 400.0, i * 400.0 + 3, "k", "n1");
  b.Nemesis(OpType::kInvoke, "start-membership", nullptr, 5000);
  b.Nemesis(OpType::kInfo, "start-membership",
            {{"op", "leave"}, {"left", {"n4"}}, {"joined", json::array()}, {"members", {"n1", "n2", "n3"}},
             {"results", {{{"epoch", 2}, {"node", "n4"}}}}},
            5200);
  b.Nemesis(OpType::kInvoke, "stop-membership", nullptr, 10000);
  b.Nemesis(OpType::kInfo, "stop-membership",
            {{"op", "undo"}, {"left", json::array()}, {"joined", {"n4"}}, {"members", {"n1", "n2", "n3", "n4"}},
             {"results", {{{"epoch", 3}, {"node", "n4"}}}}},
            10300);
  b.Nemesis(OpType::kInvoke, "start-membership", nullptr, 11000);
  b.Nemesis(OpType::kInfo, "start-membership", {{"op", "join"}, {"members", nullptr}}, 11100);
  return b.history();
}

TEST(MembershipPlotTest, StepsStartFromTheMembersBeforeTheFirstChange) {
  auto steps = MembershipSteps(MembershipHistory());
  ASSERT_EQ(steps.size(), 3u) << "before, the leave, the undo; the change with unknown members is left out";
  EXPECT_EQ(steps[0].t_s, 0);
  EXPECT_EQ(steps[0].members, (std::vector<std::string>{"n1", "n2", "n3", "n4"}));
  EXPECT_NEAR(steps[1].t_s, 5.2, 1e-9);
  EXPECT_EQ(steps[1].left, (std::vector<std::string>{"n4"}));
  EXPECT_EQ(steps[1].members.size(), 3u);
  EXPECT_EQ(steps[1].epoch, 2);
  EXPECT_EQ(steps[2].op, "undo");
  EXPECT_EQ(steps[2].members.size(), 4u);
  EXPECT_EQ(steps[2].epoch, 3);
  HistoryBuilder none;
  none.StartFault("kill", {"n1"}, 100).StopFault("kill", 200);
  EXPECT_TRUE(MembershipSteps(none.history()).empty());
}

TEST(MembershipPlotTest, DrawsTheCountAsAStepLineWithAHoverPerChange) {
  History h = MembershipHistory();
  std::string svg = MembershipPlot(h, FaultIntervals(h), 12.0);
  EXPECT_NE(svg.find("class=\"plot membership\""), std::string::npos);
  // y: 0..5 members over 164 px from y=16: 4 members at 48.8, 3 at 81.6;
  // x: 0..12 s over 820 px from x=64: 5.2 s at 419.3, 10.3 s at 767.8.
  EXPECT_NE(svg.find("points=\"64.0,48.8 419.3,48.8 419.3,81.6 767.8,81.6 767.8,48.8 884.0,48.8 \""),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<title>5.20 s: leave, left n4 &rarr; 3 members (n1,n2,n3), epoch 2</title>"), std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<title>10.30 s: undo, joined n4 &rarr; 4 members (n1,n2,n3,n4), epoch 3</title>"),
            std::string::npos);
  EXPECT_NE(svg.find(">e3</text>"), std::string::npos) << "the epoch beside its step";
  EXPECT_NE(svg.find("eN: the ring's epoch"), std::string::npos);
  // The membership fault's shading, named with the node it touched.
  EXPECT_NE(svg.find("<title>membership on n4 "), std::string::npos) << svg;
  // etcd reports no epoch: no epoch labels, no epoch note.
  HistoryBuilder etcd;
  etcd.Nemesis(OpType::kInvoke, "start-membership", nullptr, 1000);
  etcd.Nemesis(OpType::kInfo, "start-membership",
               {{"op", "join"}, {"left", json::array()}, {"joined", {"n5"}}, {"members", {"n1", "n2", "n3", "n4", "n5"}},
                {"results", {{{"member_id", "77"}, {"member_count", 5}}}}},
               1500);
  std::string e = MembershipPlot(etcd.history(), {}, 3.0);
  EXPECT_EQ(e.find("class=epoch"), std::string::npos);
  EXPECT_EQ(e.find("eN:"), std::string::npos);
  EXPECT_NE(e.find("join, joined n5 &rarr; 5 members"), std::string::npos) << e;
  HistoryBuilder none;
  none.OkOp(1, "read", nullptr, 0, 1, "k", "n1");
  EXPECT_EQ(MembershipPlot(none.history(), {}), "<p>No membership changes in this run.</p>");
}

TEST(MembershipPlotTest, ReportShowsTheSectionAndTheNodesAChangeTouched) {
  std::string store = ::testing::TempDir() + "/membership_report_" + std::to_string(::getpid());
  fs::remove_all(store);
  auto dir = CreateRunDir(store, "etcd-register");
  ASSERT_TRUE(dir.ok()) << dir.status().message();
  // The change's value names its nodes only as left/joined (as histories
  // written before "nodes" was added to it).
  History h = MembershipHistory();
  ReportInput in;
  in.run_dir = *dir;
  in.test = {{"name", "etcd-register"}};
  in.history = &h;
  in.results = {{"valid", true}};
  ASSERT_TRUE(WriteReport(in).ok());
  std::stringstream html;
  html << std::ifstream(*dir + "/report.html").rdbuf();
  const std::string page = html.str();
  EXPECT_NE(page.find("<h2 id=membership>Membership</h2>"), std::string::npos);
  const size_t row = page.find("<tr><td>membership</td>");
  ASSERT_NE(row, std::string::npos);
  const std::string cells = page.substr(row, page.find("</tr>", row) - row);
  EXPECT_NE(cells.find("<td>n4</td>"), std::string::npos) << cells;
  // A run without membership changes has no such section.
  HistoryBuilder b;
  b.OkOp(1, "read", nullptr, 0, 1, "k", "n1");
  History plain = b.history();
  in.history = &plain;
  ASSERT_TRUE(WriteReport(in).ok());
  std::stringstream again;
  again << std::ifstream(*dir + "/report.html").rdbuf();
  EXPECT_EQ(again.str().find("id=membership"), std::string::npos);
  fs::remove_all(store);
}

}  // namespace
}  // namespace faultline
