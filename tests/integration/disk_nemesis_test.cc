// The disk nemesis end to end: real `faultline test` runs (the binary, over
// SSH to a local 5-node cluster; each node's ringstore data directory
// mounted through faultline-fs in the node's mount namespace):
//   fsync=always, set, disk,kill lose-unfsynced  -> valid, 0 lost, bytes were dropped
//   fsync=never,  set, the same                  -> lost acknowledged adds (some seed of 3)
//   register, disk corrupt                       -> valid; the damaged node refused to start,
//                                                   saying why, and came back repaired
//   by hand: fault start disk eio --on n2, fault stop -> started, recorded, stopped, unmounted
// and after every run no node has a faultline-fs mount or process left.
// Runs are short (12 s); the 3-seed figures are in the note. Needs root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/control/subprocess.h"
#include "harness/core/op.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

const std::string kRingstore = std::string(FAULTLINE_BINARY_DIR) + "/ringstore";
const std::string kFaultline = std::string(FAULTLINE_BINARY_DIR) + "/faultline";

struct DiskRun {
  int exit_code = -1;
  std::string output;
  json results;
  std::vector<Op> faults;  // completed nemesis ops
};

class DiskNemesisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0 || !fs::exists(kRingstore) || access("/dev/fuse", R_OK | W_OK) != 0) return;
    cluster_ = new ScopedCluster(UniqueSpec("dk", 5));
    char tmpl[] = "/tmp/faultline-disk-XXXXXX";
    store_ = mkdtemp(tmpl);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    if (!store_.empty()) fs::remove_all(store_);
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    ASSERT_EQ(access("/dev/fuse", R_OK | W_OK), 0) << "storage faults need /dev/fuse";
    ASSERT_TRUE(fs::exists(kRingstore)) << kRingstore << " is not built";
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
  }

  DiskRun Run(const std::string& workload, const std::string& nemesis, const std::string& faults, uint64_t seed,
              const std::string& fsync) {
    std::vector<std::string> argv = {kFaultline, "test", "--name", workload + "-" + fsync + "-" + std::to_string(seed),
                                     "--store", store_, "--cluster-file", cluster_->cluster_file_path(),
                                     "--target", "ringstore", "--target-opt", "binary=" + kRingstore,
                                     "--target-opt", "fsync=" + fsync, "--workload", workload,
                                     "--time-limit", "12", "--nemesis", nemesis, "--nemesis-interval", "3",
                                     "--nemesis-opt", "disk-faults=" + faults, "--seed", std::to_string(seed)};
    DiskRun out;
    auto r = RunLocal(argv);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return out;
    out.exit_code = r->exit_code;
    out.output = r->out + r->err;
    std::ifstream results(store_ + "/latest/results.json");
    out.results = json::parse(results, nullptr, false);
    std::ifstream in(store_ + "/latest/history.jsonl");
    for (std::string line; std::getline(in, line);) {
      auto op = OpFromJson(json::parse(line, nullptr, false));
      if (op.ok() && op->is_nemesis() && !op->is_invoke() && !op->value.is_null()) out.faults.push_back(*op);
    }
    return out;
  }

  // No node has a faultline-fs mount, bind point or process left.
  void ExpectNothingLeft() {
    auto remotes = cluster_->Connect();
    ASSERT_TRUE(remotes.ok()) << remotes.status().message();
    for (auto& remote : *remotes) {
      auto r = ExecOrError(*remote,
                           "grep -c 'fuse.faultline\\|faultline-real' /proc/self/mounts; "
                           "ls -d /var/lib/faultline/ringstore/data.faultline-real 2>/dev/null | wc -l; "
                           "for p in /proc/[0-9]*; do readlink $p/exe; done 2>/dev/null | grep -c faultline-fs; true");
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_EQ(*r, "0\n0\n0\n") << remote->node() << " has faultline-fs leftovers";
    }
  }

  static inline ScopedCluster* cluster_ = nullptr;
  static inline std::string store_;
};

TEST_F(DiskNemesisTest, FsyncAlwaysLosesNothingAcknowledged) {
  DiskRun r = Run("set", "disk,kill", "lose-unfsynced", 1, "always");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.results["set"]["lost_count"], 0) << r.output;
  int losses = 0;
  for (const Op& op : r.faults) {
    if (op.f == "start-disk") {
      EXPECT_EQ(op.value["fault"], "lose-unfsynced");
      losses += op.value["effects"].size();
      for (const auto& [node, effect] : op.value["effects"].items()) EXPECT_TRUE(effect.contains("lost")) << effect;
    }
  }
  EXPECT_GE(losses, 2) << "too few power cuts to mean anything\n" << r.output;
  ExpectNothingLeft();
}

TEST_F(DiskNemesisTest, FsyncNeverLosesAcknowledgedAdds) {
  int lost = 0;
  std::string outputs;
  for (uint64_t seed = 1; seed <= 3 && lost == 0; ++seed) {
    DiskRun r = Run("set", "disk,kill", "lose-unfsynced", seed, "never");
    outputs += r.output;
    if (r.results.is_object() && r.results.contains("set")) lost = r.results["set"].value("lost_count", 0);
    if (lost > 0) {
      EXPECT_EQ(r.exit_code, 1) << r.output;  // invalid
    }
    uint64_t dropped = 0;
    for (const Op& op : r.faults) {
      if (op.f != "start-disk") continue;
      for (const auto& [node, effect] : op.value["effects"].items()) dropped += effect["lost"].value("bytes", 0);
    }
    EXPECT_GT(dropped, 0u) << "no unsynced bytes were dropped: did the store write through faultline-fs?";
  }
  EXPECT_GT(lost, 0) << "a store that never fsyncs lost nothing to power cuts in 3 seeds\n" << outputs;
  ExpectNothingLeft();
}

TEST_F(DiskNemesisTest, CorruptReplicaRefusesToStartAndNothingWrongIsRead) {
  DiskRun r = Run("register", "disk", "corrupt", 3, "always");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  int refused = 0;
  for (const Op& op : r.faults) {
    if (op.f == "start-disk") {
      EXPECT_EQ(op.value["nodes"].size(), 1u) << op.value;
    }
    if (op.f == "stop-disk" && op.value.contains("refused")) {
      for (const auto& [node, why] : op.value["refused"].items()) {
        ++refused;
        EXPECT_NE(why.get<std::string>().find("is corrupt at byte"), std::string::npos) << why;
      }
    }
  }
  EXPECT_GE(refused, 1) << "no corrupted replica refused to start\n" << r.output;
  ExpectNothingLeft();
}

TEST_F(DiskNemesisTest, ByHandStartsOnOneNodeAndStopUnmounts) {
  std::vector<std::string> base = {"--cluster-file", cluster_->cluster_file_path(), "--store", store_,
                                   "--target-opt", "binary=" + kRingstore};
  auto cmd = [&](std::vector<std::string> args) {
    args.insert(args.begin(), kFaultline);
    args.insert(args.end(), base.begin(), base.end());
    return RunLocal(args);
  };
  auto up = cmd({"test", "--target", "ringstore", "--time-limit", "2", "--nemesis", "none", "--leave-db-running"});
  ASSERT_TRUE(up.ok());
  ASSERT_EQ(up->exit_code, 0) << up->out << up->err;
  auto start = cmd({"fault", "start", "disk", "--nemesis-opt", "disk-faults=eio", "--on", "n2"});
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(start->exit_code, 0) << start->out << start->err;
  EXPECT_NE(start->out.find("started disk: "), std::string::npos) << start->out;
  EXPECT_NE(start->out.find("\"fault\":\"eio\",\"nodes\":[\"n2\"]"), std::string::npos) << start->out;
  auto status = cmd({"fault", "status"});
  ASSERT_TRUE(status.ok());
  EXPECT_NE(status->out.find("by hand: disk since"), std::string::npos) << status->out;
  auto stop = cmd({"fault", "stop"});
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->exit_code, 0) << stop->out << stop->err;
  EXPECT_NE(stop->out.find("stopped disk"), std::string::npos) << stop->out;
  ExpectNothingLeft();
}

// A third-party store names its data directory in its target spec
// (db.data_dir): the shipped ringstore example with fsync=never loses
// acknowledged adds to power cuts, as the built-in target does.
TEST_F(DiskNemesisTest, ExternalSpecDataDirIsMountedAndItsUnsyncedBytesLost) {
  const std::string spec = std::string(FAULTLINE_SOURCE_DIR) + "/targets/external/ringstore.json";
  auto r = RunLocal({kFaultline, "test", "--name", "ext-disk", "--store", store_, "--cluster-file",
                     cluster_->cluster_file_path(), "--target-spec", spec, "--target-opt", "binary=" + kRingstore,
                     "--target-opt", "fsync=never", "--workload", "set", "--time-limit", "10", "--nemesis", "disk",
                     "--nemesis-opt", "disk-faults=lose-unfsynced", "--fault-targets", "all", "--nemesis-interval",
                     "3", "--seed", "2"},
                    "", std::chrono::seconds(180));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_code, 1) << r->out << r->err;
  std::ifstream results(store_ + "/latest/results.json");
  json j = json::parse(results, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r->out << r->err;
  EXPECT_GT(j["set"].value("lost_count", 0), 0) << j["set"].dump();
  ExpectNothingLeft();
}

}  // namespace
}  // namespace faultline
