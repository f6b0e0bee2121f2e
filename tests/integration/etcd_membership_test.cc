// etcd's membership changes (EtcdDb's Reconfigurable) on a real local
// 3-node cluster with initial-members=2: n3 is installed but not a member;
// the membership nemesis replaces n1 by n3 (member remove, wipe; member add,
// start with state existing), every value written before is read through the
// new member, the departed n1 refuses ops and a restart does not bring it
// back, Heal returns to n1+n2 with the data intact; and `faultline test
// --nemesis membership` is valid with completed changes in its history.
// Needs root and /usr/bin/etcd. Own cluster name ("em" + pid) and subnet
// 10.86.x.0/24.
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "harness/history/history_reader.h"
#include "nemesis/nemesis.h"
#include "targets/etcd_db.h"
#include "tests/faultline_cli.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

// UniqueSpec's per-process name, on this suite's own subnet range.
LocalClusterSpec EtcdMembershipSpec(int nodes) {
  LocalClusterSpec spec = UniqueSpec("em", nodes);
  for (int i = 0; i < 150; ++i) {
    spec.subnet = "10.86." + std::to_string(100 + (static_cast<int>(getpid()) + i) % 150) + ".0/24";
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

// A read that may meet an election (the member that left may have led): the
// client fails it definitely; ask again for up to 15 s.
Op ReadEventually(Client& c, const std::string& key) {
  Op r;
  for (int i = 0; i < 60; ++i) {
    r = c.Invoke(MakeOp("read", key, nullptr));
    if (r.type == OpType::kOk) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return r;
}

class EtcdMembershipClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || !fs::exists("/usr/bin/etcd")) return;
    cluster_ = new ScopedCluster(EtcdMembershipSpec(3));
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces)";
    if (!fs::exists("/usr/bin/etcd")) GTEST_SKIP() << "no /usr/bin/etcd (apt-get install etcd-server)";
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
  }
  static ScopedCluster* cluster_;
};

ScopedCluster* EtcdMembershipClusterTest::cluster_ = nullptr;

TEST_F(EtcdMembershipClusterTest, ReplaceThenHealKeepsEveryValue) {
  auto remotes = cluster_->Connect();
  ASSERT_TRUE(remotes.ok()) << remotes.status().message();
  ClusterInfo info;
  for (auto& r : *remotes) info.nodes.push_back(NodeInfo{r->node(), r->address(), r.get()});
  auto target = TargetRegistry::Get().Find("etcd")->factory({{"initial-members", "2"}});
  ASSERT_TRUE(target.ok()) << target.status().message();
  auto* rc = dynamic_cast<Reconfigurable*>(target->db.get());
  ASSERT_NE(rc, nullptr) << "etcd's Db is not Reconfigurable";
  std::vector<Status> setup(3);
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < 3; ++i) threads.emplace_back([&, i] { setup[i] = target->db->Setup(info, info.nodes[i]); });
    for (auto& t : threads) t.join();
  }
  for (const auto& s : setup) ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(rc->InitialMembers(info), (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(rc->MinMembers(), 2u);
  auto members = rc->Members(info);
  ASSERT_TRUE(members.ok()) << members.status().message();
  EXPECT_EQ(*members, (std::vector<std::string>{"n1", "n2"}));

  auto client_for = [&](size_t i) {
    auto c = target->new_client();
    EXPECT_TRUE(c->Open(info, info.nodes[i]).ok());
    return c;
  };
  {
    auto c1 = client_for(0);
    for (int k = 0; k < 20; ++k) {
      auto w = c1->Invoke(MakeOp("write", "k" + std::to_string(k), k));
      ASSERT_EQ(w.type, OpType::kOk) << w.error;
    }
    // n3 is installed, not a member: nothing listens there.
    EXPECT_EQ(client_for(2)->Invoke(MakeOp("read", "k1", nullptr)).type, OpType::kFail);
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
  // Two members and a floor of two: the replace joins n3 first.
  EXPECT_EQ(done.value["joined"], json({"n3"})) << done.value.dump();
  EXPECT_EQ(done.value["left"], json({"n1"})) << done.value.dump();
  ASSERT_EQ(done.value["results"].size(), 2u);
  EXPECT_EQ(done.value["results"][0]["member_count"], 3) << done.value.dump();
  EXPECT_EQ(done.value["results"][1]["member_count"], 2) << done.value.dump();
  members = rc->Members(info);
  ASSERT_TRUE(members.ok()) << members.status().message();
  EXPECT_EQ(*members, (std::vector<std::string>{"n2", "n3"}));
  {
    auto c3 = client_for(2);
    for (int k = 0; k < 20; ++k) {
      auto r = ReadEventually(*c3, "k" + std::to_string(k));
      ASSERT_EQ(r.type, OpType::kOk) << r.error;
      EXPECT_EQ(r.value, k) << "k" << k << " not on the new member";
    }
    auto c1 = client_for(0);
    EXPECT_EQ(c1->Invoke(MakeOp("write", "k1", 100)).type, OpType::kFail) << "n1 left and was stopped";
    // A restart (the kill nemesis's undo) does not bring a removed member back.
    ASSERT_TRUE(dynamic_cast<Killable*>(target->db.get())->Start(info, info.nodes[0]).ok());
    EXPECT_EQ(c1->Invoke(MakeOp("read", "k1", nullptr)).type, OpType::kFail);
    // Leaving would go below the floor (a majority of the 3 nodes).
    auto below = rc->Leave(info, info.nodes[1]);
    ASSERT_FALSE(below.ok());
    EXPECT_NE(below.status().message().find("fewer than a majority"), std::string::npos) << below.status().message();
  }

  // Back to n1 + n2; n1 rejoins as a new member on a wiped data dir.
  ASSERT_TRUE((*nemesis)->Heal().ok());
  members = rc->Members(info);
  ASSERT_TRUE(members.ok()) << members.status().message();
  EXPECT_EQ(*members, (std::vector<std::string>{"n1", "n2"}));
  {
    auto c1 = client_for(0);
    for (int k = 0; k < 20; ++k) {
      auto r = ReadEventually(*c1, "k" + std::to_string(k));
      ASSERT_EQ(r.type, OpType::kOk) << r.error;
      EXPECT_EQ(r.value, k);
    }
  }
  for (auto& n : info.nodes) EXPECT_TRUE(target->db->Teardown(info, n).ok());
}

TEST_F(EtcdMembershipClusterTest, RegisterUnderMembershipChangesIsValid) {
  fs::path store = fs::temp_directory_path() / ("faultline_etcdm_it_" + std::to_string(::getpid()));
  FaultlineOutput o = Faultline("test --target etcd --target-opt initial-members=2 --workload register "
                                "--time-limit 30 --concurrency 4 --rate 50 --nemesis membership "
                                "--nemesis-interval 2 --seed 3 --cluster-file " +
                                cluster_->cluster_file_path() + " --store " + store.string());
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("verdict: valid"), std::string::npos) << o.text;
  auto history = ReadHistoryFile((fs::canonical(store / "latest") / "history.jsonl").string());
  ASSERT_TRUE(history.ok()) << history.status().message();
  int changes = 0, ok_reads = 0;
  for (const Op& op : *history) {
    if (op.is_nemesis()) {
      if (op.value.is_object() && op.error.empty() && op.value.contains("left")) {
        changes += static_cast<int>(op.value["left"].size() + op.value["joined"].size());
      }
      continue;
    }
    ok_reads += op.is_ok() && op.f == "read";
  }
  // Not a vacuous pass: members really came and went while clients read
  // (a change takes 2-5 s on a loaded machine: a replace is two).
  EXPECT_GE(changes, 2) << o.text;
  EXPECT_GT(ok_reads, 20);
  fs::remove_all(store);
}

}  // namespace
}  // namespace faultline
