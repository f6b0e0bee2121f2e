// `faultline campaign --clusters a,b` on two real 3-node local clusters: the
// runs spread over both (each run records its cluster, and its test.json the
// cluster file it used), run in parallel (wall time well under the sum of the
// runs' durations), and the ringstore verdicts come out as expected. Needs root.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "harness/core/op.h"
#include "tests/faultline_cli.h"
#include "tests/integration/scoped_cluster.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

TEST(CampaignClustersTest, TwoClustersRunInParallelAndEveryRunNamesItsCluster) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces)";
  if (!fs::exists(std::string(FAULTLINE_BINARY_DIR) + "/ringstore")) GTEST_SKIP() << "no build/ringstore";
  ScopedCluster a(UniqueSpec("ca", 3));
  ASSERT_TRUE(a.ok()) << a.status().message();
  ScopedCluster b(UniqueSpec("cb", 3));  // the next free subnet: a's is taken now
  ASSERT_TRUE(b.ok()) << b.status().message();
  std::string dir = TempDir("campaign-clusters");
  std::ofstream(dir + "/c.json") << R"({"name": "two",
    "defaults": {"target": "ringstore", "workload": "register", "time_limit": 5, "rate": 50,
                 "concurrency": 3, "nemesis_interval": 2, "recovery_time": 1},
    "matrix": {"nemesis": ["none", "partition"]},
    "seeds": [1, 2],
    "expect": [{"match": {}, "valid": true}]})";
  auto t0 = std::chrono::steady_clock::now();
  FaultlineOutput o = Faultline("campaign " + dir + "/c.json --store " + dir + "/store --clusters " +
                                a.spec().name + "," + b.spec().name);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(o.code, 0) << o.text;
  json record = json::parse(ReadAll(fs::canonical(dir + "/store/campaigns/two/latest") / "campaign.json"));
  ASSERT_EQ(record["runs"].size(), 4u);
  double serial = 0;
  std::set<std::string> used;
  for (const auto& r : record["runs"]) {
    EXPECT_EQ(r["status"], "done") << r.dump();
    EXPECT_EQ(r["verdict"], true) << r.dump();
    serial += r["took_s"].get<double>();
    const std::string cluster = r["cluster"];
    used.insert(cluster);
    json test = json::parse(ReadAll(r["run_dir"].get<std::string>() + "/test.json"));
    EXPECT_NE(test["nodes"]["cluster_file"].get<std::string>().find("/" + cluster + "/"), std::string::npos)
        << test["nodes"].dump();
  }
  EXPECT_EQ(used, (std::set<std::string>{a.spec().name, b.spec().name}));
  EXPECT_LT(wall, 0.75 * serial) << "wall " << wall << " s for runs that took " << serial << " s in all";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace faultline
