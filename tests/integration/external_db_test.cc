// ExternalDb (targets/external/external_db.h) on a real local 2-node cluster,
// with `sleep` as the "store": the commands get the FAULTLINE_* environment
// in the data dir; signals go only to a pid whose cmdline matches (a stale
// pid naming another process is never signalled); a start that never gets
// healthy is an error and a log line; kill/pause/resume commands run instead
// of signals; faketime preloads libfaketime with a per-node FAKETIME_SHARED
// that Teardown removes; capabilities follow the spec. Needs root.
#include "targets/external/external_db.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "targets/external/external_target.h"
#include "targets/faketime_preload.h"
#include "tests/integration/scoped_cluster.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class ExternalDbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    cluster_ = new ScopedCluster(UniqueSpec("xd", 2));
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (namespaces)";
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
    auto remotes = cluster_->Connect();
    ASSERT_TRUE(remotes.ok()) << remotes.status().message();
    remotes_ = std::move(*remotes);
    for (auto& r : remotes_) info_.nodes.push_back({r->node(), r->address(), r.get()});
    info_.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      log_ += line + "\n";
    };
    dir_ = TempDir("extdb");
    ASSERT_FALSE(dir_.empty());
    std::ofstream(dir_ + "/adapter.py") << "\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The target of `db` (a spec's "db" object) with options `opts`.
  Target Make(const json& db, const TargetOptions& opts = {}) {
    json spec = {
        {"name", "xdb"}, {"fs", {"read"}}, {"db", db}, {"client", {{"command", {"python3", "adapter.py"}}}}};
    std::ofstream(dir_ + "/spec.json") << spec.dump();
    auto t = MakeExternalTarget(dir_ + "/spec.json", opts);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? std::move(*t) : Target{};
  }
  std::string On(int node, const std::string& command) {
    auto r = remotes_[node]->Exec(command);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->out : "";
  }
  const NodeInfo& Node(int i) const { return info_.nodes[i]; }

  // A "store": sleep, started detached, its pid in the data dir.
  static constexpr char kStart[] =
      "setsid sleep 1000 > /dev/null 2>&1 < /dev/null & echo $! > \"$FAULTLINE_DATA_DIR/store.pid\"";
  static constexpr char kTeardown[] =
      "p=$(cat \"$FAULTLINE_DATA_DIR/store.pid\" 2>/dev/null); [ -n \"$p\" ] && kill -9 $p 2>/dev/null; true";

  static inline ScopedCluster* cluster_ = nullptr;
  std::vector<std::unique_ptr<Remote>> remotes_;
  ClusterInfo info_;
  std::mutex mu_;
  std::string log_;
  std::string dir_;
};

TEST_F(ExternalDbTest, CommandsGetTheEnvironmentAndSignalsReachOnlyAMatchingPid) {
  Target t =
      Make({{"setup", std::string("env | grep ^FAULTLINE_ | sort > env.txt; pwd > pwd.txt; ") + kStart},
            {"teardown", kTeardown},
            {"health", "test -s \"$FAULTLINE_DATA_DIR/store.pid\""},
            {"pid_file", "/var/lib/faultline/xdb/store.pid"},
            {"process_match", "sleep 1000"},
            {"start", kStart},
            {"start_timeout_s", 2}},
           {{"read-mode", "local"}});
  ASSERT_TRUE(t.db);
  auto* killable = dynamic_cast<Killable*>(t.db.get());
  auto* pausable = dynamic_cast<Pausable*>(t.db.get());
  ASSERT_TRUE(killable && pausable);
  EXPECT_EQ(dynamic_cast<ClockSkewable*>(t.db.get()), nullptr);
  ASSERT_TRUE(t.db->Teardown(info_, Node(1)).ok());
  Status s = t.db->Setup(info_, Node(1));
  ASSERT_TRUE(s.ok()) << s.message();
  const std::string a1 = Node(0).address, a2 = Node(1).address;
  EXPECT_EQ(On(1, "cat /var/lib/faultline/xdb/env.txt"),
            "FAULTLINE_ADDRESS=" + a2 + "\nFAULTLINE_DATA_DIR=/var/lib/faultline/xdb\n" +
                "FAULTLINE_LOG_DIR=/var/log/faultline\nFAULTLINE_NODE=n2\nFAULTLINE_NODES=n1=" + a1 +
                ",n2=" + a2 + "\nFAULTLINE_OPT_READ_MODE=local\nFAULTLINE_SPEC_DIR=" + dir_ + "\n");
  EXPECT_EQ(On(1, "cat /var/lib/faultline/xdb/pwd.txt"), "/var/lib/faultline/xdb\n");
  std::string pid = On(1, "cat /var/lib/faultline/xdb/store.pid");
  ASSERT_FALSE(pid.empty());
  pid.pop_back();
  auto state = [&] { return On(1, "awk '{print $3}' /proc/" + pid + "/stat 2>/dev/null"); };

  ASSERT_TRUE(pausable->Pause(info_, Node(1)).ok());
  EXPECT_EQ(state(), "T\n");
  ASSERT_TRUE(pausable->Resume(info_, Node(1)).ok());
  EXPECT_EQ(state(), "S\n");
  ASSERT_TRUE(killable->Kill(info_, Node(1)).ok());
  EXPECT_EQ(state(), "");
  EXPECT_TRUE(pausable->Resume(info_, Node(1)).ok()) << "resuming a dead store is a no-op";
  ASSERT_TRUE(killable->Start(info_, Node(1)).ok());

  // A stale pid file naming another live process (the node's sshd): never
  // signalled; pause says the store is not running, kill has nothing to do.
  On(1, "kill -9 $(cat /var/lib/faultline/xdb/store.pid)");
  std::string sshd = On(1, "pgrep -o sshd");
  ASSERT_FALSE(sshd.empty());
  On(1, "echo " + sshd + " > /var/lib/faultline/xdb/store.pid");
  Status paused = pausable->Pause(info_, Node(1));
  EXPECT_FALSE(paused.ok());
  EXPECT_TRUE(HasSubstr(paused.message(), "pause xdb")) << paused.message();
  EXPECT_TRUE(killable->Kill(info_, Node(1)).ok());
  sshd.pop_back();
  EXPECT_EQ(On(1, "awk '{print $3}' /proc/" + sshd + "/stat"), "S\n") << "sshd was signalled";

  ASSERT_TRUE(t.db->Teardown(info_, Node(1)).ok());
  EXPECT_EQ(On(1, "test -e /var/lib/faultline/xdb && echo still there"), "");
}

TEST_F(ExternalDbTest, AStartThatNeverGetsHealthyIsLoggedAndAnError) {
  Target t = Make({{"setup", "touch ok"},
                   {"teardown", "true"},
                   {"health", "test -e ok"},
                   {"kill", "rm -f ok; echo killed >> /tmp/xdb-calls"},
                   {"start", "echo started >> /tmp/xdb-calls"},
                   {"pause", "echo paused >> /tmp/xdb-calls"},
                   {"resume", "echo resumed >> /tmp/xdb-calls"},
                   {"log_files", {"/var/log/faultline/xdb.log"}},
                   {"start_timeout_s", 1}});
  auto* killable = dynamic_cast<Killable*>(t.db.get());
  auto* pausable = dynamic_cast<Pausable*>(t.db.get());
  ASSERT_TRUE(killable && pausable);
  On(0, "rm -f /tmp/xdb-calls; echo 'the last words' > /var/log/faultline/xdb.log");
  ASSERT_TRUE(t.db->Setup(info_, Node(0)).ok());
  ASSERT_TRUE(pausable->Pause(info_, Node(0)).ok());
  ASSERT_TRUE(pausable->Resume(info_, Node(0)).ok());
  ASSERT_TRUE(killable->Kill(info_, Node(0)).ok());
  Status s = killable->Start(info_, Node(0));
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(HasSubstr(s.message(), "n1: xdb not healthy 1s after start (xdb health exited 1)"))
      << s.message();
  EXPECT_TRUE(HasSubstr(s.message(), "/var/log/faultline/xdb.log: the last words")) << s.message();
  EXPECT_TRUE(HasSubstr(log_, "n1: xdb not healthy 1s after start")) << log_;
  EXPECT_TRUE(HasSubstr(log_, "(the node stays down)")) << log_;
  EXPECT_EQ(On(0, "cat /tmp/xdb-calls"), "paused\nresumed\nkilled\nstarted\n");
  EXPECT_EQ(dynamic_cast<HasLogs*>(t.db.get())->LogFiles(Node(0)),
            std::vector<std::string>{"/var/log/faultline/xdb.log"});
  ASSERT_TRUE(t.db->Teardown(info_, Node(0)).ok());
  On(0, "rm -f /tmp/xdb-calls /var/log/faultline/xdb.log");

  Target bare = Make({{"setup", "exit 3"}, {"teardown", "true"}});
  EXPECT_EQ(dynamic_cast<Killable*>(bare.db.get()), nullptr);
  EXPECT_EQ(dynamic_cast<Pausable*>(bare.db.get()), nullptr);
  Status failed = bare.db->Setup(info_, Node(0));
  EXPECT_EQ(failed.message(), "xdb setup exited 3");
}

TEST_F(ExternalDbTest, FaketimeReachesTheStoreAndTeardownRemovesItsSharedState) {
  if (!fs::exists("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")) GTEST_SKIP() << "no libfaketime";
  Target t = Make({{"setup",
                    "setsid sleep 1000 > /dev/null 2>&1 < /dev/null & "
                    "echo $! > \"$FAULTLINE_DATA_DIR/store.pid\""},
                   {"teardown", kTeardown},
                   {"pid_file", "/var/lib/faultline/xdb/store.pid"},
                   {"process_match", "sleep 1000"},
                   {"faketime", true}});
  auto* clock = dynamic_cast<ClockSkewable*>(t.db.get());
  ASSERT_NE(clock, nullptr);
  EXPECT_EQ(clock->FaketimeOffsetFile(Node(0)), "/var/lib/faultline/faketime-offset");
  ASSERT_TRUE(t.db->Teardown(info_, Node(0)).ok());
  Status s = t.db->Setup(info_, Node(0));
  ASSERT_TRUE(s.ok()) << s.message();
  std::string env = On(0, "tr '\\0' '\\n' < /proc/$(cat /var/lib/faultline/xdb/store.pid)/environ");
  EXPECT_TRUE(HasSubstr(env, "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1\n")) << env;
  EXPECT_TRUE(HasSubstr(env, "FAKETIME_TIMESTAMP_FILE=/var/lib/faultline/faketime-offset\n")) << env;
  const std::string id = FaketimePairId("xdb", Node(0).name, Node(0).address);
  const std::string shared = "/" + id + "_sem /" + id + "_shm";
  EXPECT_TRUE(HasSubstr(env, "FAKETIME_SHARED=" + shared + "\n")) << env;
  EXPECT_EQ(On(0, "ls /dev/shm/sem." + id + "_sem /dev/shm/" + id + "_shm | wc -l"), "2\n");
  // A preloaded program on the node sees the offset the clock nemesis writes.
  std::string skewed =
      On(0,
         "echo +86400 > /var/lib/faultline/faketime-offset; "
         "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 "
         "FAKETIME_TIMESTAMP_FILE=/var/lib/faultline/faketime-offset FAKETIME_NO_CACHE=1 "
         "FAKETIME_SHARED=\"" + shared + "\" date +%s; date +%s");
  auto nl = skewed.find('\n');
  ASSERT_NE(nl, std::string::npos);
  long long faked = std::stoll(skewed.substr(0, nl)), real = std::stoll(skewed.substr(nl + 1));
  EXPECT_NEAR(faked - real, 86400, 5);
  ASSERT_TRUE(t.db->Teardown(info_, Node(0)).ok());
  EXPECT_EQ(On(0, "ls /dev/shm | grep -cF " + id + "; cat /var/lib/faultline/faketime-offset"),
            "0\n+0\n");
}

}  // namespace
}  // namespace faultline
