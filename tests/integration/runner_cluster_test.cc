// `faultline test` against ringstore on a real local 3-node cluster (own name
// and subnet, removed afterwards): each workload is valid, each run directory
// is complete (spec, history, results, log, every node's log), and `analyze
// latest` reaches the same verdict. Runs the real binary. Needs root.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "harness/core/op.h"
#include "harness/control/remote.h"
#include "nemesis/faultline_chain.h"
#include "targets/ringstore_db.h"
#include "tests/faultline_child.h"
#include "tests/faultline_cli.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

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
    FaultlineOutput o = Faultline("test --target ringstore --workload " + workload + " --time-limit " +
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

    FaultlineOutput a = Faultline("analyze --store " + store_.string() + " latest");
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

// Ctrl-C twice while a partition is active: the second signal (arriving while
// the runner heals and tears down) skips the checking, but every node is
// healed (no FAULTLINE rule) and torn down (no ringstore pid file), the
// history on disk is a valid prefix that records the heal, and the verdict
// line and exit code say unknown.
TEST_F(RunnerClusterTest, SecondInterruptStillHealsAndTearsDown) {
  testing::FaultlineChild child({"test", "--target", "ringstore", "--workload", "register",
                                 "--time-limit", "60", "--concurrency", "3", "--rate", "50",
                                 "--nemesis", "partition", "--nemesis-interval", "1",
                                 "--cluster-file", cluster_->cluster_file_path(), "--store",
                                 store_.string()});
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(child.WaitFor("main phase", 60)) << child.output();
  fs::path run = fs::canonical(store_ / "latest");
  // Wait until the partition is in place (its start op completed).
  bool partitioned = false;
  for (int i = 0; i < 200 && !partitioned; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(run / "history.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("\"start-partition\"") != std::string::npos &&
          line.find("\"type\":\"info\"") != std::string::npos) {
        partitioned = true;
      }
    }
  }
  ASSERT_TRUE(partitioned) << "no partition started within 10 s\n" << child.output();
  child.Signal(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  child.Signal(SIGINT);
  int code = child.Wait(120);
  const std::string& out = child.output();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("verdict: unknown (interrupted twice"), std::string::npos) << out;
  EXPECT_EQ(out.find("verdict: valid"), std::string::npos) << out;
  EXPECT_NE(out.find("tearing down the db"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(run / "results.json"));

  // The history: every line parses, and the partition's stop is recorded.
  std::ifstream in(run / "history.jsonl");
  std::string line;
  int64_t index = 0;
  bool stopped = false;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "line " << index + 1 << ": " << line;
    auto op = OpFromJson(j);
    ASSERT_TRUE(op.ok()) << line;
    EXPECT_EQ(op->index, index++);
    if (op->f == "stop-partition" && op->type == OpType::kInfo) stopped = true;
  }
  EXPECT_TRUE(stopped) << "the heal (stop-partition) is not in the history";

  // The nodes: healed and torn down.
  auto remotes = cluster_->Connect();
  ASSERT_TRUE(remotes.ok()) << remotes.status().message();
  for (auto& r : *remotes) {
    auto rules = ListChainRules(*r);
    ASSERT_TRUE(rules.ok()) << rules.status().message();
    EXPECT_TRUE(rules->empty()) << r->node() << " kept " << rules->size() << " FAULTLINE rules";
    auto pid = ExecOrError(*r, "test -e " + std::string(RingstoreDb::kPidFile) +
                                   " && echo running || echo gone");
    ASSERT_TRUE(pid.ok()) << pid.status().message();
    EXPECT_EQ(*pid, "gone\n") << r->node() << ": ringstore was not torn down";
  }
  // And the prefix is checkable afterwards: linearizable (the overall verdict
  // may be invalid from `stats` alone when this short run had no ok cas).
  FaultlineOutput a = Faultline("analyze " + run.string());
  EXPECT_NE(a.code, 3) << a.text;
  ASSERT_TRUE(fs::exists(run / "results.json")) << a.text;
  EXPECT_EQ(ReadJson(run / "results.json")["linearizable"]["valid"], true) << a.text;
}

}  // namespace
}  // namespace faultline
