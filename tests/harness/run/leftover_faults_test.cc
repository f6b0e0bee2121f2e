// HealLeftoverFaults' refusal: a test must not heal (and so break) the faults
// of a run of the same store that is alive on its nodes, nor run under them.
// The healing itself needs real nodes: tests/integration/runner_cluster_test.cc.
#include "harness/run/leftover_faults.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "harness/run/fault_ledger.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

TEST(LeftoverFaultsTest, LiveRunOnTheNodesIsRefusedBeforeAnythingIsHealed) {
  std::string store = TempDir("leftover");
  ASSERT_FALSE(store.empty());
  ClusterInfo cluster;
  cluster.nodes.push_back(NodeInfo{"n1", "10.9.0.11", nullptr});  // no remote: healing it would fail
  auto ledger = FaultLedger::Open(store, store + "/t/live", cluster, nullptr);
  ASSERT_TRUE(ledger.ok()) << ledger.status().message();
  (*ledger)->Starting("partition");

  auto live = FindLiveRuns(store, cluster);
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].run_dir, store + "/t/live");

  auto refused = HealLeftoverFaults(store, cluster, nullptr, "test", true);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("run " + store + "/t/live (controller pid"),
            std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("is using these nodes"), std::string::npos);

  // By hand (cluster heal) it is a warning, and the node is attempted.
  auto warned = HealLeftoverFaults(store, cluster, nullptr, "test", false);
  ASSERT_TRUE(warned.ok()) << warned.status().message();
  ASSERT_EQ(warned->lines.size(), 1u);
  EXPECT_NE(warned->lines[0].find("warning: run"), std::string::npos) << warned->lines[0];
  EXPECT_NE(warned->FirstError().find("n1: "), std::string::npos) << warned->FirstError();
  (*ledger)->Close();
  std::filesystem::remove_all(store);
}

}  // namespace
}  // namespace faultline
