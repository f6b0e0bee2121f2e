// The "must show": real `faultline test` runs (the binary, over SSH to
// a local 5-node cluster, seeds fixed here) find what each fault breaks and do
// not cry wolf:
//   ringstore paxos    under partition,kill,pause,clock  -> valid
//   ringstore lww      under clock (seconds of skew)     -> invalid
//   ringstore eventual under partition                   -> invalid, availability ~100%
// Availability = answered / completed client ops (answered: ok, or a cas
// precondition failure), read from the run's history.
// Runs are short (20 s) to keep CI time reasonable; the 10-seed detection rate
// is measured by scripts/detection_rate.sh instead. Needs root.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "harness/core/op.h"
#include "harness/control/subprocess.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace nemesis_verdict_test {
namespace {

namespace fs = std::filesystem;

const std::string kRingstore = std::string(FAULTLINE_BINARY_DIR) + "/ringstore";
const std::string kFaultline = std::string(FAULTLINE_BINARY_DIR) + "/faultline";

struct RunOutcome {
  int exit_code = -1;
  std::string output;
  double availability = -1;  // answered / completed client ops
  int nemesis_ops = 0;       // completed fault ops in the history
  int info_ops = 0;          // client ops with an unknown outcome (timeouts)
  std::set<std::string> fault_fs;
  // Latencies (ms) of ok client ops invoked while a fault was active / not.
  std::vector<double> ok_ms_during_faults, ok_ms_outside_faults;
};

double MedianOf(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

class NemesisVerdictTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0 || !fs::exists(kRingstore)) return;
    auto list = RunLocal({kFaultline, "list"});
    has_runner_ = list.ok() && list->out.find("\n  test ") != std::string::npos;
    if (!has_runner_) return;
    cluster_ = new ScopedCluster(UniqueSpec("nv", 5));
    char tmpl[] = "/tmp/faultline-verdict-XXXXXX";
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
    if (!has_runner_) GTEST_SKIP() << "this build has no `faultline test`";
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
  }

  RunOutcome Run(const std::string& mode, const std::string& nemesis, uint64_t seed,
                 std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kFaultline, "test", "--name", mode + "-" + std::to_string(seed),
                                     "--store", store_, "--cluster-file",
                                     cluster_->cluster_file_path(), "--target", "ringstore",
                                     "--target-opt", "binary=" + kRingstore, "--target-opt",
                                     "mode=" + mode, "--workload", "register", "--time-limit", "20",
                                     "--nemesis", nemesis, "--nemesis-interval", "4", "--seed",
                                     std::to_string(seed)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunOutcome out;
    auto r = RunLocal(argv);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return out;
    out.exit_code = r->exit_code;
    out.output = r->out + r->err;
    std::ifstream in(store_ + "/latest/history.jsonl");
    int ok = 0, completed = 0;
    bool fault_active = false;
    std::map<int64_t, std::pair<int64_t, bool>> invoked;  // process -> (time, during a fault)
    for (std::string line; std::getline(in, line);) {
      auto j = json::parse(line, nullptr, false);
      if (!j.is_object()) continue;
      auto op = OpFromJson(j);
      if (!op.ok()) continue;
      if (op->is_invoke()) {
        if (!op->is_nemesis()) invoked[op->process] = {op->time, fault_active};
        continue;
      }
      if (op->is_nemesis()) {
        ++out.nemesis_ops;
        out.fault_fs.insert(op->f);
        // Active from the start's completion (its value says what was done;
        // the invocation's is null) to the stop's invocation.
        if (op->f.rfind("start-", 0) == 0 && !op->value.is_null()) fault_active = true;
        if (op->f.rfind("stop-", 0) == 0) fault_active = false;
        continue;
      }
      ++completed;
      out.info_ops += op->is_info();
      auto inv = invoked.find(op->process);
      if (op->is_ok() && inv != invoked.end()) {
        double ms = (op->time - inv->second.first) / 1e6;
        (inv->second.second ? out.ok_ms_during_faults : out.ok_ms_outside_faults).push_back(ms);
      }
      // Answered: ok, or a definite cas precondition failure (a correct answer).
      ok += op->is_ok() || (op->is_fail() && op->error.find("precondition") != std::string::npos);
    }
    out.availability = completed ? static_cast<double>(ok) / completed : -1;
    return out;
  }

  static inline bool has_runner_ = false;
  static inline ScopedCluster* cluster_ = nullptr;
  static inline std::string store_;
};

// The tests that run faultline-shaper, apart (not in CMakeLists.txt's
// two-at-a-time list): two shapers on two clusters at once broke one of them
// in CI (its delay never applied: 0 ops during 19.5 s of packet faults), as
// if this host's NFQUEUE were not per network namespace. Same fixture.
class ShaperVerdictTest : public NemesisVerdictTest {};

TEST_F(NemesisVerdictTest, PaxosStaysLinearizableUnderEveryFault) {
  // One fault at a time, as the README's table was measured: overlapping, all
  // four together cut availability under the 0.2 floor below (0.18, seed 3).
  RunOutcome r = Run("paxos", "partition,kill,pause,clock", 3,
                     {"--clock-max-skew-ms", "5000", "--nemesis-schedule", "alternate"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GE(r.nemesis_ops, 6) << "too few faults to mean anything\n" << r.output;
  EXPECT_GE(r.fault_fs.size(), 4u) << "faults seen: " << json(r.fault_fs).dump();
  // Faults cost availability (minorities refuse, paused/killed nodes time
  // out) but paxos keeps serving through the majority.
  EXPECT_GT(r.availability, 0.2) << r.output;
  EXPECT_LT(r.availability, 1.0) << "the faults had no effect at all";
}

// Issue 6: "availability shows the minority side failing during partitions
// and recovering after heal" — from the run's own availability checker.
TEST_F(NemesisVerdictTest, PaxosMinorityFailsDuringPartitionsAndRecoversAfterHeal) {
  // `one` isolates a single node: alone it holds at most 1 of a key's 3
  // replicas, so it can serve nothing, while the 4 others serve every key.
  // (Cutting 2 nodes off would let them serve keys with 2 replicas on their
  // side: a figure that depends on where the few keys happen to land.)
  RunOutcome r = Run("paxos", "partition", 1, {"--partition", "one"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(store_ + "/latest/results.json");
  json results = json::parse(in, nullptr, false);
  ASSERT_TRUE(results.is_object()) << "no results.json\n" << r.output;
  const json& a = results["availability"];
  ASSERT_TRUE(a.contains("partition_sides")) << a.dump(2);
  double cut_off = a["partition_sides"]["cut_off"]["availability"].get<double>();
  double majority = a["partition_sides"]["majority"]["availability"].get<double>();
  // Ops that straddle the start or the heal may still succeed on the cut-off
  // node, hence not exactly 0.
  EXPECT_LT(cut_off, 0.3) << a["partition_sides"].dump();
  EXPECT_GT(majority, 0.8) << a["partition_sides"].dump();
  ASSERT_FALSE(a["recovery"].empty()) << "no partition was healed while clients ran";
  for (const json& heal : a["recovery"]) {
    ASSERT_EQ(heal["nodes"].size(), 5u) << heal.dump();
    for (const auto& [node, seconds] : heal["nodes"].items()) {
      ASSERT_FALSE(seconds.is_null()) << node << " never answered after the heal: " << heal.dump();
      EXPECT_LT(seconds.get<double>(), 5.0) << node << " recovered slowly: " << heal.dump();
    }
  }
}

TEST_F(NemesisVerdictTest, LwwLosesWritesUnderClockSkew) {
  // Two fixed seeds: both must be caught (the detection-rate script measures more).
  for (uint64_t seed : {1, 2}) {
    RunOutcome r = Run("lww", "clock", seed, {"--clock-max-skew-ms", "5000"});
    EXPECT_EQ(r.exit_code, 1) << "seed " << seed << ": lww under clock skew not found invalid\n"
                              << r.output;
    EXPECT_NE(r.output.find("verdict: invalid"), std::string::npos) << r.output;
  }
}

// Issue 15: a slow network, not a cut one. On this kernel (no netem) the
// delay goes through faultline-shaper. Paxos under 200 ms +- 100 ms between
// nodes, with an op timeout short enough that some ops time out, stays
// valid, and its ops are measurably slower while the delay is on. (With its
// default 250 ms heartbeat deadline ringstore declares delayed peers down
// and refuses at once, "no quorum": still valid, but nothing to measure; the
// run raises the deadline above the round trip.)
TEST_F(ShaperVerdictTest, PaxosStaysLinearizableUnderPacketDelay) {
  RunOutcome r = Run("paxos", "packet", 4,
                     {"--nemesis-opt", "packet-delay-ms=200", "--nemesis-opt", "packet-jitter-ms=100",
                      "--op-timeout", "1", "--target-opt", "heartbeat-timeout-ms=2000",
                      "--target-opt", "rpc-timeout-ms=3000"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("verdict: valid"), std::string::npos) << r.output;
  EXPECT_GE(r.nemesis_ops, 4) << r.output;
  EXPECT_GT(r.info_ops, 0) << "no op timed out under 200 ms delays with a 1 s timeout";
  double during = MedianOf(r.ok_ms_during_faults), outside = MedianOf(r.ok_ms_outside_faults);
  EXPECT_GT(during, outside + 150) << "median ok latency " << during << " ms during the delay ("
                                   << r.ok_ms_during_faults.size() << " ops), " << outside
                                   << " ms outside (" << r.ok_ms_outside_faults.size() << " ops)\n"
                                   << r.output;
}

// lww under delay and duplication: its verdict is reported with availability.
TEST_F(ShaperVerdictTest, LwwUnderDelayAndDuplicationReportsAvailability) {
  RunOutcome r = Run("lww", "packet", 5,
                     {"--nemesis-opt", "packet-delay-ms=100", "--nemesis-opt", "packet-duplicate=20"});
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  EXPECT_NE(r.output.find("verdict: "), std::string::npos) << r.output;
  std::ifstream in(store_ + "/latest/results.json");
  json results = json::parse(in, nullptr, false);
  ASSERT_TRUE(results.is_object()) << r.output;
  ASSERT_TRUE(results["availability"].contains("by_node")) << results["availability"].dump();
  EXPECT_GT(results["availability"]["availability"].get<double>(), 0.5) << results["availability"].dump();
  EXPECT_GT(r.availability, 0.5);
}

TEST_F(NemesisVerdictTest, EventualServesStaleReadsUnderPartition) {
  RunOutcome r = Run("eventual", "partition", 1, {"--partition", "majority"});
  EXPECT_EQ(r.exit_code, 1) << "eventual under partition not found invalid\n" << r.output;
  EXPECT_TRUE(r.fault_fs.count("start-partition"));
  // The CAP trade-off: every node keeps answering through the partitions.
  EXPECT_GE(r.availability, 0.95) << r.output;
}

}  // namespace
}  // namespace nemesis_verdict_test
}  // namespace faultline
