// The etcd target (a third-party store: Debian's etcd 3.4) on a real local
// 3-node cluster: `faultline test --target etcd` under partitions and kills is
// valid with real reads, writes and successful cas in the history; so is the
// list-append workload's multi-key txns (etcd_txn.h), with real multi-key
// commits; teardown leaves no etcd process or data on the nodes; a workload
// needing ops etcd's client lacks is refused before anything is deployed. Needs root and
// /usr/bin/etcd (scripts/install-deps.sh installs etcd-server).
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "harness/history/history_reader.h"
#include "targets/etcd_db.h"
#include "tests/faultline_cli.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class EtcdTargetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || !fs::exists("/usr/bin/etcd")) return;
    cluster_ = new ScopedCluster(UniqueSpec("et", 3));
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces)";
    if (!fs::exists("/usr/bin/etcd")) GTEST_SKIP() << "no /usr/bin/etcd (apt-get install etcd-server)";
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
    store_ = fs::temp_directory_path() / ("faultline_etcd_it_" + std::to_string(::getpid()));
  }
  void TearDown() override { fs::remove_all(store_); }

  std::string Common() const {
    return " --cluster-file " + cluster_->cluster_file_path() + " --store " + store_.string();
  }

  static ScopedCluster* cluster_;
  fs::path store_;
};

ScopedCluster* EtcdTargetTest::cluster_ = nullptr;

TEST_F(EtcdTargetTest, RegisterIsLinearizableUnderPartitionsAndKills) {
  FaultlineOutput o = Faultline("test --target etcd --workload register --time-limit 15 --concurrency 6 "
                       "--rate 100 --nemesis partition,kill --nemesis-interval 3 --seed 7" +
                       Common());
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("verdict: valid"), std::string::npos) << o.text;
  fs::path run = fs::canonical(store_ / "latest");
  auto history = ReadHistoryFile((run / "history.jsonl").string());
  ASSERT_TRUE(history.ok()) << history.status().message();
  int ok_reads_with_value = 0, ok_cas = 0, ok_writes = 0, faults = 0;
  for (const Op& op : *history) {
    if (op.is_nemesis()) {
      faults += op.f.rfind("start-", 0) == 0 && op.value.is_object();
      continue;
    }
    if (!op.is_ok()) continue;
    ok_reads_with_value += op.f == "read" && !op.value.is_null();
    ok_cas += op.f == "cas";
    ok_writes += op.f == "write";
  }
  // Not a vacuous pass: the store really stored, served and compared values
  // while faults were injected.
  EXPECT_GT(ok_reads_with_value, 20);
  EXPECT_GT(ok_writes, 20);
  EXPECT_GT(ok_cas, 5);
  EXPECT_GE(faults, 2);
  for (const char* node : {"n1", "n2", "n3"}) {
    EXPECT_TRUE(fs::exists(run / "nodes" / node / "etcd.log")) << "log of " << node;
  }

  // Teardown left no member process and no data on any node.
  auto remotes = cluster_->Connect();
  ASSERT_TRUE(remotes.ok()) << remotes.status().message();
  for (auto& r : *remotes) {
    auto left = r->Exec(std::string("for p in /proc/[0-9]*; do [ \"$(readlink $p/exe)\" = ") +
                        EtcdDb::kBinary + " ] && echo $p; done; ls " + EtcdDb::kDataDir +
                        " 2>/dev/null; true");
    ASSERT_TRUE(left.ok()) << left.status().message();
    EXPECT_EQ(left->out, "") << r->node() << " still has etcd processes or data";
  }
}

TEST_F(EtcdTargetTest, ListAppendTxnsAreStrictSerializableUnderPartitionsAndKills) {
  FaultlineOutput o = Faultline("test --target etcd --workload list-append --workload-opt max-txn-length=4 "
                                "--time-limit 15 --concurrency 6 --rate 100 --nemesis partition,kill "
                                "--nemesis-interval 3 --seed 11" +
                                Common());
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("verdict: valid"), std::string::npos) << o.text;
  fs::path run = fs::canonical(store_ / "latest");
  auto history = ReadHistoryFile((run / "history.jsonl").string());
  ASSERT_TRUE(history.ok()) << history.status().message();
  int ok = 0, ok_multi_key_writes = 0, ok_long_reads = 0, faults = 0, failed = 0;
  for (const Op& op : *history) {
    if (op.is_nemesis()) {
      faults += op.f.rfind("start-", 0) == 0 && op.value.is_object();
      continue;
    }
    failed += op.is_fail() || op.is_info();
    if (!op.is_ok() || op.f != "txn") continue;
    ++ok;
    std::set<std::string> written;
    for (const json& m : op.value) {
      if (m[0] == "append") written.insert(m[1].dump());
      ok_long_reads += m[0] == "r" && m[2].is_array() && m[2].size() >= 3;
    }
    ok_multi_key_writes += written.size() >= 2;
  }
  std::printf("etcd list-append: ok %d (multi-key writes %d, reads of 3+ elements %d), fail/info %d, faults %d\n",
              ok, ok_multi_key_writes, ok_long_reads, failed, faults);
  // Not a vacuous pass: multi-key txns committed and lists grew and were
  // read, while faults made some txns fail or end unknown.
  EXPECT_GT(ok, 100);
  EXPECT_GT(ok_multi_key_writes, 10);
  EXPECT_GT(ok_long_reads, 10);
  EXPECT_GT(failed, 0);
  EXPECT_GE(faults, 2);
  std::ifstream results_file(run / "results.json");
  json results = json::parse(results_file, nullptr, false);
  ASSERT_TRUE(results.is_object());
  ASSERT_TRUE(results.contains("list-append")) << results.dump().substr(0, 500);
  EXPECT_EQ(results["list-append"]["valid"], true);
  EXPECT_EQ(results["list-append"]["anomaly-types"], json::array());
  // The report has the transactional section (with nothing to draw).
  std::ifstream report_file(run / "report.html");
  std::string report((std::istreambuf_iterator<char>(report_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(report.find("Transactional anomalies: list-append"), std::string::npos);
  EXPECT_NE(report.find("No anomalies found."), std::string::npos);
}

TEST_F(EtcdTargetTest, WorkloadNeedingOpsEtcdLacksIsRefusedBeforeDeploying) {
  FaultlineOutput o = Faultline("test --target etcd --workload set --time-limit 5" + Common());
  EXPECT_EQ(o.code, 3) << o.text;
  EXPECT_NE(o.text.find("set-add"), std::string::npos) << o.text;
  EXPECT_EQ(o.text.find("setting up"), std::string::npos) << "deployed before refusing:\n" << o.text;
  // Go reads the clock without libc: libfaketime cannot skew etcd, and the
  // clock nemesis says so before anything is deployed.
  FaultlineOutput clock = Faultline("test --target etcd --workload register --nemesis clock" + Common());
  EXPECT_EQ(clock.code, 3) << clock.text;
  EXPECT_NE(clock.text.find("not ClockSkewable"), std::string::npos) << clock.text;
  EXPECT_EQ(clock.text.find("setting up"), std::string::npos) << "deployed before refusing:\n" << clock.text;
  FaultlineOutput bad = Faultline("test --target etcd --target-opt peer-port=2379 --workload register" + Common());
  EXPECT_EQ(bad.code, 3) << bad.text;
  EXPECT_NE(bad.text.find("client-port and peer-port must differ"), std::string::npos) << bad.text;
}

}  // namespace
}  // namespace faultline
