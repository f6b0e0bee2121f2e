// FaultSummary: counts, active time, nodes, targets and waits per fault kind
// from overlapping nemesis ops, and the lines printed from them.
#include "checkers/fault_summary.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

// A nemesis op: its invocation (with the schedule note, if any) and completion.
void Nemesis(History* h, const std::string& f, double t_s, json value, json schedule = nullptr) {
  Op inv;
  inv.type = OpType::kInfo;  // as the runner records them: two info records
  inv.process = kNemesisProcess;
  inv.f = f;
  inv.time = static_cast<int64_t>(t_s * 1e9);
  if (!schedule.is_null()) inv.extra = {{"schedule", schedule}};
  Op done = inv;
  done.type = OpType::kInfo;
  done.time += 100000000;  // 0.1 s
  done.value = std::move(value);
  h->push_back(inv);
  h->push_back(done);
}

TEST(FaultSummaryTest, OverlappingKindsAreCountedApart) {
  History h;
  Nemesis(&h, "start-partition", 2, {{"kind", "majority"}, {"nodes", {"n1", "n2", "n3"}}});
  Nemesis(&h, "start-kill", 4, {{"targets", "leader"}, {"nodes", {"n2"}}, {"why", "etcd"}});
  Nemesis(&h, "stop-partition", 6, {{"nodes", {"n1", "n2", "n3"}}});
  Nemesis(&h, "stop-kill", 9, {{"nodes", {"n2"}}}, {{"step", 2}, {"at", 8.5}, {"waited-s", 0.6}, {"waited-for", "x"}});
  Nemesis(&h, "start-kill", 12, {{"targets", "one"}, {"nodes", {"n5"}}});
  Nemesis(&h, "stop-kill", 14, {{"nodes", {"n5"}}});
  auto s = SummarizeFaults(h);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].fault, "partition");
  EXPECT_EQ(s[0].count, 1);
  EXPECT_NEAR(s[0].active_s, 4.1, 1e-9);  // start invoked at 2, stop completed at 6.1
  EXPECT_EQ(s[0].targets, (std::vector<std::string>{"majority"}));
  EXPECT_EQ(s[1].fault, "kill");
  EXPECT_EQ(s[1].count, 2);
  EXPECT_NEAR(s[1].active_s, 5.1 + 2.1, 1e-9);
  EXPECT_EQ(s[1].nodes, (std::vector<std::string>{"n2", "n5"}));
  EXPECT_EQ(s[1].targets, (std::vector<std::string>{"leader", "one"}));
  EXPECT_EQ(s[1].waited, 1);
  EXPECT_EQ(FaultSummaryLine(s[0]), "fault partition: 1 time, 4.1 s active, nodes n1,n2,n3 (targets majority)");
  EXPECT_EQ(FaultSummaryLine(s[1]),
            "fault kill: 2 times, 7.2 s active, nodes n2,n5 (targets leader,one); 1 step waited up to 0.6 s "
            "for the previous fault op");
  EXPECT_EQ(FaultSummaryShort(s), "faults: partition 1x, kill 2x");
  json j = FaultSummaryJson(s);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["count"], 2);
  EXPECT_EQ(j[1]["nodes"], json({"n2", "n5"}));
}

// A membership change names the nodes it touched as left and joined; a value
// without "nodes" (histories from before the nemesis added it) still counts them.
TEST(FaultSummaryTest, MembershipChangesCountTheNodesThatLeftAndJoined) {
  History h;
  Nemesis(&h, "start-membership", 1, {{"op", "replace"}, {"left", {"n2"}}, {"joined", {"n5"}}, {"members", {"n1", "n5"}}});
  Nemesis(&h, "stop-membership", 3, {{"op", "undo"}, {"left", {"n5"}}, {"joined", {"n2"}}});
  Nemesis(&h, "start-membership", 5, {{"op", "leave"}, {"nodes", {"n3"}}, {"left", {"n3"}}, {"joined", json::array()}});
  Nemesis(&h, "stop-membership", 6, {{"op", "undo"}});
  auto s = SummarizeFaults(h);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].count, 2);
  EXPECT_EQ(s[0].nodes, (std::vector<std::string>{"n2", "n3", "n5"}));
  EXPECT_EQ(FaultSummaryLine(s[0]), "fault membership: 2 times, 3.2 s active, nodes n2,n3,n5");
}

// A membership op the nemesis found blocked did nothing: the fault begins
// with the retry that changed the ring (and names its nodes), and a blocked
// undo leaves the change in effect until the undo that ran.
TEST(FaultSummaryTest, BlockedMembershipOpsNeitherStartNorEndTheFault) {
  History h;
  const json blocked = {{"blocked", "leave n2: no running member hears a majority"}, {"retry-after-s", 1}};
  Nemesis(&h, "start-membership", 1, blocked);
  Nemesis(&h, "start-membership", 2, blocked);
  Nemesis(&h, "start-membership", 3, {{"op", "leave"}, {"left", {"n2"}}, {"joined", json::array()}});
  Nemesis(&h, "stop-membership", 5, blocked);
  Nemesis(&h, "stop-membership", 7, {{"op", "undo"}, {"left", json::array()}, {"joined", {"n2"}}});
  Nemesis(&h, "start-membership", 9, blocked);  // never got through
  auto s = SummarizeFaults(h);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].count, 1);
  EXPECT_NEAR(s[0].active_s, 4.1, 1e-9);  // from 3 to the undo's completion at 7.1
  EXPECT_EQ(s[0].nodes, (std::vector<std::string>{"n2"}));
  // A refused change (nothing done, the store said so) opens the fault; the
  // retry that made the change names its nodes.
  History refused;
  Nemesis(&refused, "start-membership", 1, {{"op", "join"}, {"nodes", json::array()}, {"left", json::array()},
                                            {"joined", json::array()}, {"retry-after-s", 1}});
  Nemesis(&refused, "start-membership", 2, blocked);
  Nemesis(&refused, "start-membership", 3, {{"op", "replace"}, {"nodes", {"n3", "n2"}}, {"left", {"n3"}}, {"joined", {"n2"}}});
  Nemesis(&refused, "stop-membership", 4, {{"op", "undo"}, {"nodes", {"n2", "n3"}}});
  auto r = SummarizeFaults(refused);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].count, 1);
  EXPECT_EQ(r[0].nodes, (std::vector<std::string>{"n2", "n3"}));
  History only_blocked;
  Nemesis(&only_blocked, "start-membership", 1, blocked);
  Nemesis(&only_blocked, "stop-membership", 2, blocked);
  EXPECT_TRUE(SummarizeFaults(only_blocked).empty());
}

TEST(FaultSummaryTest, NoFaultsNoLines) {
  History h;
  EXPECT_TRUE(SummarizeFaults(h).empty());
  EXPECT_EQ(FaultSummaryShort({}), "");
}

}  // namespace
}  // namespace faultline
