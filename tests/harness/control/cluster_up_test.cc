#include "harness/control/cluster_up.h"
#include "harness/control/container_cluster.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace faultline {
namespace cluster_up_test {

namespace fs = std::filesystem;

TEST(ClusterUpTest, PlanNamesNodesAndGivesThemAddressesAfterTen) {
  LocalClusterSpec spec;
  spec.name = "plan";
  spec.nodes = 3;
  spec.subnet = "10.96.1.0/24";
  auto c = PlanCluster(spec);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->name, "plan");
  EXPECT_EQ(c->host_address, "10.96.1.1");
  ASSERT_EQ(c->nodes.size(), 3u);
  EXPECT_EQ(c->nodes[0].name, "n1");
  EXPECT_EQ(c->nodes[0].address, "10.96.1.11");
  EXPECT_EQ(c->nodes[2].name, "n3");
  EXPECT_EQ(c->nodes[2].address, "10.96.1.13");
  EXPECT_TRUE(c->nodes[0].netns.empty());
  EXPECT_TRUE(c->nodes[0].container.empty());

  spec.subnet = "10.96.1.0";
  EXPECT_FALSE(PlanCluster(spec).ok());
}

TEST(ClusterUpTest, StepsRunInOrderAndAFailureRemovesOnceAndIsReturnedUnchanged) {
  std::vector<std::string> ran;
  int removed = 0;
  Status s = RunUpSteps({[&] { ran.push_back("a"); return Status::Ok(); },
                         [&] { ran.push_back("b"); return Status::Error("b broke"); },
                         [&] { ran.push_back("c"); return Status::Ok(); }},
                        [&] { ++removed; });
  EXPECT_EQ(s.message(), "b broke");
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(removed, 1);

  ran.clear();
  s = RunUpSteps({[&] { ran.push_back("a"); return Status::Ok(); }}, [&] { ++removed; });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(ran, (std::vector<std::string>{"a"}));
  EXPECT_EQ(removed, 1);
}

TEST(ClusterUpTest, EachNodeRunsInNodeOrderSeesChangesAndStopsAtTheFirstError) {
  std::vector<ClusterNode> nodes(3);
  nodes[0].name = "n1";
  nodes[1].name = "n2";
  nodes[2].name = "n3";
  UpStep mark = EachNode(&nodes, [](ClusterNode& n) {
    n.veth = "v-" + n.name;
    return Status::Ok();
  });
  // The step reads the nodes when it runs, not when it is made.
  nodes[2].name = "n9";
  ASSERT_TRUE(mark().ok());
  EXPECT_EQ(nodes[2].veth, "v-n9");

  std::vector<std::string> seen;
  Status s = EachNode(&nodes, [&](ClusterNode& n) {
    seen.push_back(n.name);
    return n.name == "n2" ? Status::Error("n2: no answer") : Status::Ok();
  })();
  EXPECT_EQ(s.message(), "n2: no answer");
  EXPECT_EQ(seen, (std::vector<std::string>{"n1", "n2"}));
}

TEST(ClusterUpTest, ReplacingAnEarlierClusterSaysWhichCleanupFailedThenValidates) {
  LocalClusterSpec spec;
  spec.name = "old";
  Status s = ReplaceEarlierCluster(spec, [] { return Status::Error("namespace x remains"); });
  EXPECT_EQ(s.message(), "cleaning up an earlier cluster \"old\": namespace x remains");

  spec.nodes = 0;
  bool down = false;
  s = ReplaceEarlierCluster(spec, [&] {
    down = true;
    return Status::Ok();
  });
  EXPECT_TRUE(down);
  EXPECT_EQ(s.message(), "--nodes 0: must be between 1 and 50");
}

TEST(ClusterUpTest, StateDirAndRecordedClusterFileLoadBack) {
  LocalClusterSpec spec;
  spec.name = "rec";
  spec.nodes = 2;
  spec.subnet = "10.96.2.0/24";
  const fs::path root = fs::temp_directory_path() / ("faultline-cluster-up-" + std::to_string(getpid()));
  spec.state_root = root.string();
  ASSERT_TRUE(MakeStateDir(spec).ok());
  auto c = PlanCluster(spec);
  ASSERT_TRUE(c.ok());
  c->ssh_key = "/k";
  ASSERT_TRUE(RecordCluster(spec, *c).ok());
  auto loaded = LoadClusterFile(ClusterFilePath(spec.name, spec.state_root));
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->host_address, "10.96.2.1");
  ASSERT_EQ(loaded->nodes.size(), 2u);
  EXPECT_EQ(loaded->nodes[1].address, "10.96.2.12");
  fs::remove_all(root);

  spec.state_root = "/proc/faultline-no-such-root";
  EXPECT_EQ(MakeStateDir(spec).message().rfind("cannot create /proc/faultline-no-such-root/rec: ", 0), 0u);
}

// `cluster down` of a container cluster removes STATE_ROOT/NAME: a name
// that is not a cluster name ("..", a path) is refused before anything is
// removed or asked of the runtime.
TEST(ClusterUpTest, ContainerClusterDownRefusesANameThatIsAPath) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  const fs::path root = fs::temp_directory_path() / ("faultline-down-name-" + std::to_string(getpid()));
  fs::create_directories(root / "keep");
  ContainerClusterSpec spec;
  spec.runtime = "podman";
  spec.cluster.state_root = (root / "keep").string();
  spec.cluster.name = "..";
  bool found = true;
  Status s = ContainerClusterDown(spec, &found);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cluster name \"..\" must be 1-8 characters of [a-z0-9]"), std::string::npos)
      << s.message();
  EXPECT_FALSE(found);
  EXPECT_TRUE(fs::exists(root / "keep"));
  fs::remove_all(root);
}

}  // namespace cluster_up_test
}  // namespace faultline
