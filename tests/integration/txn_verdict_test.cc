// Issue 16's end-to-end "must show" for ringstore: real `faultline test` runs
// of the list-append workload (txns of one micro-op: ringstore has no
// multi-key transactions) over SSH to a local 3-node cluster, seeds fixed:
//   paxos    under partition,kill,pause -> valid (strict-serializable)
//   eventual under partition            -> invalid, the anomalies named
//   lww      under clock skew           -> invalid
// Runs are short (15 s) to keep CI time down. Needs root.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "harness/control/subprocess.h"
#include "harness/core/op.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace txn_verdict_test {
namespace {

namespace fs = std::filesystem;

const std::string kRingstore = std::string(FAULTLINE_BINARY_DIR) + "/ringstore";
const std::string kFaultline = std::string(FAULTLINE_BINARY_DIR) + "/faultline";

struct TxnRun {
  int exit_code = -1;
  std::string output;
  json list_append;             // results.json's list-append checker result
  std::set<std::string> fault_fs;  // completed fault ops in the history
};

class TxnVerdictTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0 || !fs::exists(kRingstore)) return;
    cluster_ = new ScopedCluster(UniqueSpec("tx", 3));
    char tmpl[] = "/tmp/faultline-txn-XXXXXX";
    store_ = mkdtemp(tmpl);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    if (!store_.empty()) fs::remove_all(store_);
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!fs::exists(kRingstore)) GTEST_SKIP() << kRingstore << " is not built";
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
  }

  TxnRun Run(const std::string& mode, const std::string& nemesis, uint64_t seed,
             std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kFaultline, "test", "--name", "la-" + mode, "--store", store_,
                                     "--cluster-file", cluster_->cluster_file_path(), "--target",
                                     "ringstore", "--target-opt", "binary=" + kRingstore, "--target-opt",
                                     "mode=" + mode, "--workload", "list-append", "--workload-opt",
                                     "max-txn-length=1", "--workload-opt", "keys=4", "--time-limit", "15",
                                     "--nemesis", nemesis, "--nemesis-interval", "3", "--seed",
                                     std::to_string(seed)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    TxnRun out;
    auto r = RunLocal(argv);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return out;
    out.exit_code = r->exit_code;
    out.output = r->out + r->err;
    std::ifstream results(store_ + "/latest/results.json");
    json j = json::parse(results, nullptr, false);
    if (j.is_object() && j.contains("list-append")) out.list_append = j["list-append"];
    // What was found, for the log of a passing run too.
    std::printf("%s under %s: %s, anomaly types %s, txns %s\n", mode.c_str(), nemesis.c_str(),
                out.list_append.value("valid", json()).dump().c_str(),
                out.list_append.value("anomaly-types", json()).dump().c_str(),
                out.list_append.value("txns", json()).dump().c_str());
    std::ifstream history(store_ + "/latest/history.jsonl");
    for (std::string line; std::getline(history, line);) {
      auto op = json::parse(line, nullptr, false);
      if (op.is_object() && op.value("process", json()) == "nemesis" && op.value("type", "") == "info" &&
          !op.value("value", json()).is_null()) {
        out.fault_fs.insert(op.value("f", ""));
      }
    }
    return out;
  }

  static inline ScopedCluster* cluster_ = nullptr;
  static inline std::string store_;
};

TEST_F(TxnVerdictTest, PaxosListAppendIsStrictSerializableUnderPartitionKillPause) {
  TxnRun r = Run("paxos", "partition,kill,pause", 11);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(r.list_append.is_object()) << r.output;
  EXPECT_EQ(r.list_append["valid"], true) << r.list_append.dump(2);
  EXPECT_GT(r.list_append["txns"]["ok"].get<int64_t>(), 100) << r.list_append.dump(2);
  EXPECT_GT(r.list_append["edges"].get<int64_t>(), 100) << "the dependency graph has edges";
  EXPECT_GE(r.fault_fs.size(), 3u) << "faults seen: " << json(r.fault_fs).dump();
}

// Eventual serves both sides of a partition from local copies: the two sides
// append different elements to one list, and reads see orders no single list
// history allows.
TEST_F(TxnVerdictTest, EventualListAppendIsInvalidUnderPartition) {
  TxnRun r = Run("eventual", "partition", 12, {"--partition", "majority"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ASSERT_TRUE(r.list_append.is_object()) << r.output;
  EXPECT_EQ(r.list_append["valid"], false);
  EXPECT_FALSE(r.list_append["anomaly-types"].empty()) << r.list_append.dump(2);
  EXPECT_TRUE(r.fault_fs.count("start-partition"));
  EXPECT_NE(r.output.find("verdict: invalid"), std::string::npos) << r.output;
}

// lww appends are a quorum read then a quorum write stamped by a skewed
// clock: appends made "in the past" lose, and reads disagree on the lists.
TEST_F(TxnVerdictTest, LwwListAppendIsInvalidUnderClockSkew) {
  TxnRun r = Run("lww", "clock", 13, {"--clock-max-skew-ms", "5000"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ASSERT_TRUE(r.list_append.is_object()) << r.output;
  EXPECT_EQ(r.list_append["valid"], false);
  EXPECT_FALSE(r.list_append["anomaly-types"].empty()) << r.list_append.dump(2);
  EXPECT_TRUE(r.fault_fs.count("start-clock")) << json(r.fault_fs).dump();
}

}  // namespace
}  // namespace txn_verdict_test
}  // namespace faultline
