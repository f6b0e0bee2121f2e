// Membership changes of the real ringstore on a real 4-node local cluster
// (ring of 3, initial-members=3): the membership nemesis replaces n1 by n4
// through the Db's Reconfigurable capability, every value written before is
// still read through the new member, a departed node's client ops fail
// definitely, and Heal brings the ring back to its initial members with the
// data intact. The same in lww and eventual modes (Dynamo-style hand-off,
// targets/ringstore/handoff_membership.h). Needs root. Own cluster names
// ("ring" + pid, 10.95.x.0/24; "lw" + pid, 10.81.x.0/24 for the lww and
// eventual cases).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <filesystem>
#include <thread>

#include "harness/control/local_cluster.h"
#include "nemesis/nemesis.h"
#include "targets/ringstore_db.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace ring_membership_test {
namespace {

namespace fs = std::filesystem;

const std::string kRingstore = std::string(FAULTLINE_BINARY_DIR) + "/ringstore";

// UniqueSpec's per-process name, on this suite's own subnet range.
LocalClusterSpec RingSpec(int nodes) {
  LocalClusterSpec spec = UniqueSpec("ring", nodes);
  for (int i = 0; i < 150; ++i) {
    spec.subnet = "10.95." + std::to_string(100 + (static_cast<int>(getpid()) + i) % 150) + ".0/24";
    if (ValidateSpec(spec).ok()) break;
  }
  return spec;
}

// The lww and eventual cases' own name and subnet range.
LocalClusterSpec LwSpec(int nodes) {
  LocalClusterSpec spec = UniqueSpec("lw", nodes);
  for (int i = 0; i < 150; ++i) {
    spec.subnet = "10.81." + std::to_string(100 + (static_cast<int>(getpid()) + i) % 150) + ".0/24";
    if (ValidateSpec(spec).ok()) break;
  }
  return spec;
}

Op MakeOp(const std::string& f, json key, json value) {
  Op op;
  op.process = 0;
  op.f = f;
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

void ReplaceThenHealKeepsEveryValue(const std::string& mode, const LocalClusterSpec& spec) {
  if (!fs::exists(kRingstore)) GTEST_SKIP() << kRingstore << " is not built";
  ScopedCluster cluster(spec);
  ASSERT_TRUE(cluster.ok()) << cluster.status().message();
  auto remotes = cluster.Connect();
  ASSERT_TRUE(remotes.ok()) << remotes.status().message();
  ClusterInfo info;
  for (auto& r : *remotes) info.nodes.push_back(NodeInfo{r->node(), r->address(), r.get()});

  auto target = TargetRegistry::Get().Find("ringstore")->factory(
      {{"binary", kRingstore}, {"initial-members", "3"}, {"request-timeout-ms", "3000"}, {"rpc-timeout-ms", "500"},
       {"mode", mode}});
  ASSERT_TRUE(target.ok()) << target.status().message();
  auto* rc = dynamic_cast<Reconfigurable*>(target->db.get());
  ASSERT_NE(rc, nullptr);
  std::vector<Status> setup(4);
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < 4; ++i) threads.emplace_back([&, i] { setup[i] = target->db->Setup(info, info.nodes[i]); });
    for (auto& t : threads) t.join();
  }
  for (const auto& s : setup) ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(rc->InitialMembers(info), (std::vector<std::string>{"n1", "n2", "n3"}));
  auto members = rc->Members(info);
  ASSERT_TRUE(members.ok()) << members.status().message();
  EXPECT_EQ(*members, (std::vector<std::string>{"n1", "n2", "n3"}));

  auto client_for = [&](size_t i) {
    auto c = target->new_client();
    EXPECT_TRUE(c->Open(info, info.nodes[i]).ok());
    return c;
  };
  {
    auto c1 = client_for(0);
    for (int k = 0; k < 40; ++k) {
      auto w = c1->Invoke(MakeOp("write", "k" + std::to_string(k), k));
      ASSERT_EQ(w.type, OpType::kOk) << w.error;
    }
    // n4 is installed but not a member: nothing listens there yet.
    auto c4 = client_for(3);
    EXPECT_EQ(c4->Invoke(MakeOp("read", "k1", nullptr)).type, OpType::kFail);
  }

  auto nemesis = NemesisRegistry::Get().Find("membership")->factory({{"membership", "replace"}});
  ASSERT_TRUE(nemesis.ok()) << nemesis.status().message();
  ASSERT_TRUE((*nemesis)->Setup(info, target->db.get()).ok());
  Rng rng(7);
  Op start;
  start.process = kNemesisProcess;
  start.f = "start-membership";
  start.value = {{"nodes", {"n1"}}};
  Op done = (*nemesis)->Invoke(start, rng);
  ASSERT_TRUE(done.error.empty()) << done.error;
  EXPECT_EQ(done.value["left"], json({"n1"})) << done.value.dump();
  EXPECT_EQ(done.value["joined"], json({"n4"})) << done.value.dump();
  ASSERT_EQ(done.value["results"].size(), 2u);
  EXPECT_GT(done.value["results"][0]["moved_keys"].get<int>(), 0) << done.value.dump();
  EXPECT_EQ(done.value["results"][0]["moved_keys"], done.value["results"][0]["copied_keys"]);
  members = rc->Members(info);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(*members, (std::vector<std::string>{"n2", "n3", "n4"}));
  {
    auto c4 = client_for(3);
    for (int k = 0; k < 40; ++k) {
      auto r = c4->Invoke(MakeOp("read", "k" + std::to_string(k), nullptr));
      ASSERT_EQ(r.type, OpType::kOk) << r.error;
      EXPECT_EQ(r.value, k) << "k" << k << " lost in the move";
    }
    // n1 left and was stopped: certainly not done there.
    auto c1 = client_for(0);
    EXPECT_EQ(c1->Invoke(MakeOp("write", "k1", 100)).type, OpType::kFail);
    // A restart (the kill nemesis's undo) does not bring a non-member back.
    ASSERT_TRUE(dynamic_cast<Killable*>(target->db.get())->Start(info, info.nodes[0]).ok());
    EXPECT_EQ(c1->Invoke(MakeOp("read", "k1", nullptr)).type, OpType::kFail);
  }

  ASSERT_TRUE((*nemesis)->Heal().ok());
  members = rc->Members(info);
  ASSERT_TRUE(members.ok());
  std::sort(members->begin(), members->end());
  EXPECT_EQ(*members, (std::vector<std::string>{"n1", "n2", "n3"}));
  {
    auto c1 = client_for(0);
    for (int k = 0; k < 40; ++k) {
      auto r = c1->Invoke(MakeOp("read", "k" + std::to_string(k), nullptr));
      ASSERT_EQ(r.type, OpType::kOk) << r.error;
      EXPECT_EQ(r.value, k);
    }
  }
  for (auto& n : info.nodes) EXPECT_TRUE(target->db->Teardown(info, n).ok());
}

TEST(RingMembershipClusterTest, ReplaceThenHealKeepsEveryValue) { ReplaceThenHealKeepsEveryValue("paxos", RingSpec(4)); }
// No agreement, but with every node reachable the hand-offs move every value.
TEST(RingMembershipClusterTest, LwwReplaceThenHealKeepsEveryValue) { ReplaceThenHealKeepsEveryValue("lww", LwSpec(4)); }
TEST(RingMembershipClusterTest, EventualReplaceThenHealKeepsEveryValue) {
  ReplaceThenHealKeepsEveryValue("eventual", LwSpec(4));
}

}  // namespace
}  // namespace ring_membership_test
}  // namespace faultline
