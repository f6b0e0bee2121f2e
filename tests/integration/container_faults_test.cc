// Faults on container nodes (real podman, root): a container that cannot
// take a fault (started without NET_ADMIN) refuses the run up front, and
// storage faults run inside `cluster up --runtime podman --storage-faults`
// containers. Names start with "p2" and subnets are 10.97.x (the other
// container suites use 10.96.x), so these run beside them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "harness/control/local_cluster.h"
#include "harness/control/node_image.h"
#include "harness/control/subprocess.h"
#include "tests/faultline_cli.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

// "p2" + this process's pid in base 36: unique per test process.
std::string UniqueName() {
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id;
  for (unsigned p = static_cast<unsigned>(getpid()); p > 0; p /= 36) id.insert(id.begin(), digits[p % 36]);
  return "p2" + id;
}

// A free 10.97.N.0/24 (pid-derived start).
std::string UniqueSubnet(const std::string& name) {
  LocalClusterSpec spec;
  spec.name = name;
  spec.nodes = 3;
  for (int i = 0; i < 250; ++i) {
    spec.subnet = "10.97." + std::to_string(1 + (static_cast<int>(getpid()) + i) % 250) + ".0/24";
    if (ValidateSpec(spec).ok()) break;
  }
  return spec.subnet;
}

const char kPodman[] = "/usr/bin/podman";

size_t CountEntries(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    ++n;
  }
  return n;
}

// A container run as a user would, without --cap-add NET_ADMIN or
// /dev/fuse: partition and disk faults cannot work in it, kill can.
TEST(ContainerNeedsIntegrationTest, NodeWithoutNetAdminRefusesPartitionBeforeTheRun) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string name = UniqueName() + "-needs";
  auto image = EnsureNodeImage(kPodman, DefaultNodeImageRecipe());
  ASSERT_TRUE(image.ok()) << image.status().message();
  struct Cleanup {
    std::string name;
    ~Cleanup() { RunLocal({kPodman, "rm", "-f", "-t", "0", name}, "", std::chrono::seconds(60)); }
  } cleanup{name};
  auto r = RunLocal({kPodman, "run", "-d", "--runtime", "runc", "--init", "--ulimit", "nofile=4096:4096", "--ulimit",
                     "nproc=4096:4096", "--label", "faultline-test=" + name, "--name", name, image->name, "sleep",
                     "infinity"},
                    "", std::chrono::seconds(120));
  ASSERT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
  const std::string store = fs::temp_directory_path() / ("faultline-" + name + "-store");
  fs::remove_all(store);
  const std::string nodes = " --nodes-from podman:faultline-test=" + name;

  auto test = Faultline("test" + nodes + " --target ringstore --workload register --time-limit 5 --seed 1"
                        " --nemesis kill,partition --store " + store);
  EXPECT_EQ(test.code, 3) << test.text;
  // --nodes-from names the node after its container.
  EXPECT_NE(test.text.find("faultline test: " + name + ": fault partition needs iptables, which fails there (iptables -S: "),
            std::string::npos)
      << test.text;
  EXPECT_NE(test.text.find("--cap-add NET_ADMIN"), std::string::npos) << test.text;
  EXPECT_EQ(test.text.find("seed:"), std::string::npos) << test.text;  // refused before the run began
  EXPECT_EQ(CountEntries(store), 0u) << test.text;                     // no run directory

  auto disk = Faultline("test" + nodes + " --target ringstore --workload set --time-limit 5 --nemesis disk"
                        " --store " + store);
  EXPECT_EQ(disk.code, 3) << disk.text;
  EXPECT_NE(disk.text.find(name + ": fault disk needs fuse, which fails there (no /dev/fuse)"), std::string::npos)
      << disk.text;

  // By hand: refused the same way, nothing recorded.
  auto by_hand = Faultline("fault start partition" + nodes + " --store " + store);
  EXPECT_EQ(by_hand.code, 3) << by_hand.text;
  EXPECT_NE(by_hand.text.find("faultline fault start: " + name + ": fault partition needs iptables"),
            std::string::npos)
      << by_hand.text;
  EXPECT_EQ(CountEntries(store), 0u) << by_hand.text;  // no ledger entry either
  fs::remove_all(store);
}

// Storage faults inside podman containers (`cluster up --storage-faults`:
// SYS_ADMIN and /dev/fuse): faultline-fs is deployed and mounted over the
// store's data directory in each container, and a power cut on every node
// loses exactly what was not fsynced — nothing with fsync=always, acknowledged
// adds with fsync=never.
TEST(ContainerDiskIntegrationTest, LoseUnfsyncedInsidePodmanCatchesFsyncNever) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string name = UniqueName() + "d";
  const std::string subnet = UniqueSubnet(name);
  const std::string root = fs::temp_directory_path() / ("faultline-" + name + "-state");
  const std::string flags = " --name " + name + " --state-root " + root;
  struct Down {
    std::string flags, root;
    ~Down() {
      Faultline("cluster down" + flags);
      fs::remove_all(root);
    }
  } down{flags, root};
  auto up = Faultline("cluster up --runtime podman --storage-faults --nodes 3 --subnet " + subnet + flags);
  ASSERT_EQ(up.code, 0) << up.text;
  // Faults every 2 s (the first within 2 s), on all nodes at once; short
  // runs (each still deploys ringstore and mounts faultline-fs everywhere).
  const std::string test = "test --cluster-file " + root + "/" + name + "/cluster.json --store " + root +
                           "/store --target ringstore --workload set --time-limit 6 --seed 1 --nemesis disk"
                           " --nemesis-interval 2 --recovery-time 1 --nemesis-opt disk-faults=lose-unfsynced"
                           " --fault-targets all";

  auto always = Faultline(test + " --target-opt fsync=always");
  EXPECT_EQ(always.code, 0) << always.text;
  EXPECT_NE(always.text.find("verdict: valid (faults: disk"), std::string::npos) << always.text;

  auto never = Faultline(test + " --target-opt fsync=never");
  EXPECT_EQ(never.code, 1) << never.text;
  EXPECT_NE(never.text.find("lost element(s)) — run"), std::string::npos) << never.text;

  // The heal unmounted faultline-fs in every container.
  for (int i = 1; i <= 3; ++i) {
    auto mounts = RunLocal({kPodman, "exec", name + "-n" + std::to_string(i), "cat", "/proc/self/mounts"});
    ASSERT_TRUE(mounts.ok() && mounts->exit_code == 0);
    EXPECT_EQ(mounts->out.find("fuse.faultline"), std::string::npos) << mounts->out;
  }
}

}  // namespace
}  // namespace faultline
