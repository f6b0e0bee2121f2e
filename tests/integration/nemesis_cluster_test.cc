// Every nemesis against the real ringstore on a real 3-node local cluster,
// over SSH, exactly as `faultline test` drives them: each fault is applied,
// seen to bite (a partitioned paxos minority cannot serve, a paused store
// stops answering, a killed store is gone, the offset file moves), and after
// stop/Heal no FAULTLINE rule, clock offset or stopped process is left. Then
// faults are left behind on purpose and `faultline cluster heal` (the real
// binary) removes them. Needs root.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "harness/control/subprocess.h"
#include "nemesis/cluster_heal.h"
#include "nemesis/faultline_chain.h"
#include "nemesis/nemesis.h"
#include "targets/ringstore_db.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace nemesis_cluster_test {
namespace {

namespace fs = std::filesystem;

const std::string kRingstore = std::string(FAULTLINE_BINARY_DIR) + "/ringstore";
const std::string kFaultline = std::string(FAULTLINE_BINARY_DIR) + "/faultline";

Op FaultOp(const std::string& f, json value = nullptr) {
  Op op;
  op.process = kNemesisProcess;
  op.f = f;
  op.value = std::move(value);
  return op;
}

Op ClientOp(const std::string& f, json value) {
  Op op;
  op.process = 0;
  op.f = f;
  op.key = "k";
  op.value = std::move(value);
  return op;
}

class NemesisClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kRingstore)) GTEST_SKIP() << kRingstore << " is not built";
    cluster_ = std::make_unique<ScopedCluster>(UniqueSpec("nm", 3));
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
    auto remotes = cluster_->Connect();
    ASSERT_TRUE(remotes.ok()) << remotes.status().message();
    remotes_ = std::move(remotes).value();
    for (auto& r : remotes_) info_.nodes.push_back({r->node(), r->address(), r.get()});
    auto target = TargetRegistry::Get().Find("ringstore")->factory(
        {{"binary", kRingstore}, {"request-timeout-ms", "1500"}, {"rpc-timeout-ms", "500"}});
    ASSERT_TRUE(target.ok()) << target.status().message();
    target_ = std::move(target).value();
    std::vector<Status> setup(info_.nodes.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < info_.nodes.size(); ++i) {
      threads.emplace_back([&, i] { setup[i] = target_.db->Setup(info_, info_.nodes[i]); });
    }
    for (auto& t : threads) t.join();
    for (const auto& s : setup) ASSERT_TRUE(s.ok()) << s.message();
  }
  void TearDown() override {
    if (target_.db) {
      for (const auto& n : info_.nodes) target_.db->Teardown(info_, n);
    }
    remotes_.clear();
    cluster_.reset();
  }

  std::unique_ptr<Nemesis> Make(const std::string& name, const NemesisOptions& options = {}) {
    auto n = NemesisRegistry::Get().Find(name)->factory(options);
    EXPECT_TRUE(n.ok()) << n.status().message();
    if (!n.ok()) return nullptr;
    Status s = (*n)->Setup(info_, target_.db.get());
    EXPECT_TRUE(s.ok()) << s.message();
    return std::move(*n);
  }

  std::string Sh(size_t node, const std::string& cmd) {
    auto r = ExecOrError(*info_.nodes[node].remote, cmd);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : "<error>";
  }
  // The store's process state letter on `node` ("" when not running).
  std::string StoreState(size_t node) {
    std::string pid = std::string(RingstoreDb::kPidFile);
    return Sh(node, "p=$(cat " + pid + " 2>/dev/null) && ps -o stat= -p \"$p\" | cut -c1 || true");
  }
  std::string Offset(size_t node) {
    return Sh(node, "cat " + std::string(RingstoreDb::kOffsetFile) + " 2>/dev/null || true");
  }
  size_t RuleCount(size_t node) {
    auto r = ListChainRules(*info_.nodes[node].remote);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->size() : 999;
  }
  // Nothing of any fault is left on any node.
  void ExpectClean(const std::string& after) {
    for (size_t i = 0; i < info_.nodes.size(); ++i) {
      EXPECT_EQ(RuleCount(i), 0u) << info_.nodes[i].name << ": FAULTLINE rules left after " << after;
      std::string off = Offset(i);
      EXPECT_TRUE(off.empty() || off == "+0\n") << info_.nodes[i].name << ": offset " << off
                                                << " left after " << after;
      EXPECT_NE(StoreState(i), "T\n") << info_.nodes[i].name << ": store stopped after " << after;
    }
  }
  Op Invoke(size_t node, const Op& op) {
    auto c = target_.new_client();
    EXPECT_TRUE(c->Open(info_, info_.nodes[node]).ok());
    Op done = c->Invoke(op);
    c->Close();
    return done;
  }
  // Retries a read through `node` for a while (leaders and connections settle).
  bool Serves(size_t node) {
    for (int i = 0; i < 15; ++i) {
      if (Invoke(node, ClientOp("read", nullptr)).type == OpType::kOk) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  std::unique_ptr<ScopedCluster> cluster_;
  std::vector<std::unique_ptr<Remote>> remotes_;
  ClusterInfo info_;
  Target target_;
};

TEST_F(NemesisClusterTest, EachFaultBitesAndLeavesNothingBehind) {
  ASSERT_TRUE(Serves(0));
  Rng rng(42);

  // Partition: n1 alone cannot reach a paxos quorum; n2+n3 still can.
  auto partition = Make("partition");
  ASSERT_TRUE(partition);
  Op cut = partition->Invoke(
      FaultOp("start-partition", {{"grudge", {{"n1", {"n2", "n3"}}, {"n2", {"n1"}}, {"n3", {"n1"}}}}}),
      rng);
  ASSERT_EQ(cut.error, "");
  EXPECT_EQ(RuleCount(0), 2u);
  EXPECT_NE(Invoke(0, ClientOp("write", 1)).type, OpType::kOk) << "minority n1 served a write";
  EXPECT_TRUE(Serves(1)) << "majority side n2 cannot serve";
  EXPECT_EQ(partition->Invoke(FaultOp("stop-partition"), rng).error, "");
  EXPECT_TRUE(Serves(0)) << "n1 does not recover after the partition heals";
  partition->Invoke(FaultOp("start-partition"), rng);  // seeded majority cut
  ASSERT_TRUE(partition->Heal().ok());
  ExpectClean("partition");

  // Packet loss: rules with the statistic match, then gone.
  auto packet = Make("packet", {{"packet-loss", "0.3"}});
  ASSERT_TRUE(packet);
  Op lossy = packet->Invoke(FaultOp("start-packet"), rng);
  ASSERT_EQ(lossy.error, "");
  EXPECT_EQ(RuleCount(0), 2u);
  // iptables prints the probability rounded to its 2^-31 steps (0.29999999981).
  EXPECT_NE(Sh(0, "iptables -w -S FAULTLINE").find("-m statistic --mode random --probability 0."),
            std::string::npos);
  ASSERT_TRUE(packet->Heal().ok());
  ExpectClean("packet");

  // Clock: the store's offset file moves, and goes back to +0.
  auto clock = Make("clock", {{"clock", "bump"}, {"targets", "all"}, {"clock-max-skew-ms", "4000"}});
  ASSERT_TRUE(clock);
  Op bumped = clock->Invoke(FaultOp("start-clock"), rng);
  ASSERT_EQ(bumped.error, "");
  for (size_t i = 0; i < 3; ++i) {
    double ms = bumped.value["offsets-ms"][info_.nodes[i].name];
    EXPECT_NEAR(std::stod(Offset(i)) * 1000, ms, 0.5) << info_.nodes[i].name;
  }
  ASSERT_TRUE(clock->Heal().ok());
  ExpectClean("clock");

  // Pause: the store is stopped (T) and does not answer; Heal resumes it.
  auto pause = Make("pause");
  ASSERT_TRUE(pause);
  ASSERT_EQ(pause->Invoke(FaultOp("start-pause", {{"nodes", {"n2"}}}), rng).error, "");
  EXPECT_EQ(StoreState(1), "T\n");
  EXPECT_EQ(Invoke(1, ClientOp("read", nullptr)).type, OpType::kInfo);
  ASSERT_TRUE(pause->Heal().ok());
  ExpectClean("pause");
  EXPECT_TRUE(Serves(1));

  // Kill: the store is gone; stop-kill restarts it and it serves again.
  auto kill = Make("kill");
  ASSERT_TRUE(kill);
  ASSERT_EQ(kill->Invoke(FaultOp("start-kill", {{"nodes", {"n3"}}}), rng).error, "");
  EXPECT_EQ(StoreState(2), "");
  ASSERT_EQ(kill->Invoke(FaultOp("stop-kill"), rng).error, "");
  EXPECT_NE(StoreState(2), "");
  EXPECT_TRUE(Serves(2));
  ExpectClean("kill");
}

TEST_F(NemesisClusterTest, ClusterHealRemovesWhatACrashedRunLeft) {
  // Faults applied and then abandoned, as if the controller had been SIGKILLed.
  auto partition = Make("partition", {{"partition", "halves"}});
  auto clock = Make("clock", {{"clock", "bump"}, {"targets", "all"}});
  auto pause = Make("pause", {{"targets", "all"}});
  ASSERT_TRUE(partition && clock && pause);
  Rng rng(7);
  ASSERT_EQ(partition->Invoke(FaultOp("start-partition"), rng).error, "");
  ASSERT_EQ(clock->Invoke(FaultOp("start-clock"), rng).error, "");
  ASSERT_EQ(pause->Invoke(FaultOp("start-pause"), rng).error, "");
  size_t rules = 0;
  for (size_t i = 0; i < 3; ++i) rules += RuleCount(i);
  EXPECT_GT(rules, 0u);
  EXPECT_EQ(StoreState(0), "T\n");
  EXPECT_NE(Offset(0), "+0\n");

  // The real command, as a user runs it.
  auto run = RunLocal({kFaultline, "cluster", "heal", "--name", cluster_->spec().name, "--target-opt",
                         "binary=" + kRingstore});
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ(run->exit_code, 0) << run->out << run->err;
  EXPECT_NE(run->out.find("n1: FAULTLINE chain flushed; clock offset reset to +0; store resumed (SIGCONT if it was running)"),
            std::string::npos)
      << run->out;
  ExpectClean("faultline cluster heal");
  EXPECT_TRUE(Serves(0));
}

}  // namespace
}  // namespace nemesis_cluster_test
}  // namespace faultline
