// `faultline test` against ringstore on a real local 3-node cluster (own name
// and subnet, removed afterwards): each workload is valid, each run directory
// is complete (spec, history, results, log, every node's log), and `analyze
// latest` reaches the same verdict. Runs the real binary. Needs root.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "harness/op.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

struct Output {
  int code = -1;
  std::string text;
};

Output Faultline(const std::string& args) {
  Output out;
  std::string cmd = std::string(FAULTLINE_BINARY_DIR) + "/faultline " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.text.append(buf, n);
  int status = pclose(p);
  out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

class RunnerClusterTest : public ::testing::Test {
 protected:
  static bool HaveRingstore() { return fs::exists(std::string(FAULTLINE_BINARY_DIR) + "/ringstore"); }
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || !HaveRingstore()) return;
    cluster_ = new ScopedCluster(UniqueSpec("ru", 3));
  }
  static void TearDownTestSuite() {
    delete cluster_;  // removes the cluster
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces)";
    if (!HaveRingstore()) GTEST_SKIP() << "build/ringstore is not built";
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
    store_ = fs::temp_directory_path() / ("faultline_runner_it_" + std::to_string(::getpid()));
  }
  void TearDown() override { fs::remove_all(store_); }

  // Runs the workload on ringstore and checks verdict + run directory.
  void RunValid(const std::string& workload, int time_limit_s, const std::string& extra) {
    Output o = Faultline("test --target ringstore --workload " + workload + " --time-limit " +
                         std::to_string(time_limit_s) + " --concurrency 6 --rate 100 --cluster-file " +
                         cluster_->cluster_file_path() + " --store " + store_.string() + " " +
                         extra);
    ASSERT_EQ(o.code, 0) << o.text;
    EXPECT_NE(o.text.find("verdict: valid"), std::string::npos) << o.text;
    fs::path run = fs::canonical(store_ / "latest");
    for (const char* f : {"test.json", "history.jsonl", "results.json", "faultline.log"}) {
      EXPECT_TRUE(fs::exists(run / f)) << f;
    }
    for (const char* node : {"n1", "n2", "n3"}) {
      EXPECT_TRUE(fs::exists(run / "nodes" / node) && !fs::is_empty(run / "nodes" / node))
          << "logs of " << node;
    }
    json results = ReadJson(run / "results.json");
    EXPECT_EQ(results["valid"], true) << results.dump(2).substr(0, 2000);
    EXPECT_GT(fs::file_size(run / "history.jsonl"), 10000u);  // ~100 ops/s for >= 10 s
    results_ = results;

    Output a = Faultline("analyze --store " + store_.string() + " latest");
    EXPECT_EQ(a.code, 0) << a.text;
    EXPECT_NE(a.text.find("verdict: valid"), std::string::npos) << a.text;
  }

  static ScopedCluster* cluster_;
  fs::path store_;
  json results_;  // results.json of the last RunValid
};

ScopedCluster* RunnerClusterTest::cluster_ = nullptr;

TEST_F(RunnerClusterTest, RegisterIsLinearizable) { RunValid("register", 30, ""); }

// Paxos-replicated sets lose nothing and serve no stale read (--linearizable);
// the final reads saw every acknowledged add. keys=3: with 6 workers on one
// key, duelling Paxos proposers turn most adds into info (nothing to judge).
TEST_F(RunnerClusterTest, SetLosesNothing) {
  RunValid("set", 12, "--linearizable --workload-opt keys=3");
  const json& set = results_["set"];
  EXPECT_EQ(set["valid"], true) << set.dump(2).substr(0, 2000);
  EXPECT_GT(set["acknowledged_count"].get<int64_t>(), 100) << set.dump(2).substr(0, 2000);
  EXPECT_EQ(set["lost_count"], 0);
  EXPECT_EQ(set["stale_count"], 0);
}

TEST_F(RunnerClusterTest, CounterReadsStayWithinBounds) {
  RunValid("counter", 12, "--workload-opt keys=3");
  const json& counter = results_["counter"];
  EXPECT_EQ(counter["valid"], true) << counter.dump(2).substr(0, 2000);
  EXPECT_GT(counter["reads"].get<int64_t>(), 50) << counter.dump(2).substr(0, 2000);
  EXPECT_EQ(counter["error_count"], 0);
}

}  // namespace
}  // namespace faultline
