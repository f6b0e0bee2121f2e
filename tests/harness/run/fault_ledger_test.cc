// FaultLedger against a real file: the record follows the faults
// (write-ahead), closing removes it, a dead controller's record is a leftover
// of the clusters it shares a node with only, an unhealed close is a leftover
// even while its controller lives, and a malformed ledger is an error naming
// the file. The crash itself (kill -9 of a real run) is in
// tests/integration/runner_cluster_test.cc.
#include "harness/run/fault_ledger.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

ClusterInfo Cluster(const std::vector<std::pair<std::string, std::string>>& nodes) {
  ClusterInfo c;
  for (const auto& [name, address] : nodes) c.nodes.push_back(NodeInfo{name, address, nullptr});
  return c;
}

json ReadLedgerFile(const std::string& store) { return json::parse(ReadAll(FaultLedgerPath(store))); }

// The pid of a child that has exited and been reaped: no such process now.
pid_t DeadPid() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

class FaultLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = TempDir("ledger");
    ASSERT_FALSE(store_.empty());
  }
  void TearDown() override { fs::remove_all(store_); }
  std::string store_;
  ClusterInfo cluster_ = Cluster({{"n1", "10.9.0.11"}, {"n2", "10.9.0.12"}});
};

TEST_F(FaultLedgerTest, RecordFollowsTheFaultsAndCloseRemovesIt) {
  auto ledger = FaultLedger::Open(store_, store_ + "/t/1", cluster_, nullptr);
  ASSERT_TRUE(ledger.ok()) << ledger.status().message();
  json runs = ReadLedgerFile(store_)["runs"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["pid"], ::getpid());
  EXPECT_EQ(runs[0]["nodes"][1]["address"], "10.9.0.12");
  EXPECT_TRUE(runs[0]["faults"].empty());

  (*ledger)->Starting("partition");  // before the nemesis acts: value still null
  runs = ReadLedgerFile(store_)["runs"];
  ASSERT_TRUE(runs[0]["faults"].contains("partition"));
  EXPECT_TRUE(runs[0]["faults"]["partition"]["value"].is_null());
  EXPECT_FALSE(runs[0]["faults"]["partition"]["since"].get<std::string>().empty());

  (*ledger)->Applied("partition", json{{"n1", {"n2"}}});
  runs = ReadLedgerFile(store_)["runs"];
  EXPECT_EQ(runs[0]["faults"]["partition"]["value"], json({{"n1", {"n2"}}}));
  LedgerRun as_read;
  as_read.node_names = {"n1", "n2"};
  as_read.faults = runs[0]["faults"];
  EXPECT_EQ(DescribeFaults(as_read), "partition on n1,n2 {\"n1\":[\"n2\"]}");
  as_read.faults["kill"] = {{"since", "x"}, {"value", {{"nodes", {"n2"}}}}};
  EXPECT_EQ(DescribeFaults(as_read),
            "kill on n2 {\"nodes\":[\"n2\"]}; partition on n1,n2 {\"n1\":[\"n2\"]}");

  // Our own record is not a leftover: this controller is alive.
  auto leftovers = FindLeftoverRuns(store_, cluster_);
  ASSERT_TRUE(leftovers.ok());
  EXPECT_TRUE(leftovers->empty());

  (*ledger)->Healed("partition");
  EXPECT_TRUE(ReadLedgerFile(store_)["runs"][0]["faults"].empty());
  (*ledger)->Close();
  EXPECT_TRUE(ReadLedgerFile(store_)["runs"].empty());
}

TEST_F(FaultLedgerTest, DeadControllersRecordIsLeftoverOfClustersSharingANode) {
  pid_t dead = DeadPid();
  json ledger = {{"runs",
                  {{{"run_dir", "store/t/crashed"},
                    {"pid", dead},
                    {"start_time", 12345},
                    {"nodes", {{{"name", "n1"}, {"address", "10.9.0.11"}}}},
                    {"faults", {{"pause", {{"since", "x"}, {"value", {{"paused", {"n1"}}}}}}}},
                    {"exited", false}},
                   {{"run_dir", "store/t/elsewhere"},
                    {"pid", dead},
                    {"start_time", 12345},
                    {"nodes", {{{"name", "n1"}, {"address", "10.8.0.11"}}}},
                    {"faults", json::object()},
                    {"exited", false}}}}};
  std::ofstream(FaultLedgerPath(store_)) << ledger.dump();

  auto leftovers = FindLeftoverRuns(store_, cluster_);
  ASSERT_TRUE(leftovers.ok()) << leftovers.status().message();
  ASSERT_EQ(leftovers->size(), 1u);  // the other run's n1 is another machine
  EXPECT_EQ((*leftovers)[0].run_dir, "store/t/crashed");
  EXPECT_EQ((*leftovers)[0].controller.pid, dead);
  EXPECT_EQ(DescribeFaults((*leftovers)[0]), "pause on n1 {\"paused\":[\"n1\"]}");

  ASSERT_TRUE(ForgetRuns(store_, *leftovers).ok());
  json runs = ReadLedgerFile(store_)["runs"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_dir"], "store/t/elsewhere");
  EXPECT_TRUE(FindLeftoverRuns(store_, cluster_)->empty());
}

TEST_F(FaultLedgerTest, UnhealedCloseIsLeftoverWhileItsControllerLives) {
  {
    auto ledger = FaultLedger::Open(store_, store_ + "/t/2", cluster_, nullptr);
    ASSERT_TRUE(ledger.ok());
    (*ledger)->Starting("partition");
    (*ledger)->CloseUnhealed("heal partition: n2: iptables: exit 4");
  }  // the destructor must not remove the record after CloseUnhealed
  auto leftovers = FindLeftoverRuns(store_, cluster_);
  ASSERT_TRUE(leftovers.ok());
  ASSERT_EQ(leftovers->size(), 1u);
  EXPECT_TRUE((*leftovers)[0].exited);
  EXPECT_EQ((*leftovers)[0].heal_error, "heal partition: n2: iptables: exit 4");
  EXPECT_EQ(DescribeFaults((*leftovers)[0]), "partition on n1,n2");

  // A ledger closed by its destructor alone (the run ended early) is gone.
  ASSERT_TRUE(ForgetRuns(store_, *leftovers).ok());
  { ASSERT_TRUE(FaultLedger::Open(store_, store_ + "/t/3", cluster_, nullptr).ok()); }
  EXPECT_TRUE(ReadLedgerFile(store_)["runs"].empty());
}

TEST_F(FaultLedgerTest, MalformedLedgerIsAnErrorNamingTheFile) {
  std::ofstream(FaultLedgerPath(store_)) << "{\"runs\": [";
  auto leftovers = FindLeftoverRuns(store_, cluster_);
  ASSERT_FALSE(leftovers.ok());
  EXPECT_NE(leftovers.status().message().find(".active-faults.json"), std::string::npos)
      << leftovers.status().message();
  auto opened = FaultLedger::Open(store_, store_ + "/t/4", cluster_, nullptr);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find(".active-faults.json"), std::string::npos);

  std::ofstream(FaultLedgerPath(store_)) << "{\"runs\": [{\"run_dir\": 5}]}";
  leftovers = FindLeftoverRuns(store_, cluster_);
  ASSERT_FALSE(leftovers.ok());
  EXPECT_NE(leftovers.status().message().find("malformed record"), std::string::npos)
      << leftovers.status().message();

  std::ofstream(FaultLedgerPath(store_)) << "[]";
  leftovers = FindLeftoverRuns(store_, cluster_);
  ASSERT_FALSE(leftovers.ok());
  EXPECT_NE(leftovers.status().message().find("not a fault ledger"), std::string::npos);
}

}  // namespace
}  // namespace faultline
