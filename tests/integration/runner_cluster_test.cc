// `faultline test` against ringstore on a real local 3-node cluster (own name
// and subnet, removed afterwards): each workload is valid, each run directory
// is complete (spec, history, results, log, every node's log), and `analyze
// latest` reaches the same verdict; a controller killed with kill -9 mid-fault
// has its faults healed by the next run or `cluster heal`. Runs the real
// binary. Needs root.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
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

// Starts `faultline test` with `nemesis` on the cluster and SIGKILLs it as
// soon as the fault ledger shows `fault` applied (its value recorded): the
// controller dies without healing. Returns the dead run's directory.
fs::path KillRunWhileFaultIsActive(const std::string& cluster_file, const fs::path& store,
                                   const std::string& nemesis, const std::string& fault) {
  testing::FaultlineChild child({"test", "--target", "ringstore", "--workload", "register",
                                 "--time-limit", "60", "--concurrency", "3", "--rate", "50",
                                 "--nemesis", nemesis, "--nemesis-interval", "2", "--cluster-file",
                                 cluster_file, "--store", store.string()});
  EXPECT_TRUE(child.ok());
  EXPECT_TRUE(child.WaitFor("main phase", 60)) << child.output();
  fs::path ledger = store / ".active-faults.json";
  bool applied = false;
  for (int i = 0; i < 300 && !applied; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(ledger);
    json j = json::parse(in, nullptr, false);
    if (j.is_discarded() || !j["runs"].is_array() || j["runs"].empty()) continue;
    const json& faults = j["runs"][0]["faults"];
    applied = faults.contains(fault) && !faults[fault]["value"].is_null();
  }
  EXPECT_TRUE(applied) << "the ledger shows no " << fault << " within 15 s\n" << child.output();
  fs::path run = fs::canonical(store / "latest");
  child.Signal(SIGKILL);
  EXPECT_EQ(child.Wait(30), -1);
  return run;
}

// Each node's ringstore process state ('S', 'R', 'T' stopped, ...), by node.
std::map<std::string, std::string> RingstoreStates(std::vector<std::unique_ptr<Remote>>& remotes) {
  std::map<std::string, std::string> states;
  for (auto& r : remotes) {
    auto state = ExecOrError(*r, "awk '{print $3}' /proc/$(cat " + std::string(RingstoreDb::kPidFile) +
                                     ")/stat 2>/dev/null || true");
    states[r->node()] = state.ok() ? *state : "error: " + state.status().message();
  }
  return states;
}

size_t FaultlineRuleCount(std::vector<std::unique_ptr<Remote>>& remotes) {
  size_t n = 0;
  for (auto& r : remotes) {
    auto rules = ListChainRules(*r);
    EXPECT_TRUE(rules.ok()) << rules.status().message();
    if (rules.ok()) n += rules->size();
  }
  return n;
}

// kill -9 of the controller during a partition leaves FAULTLINE rules on the
// nodes; the next `faultline test` on the cluster heals them first (one line
// naming the dead run and the fault), marks the dead run crashed, runs valid
// with every node answering, and leaves no rule and no ledger record. The
// dead run's prefix is checked by analyze, which says it crashed.
TEST_F(RunnerClusterTest, NextRunHealsPartitionLeftByAKilledController) {
  fs::path dead = KillRunWhileFaultIsActive(cluster_->cluster_file_path(), store_, "partition",
                                            "partition");
  auto remotes = cluster_->Connect();
  ASSERT_TRUE(remotes.ok()) << remotes.status().message();
  EXPECT_GT(FaultlineRuleCount(*remotes), 0u) << "the partition was not on the nodes";

  FaultlineOutput o = Faultline("test --target ringstore --workload register --time-limit 6 "
                                "--concurrency 3 --rate 50 --nemesis none --cluster-file " +
                                cluster_->cluster_file_path() + " --store " + store_.string());
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("healed faults left by a crashed run (" + dead.string()), std::string::npos)
      << o.text;
  EXPECT_NE(o.text.find("): partition on n1,n2,n3"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("verdict: valid"), std::string::npos) << o.text;
  EXPECT_EQ(FaultlineRuleCount(*remotes), 0u);
  json results = ReadJson(fs::canonical(store_ / "latest") / "results.json");
  for (const char* node : {"n1", "n2", "n3"}) {
    EXPECT_GT(results["availability"]["by_node"][node]["availability"].get<double>(), 0.9)
        << node << ": " << results["availability"].dump().substr(0, 1500);
  }
  EXPECT_TRUE(ReadJson(store_ / ".active-faults.json")["runs"].empty());

  ASSERT_TRUE(fs::exists(dead / "crashed.json"));
  json crashed = ReadJson(dead / "crashed.json");
  EXPECT_NE(crashed["faults"].get<std::string>().find("partition"), std::string::npos);
  FaultlineOutput a = Faultline("analyze " + dead.string());
  EXPECT_NE(a.code, 3) << a.text;
  EXPECT_NE(a.text.find("controller died before it finished"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("crashed: checked the"), std::string::npos) << a.text;
  EXPECT_EQ(ReadJson(dead / "results.json")["linearizable"]["valid"], true) << a.text;
}

// kill -9 during a pause leaves a stopped (state T) ringstore; `faultline
// cluster heal --store` resumes it, names the dead run, and marks it crashed;
// the next run then finds nothing left to heal.
TEST_F(RunnerClusterTest, ClusterHealResumesStoreLeftPausedByAKilledController) {
  fs::path dead = KillRunWhileFaultIsActive(cluster_->cluster_file_path(), store_, "pause", "pause");
  auto remotes = cluster_->Connect();
  ASSERT_TRUE(remotes.ok()) << remotes.status().message();
  auto states = RingstoreStates(*remotes);
  int stopped = 0;
  for (const auto& [node, state] : states) stopped += state == "T\n";
  EXPECT_GT(stopped, 0) << "no ringstore was left stopped";

  FaultlineOutput h = Faultline("cluster heal --cluster-file " + cluster_->cluster_file_path() +
                                " --store " + store_.string());
  EXPECT_EQ(h.code, 0) << h.text;
  EXPECT_NE(h.text.find("healed faults left by a crashed run (" + dead.string()), std::string::npos)
      << h.text;
  EXPECT_NE(h.text.find("): pause on n"), std::string::npos) << h.text;
  for (const auto& [node, state] : RingstoreStates(*remotes)) {
    EXPECT_TRUE(state == "S\n" || state == "R\n") << node << " is in state " << state;
  }
  EXPECT_TRUE(fs::exists(dead / "crashed.json"));
  EXPECT_NE(ReadJson(dead / "crashed.json")["healed_by"], nullptr);

  FaultlineOutput o = Faultline("test --target ringstore --workload register --time-limit 4 "
                                "--concurrency 3 --rate 50 --nemesis none --cluster-file " +
                                cluster_->cluster_file_path() + " --store " + store_.string());
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_EQ(o.text.find("healed faults"), std::string::npos) << o.text;
}

}  // namespace
}  // namespace faultline
