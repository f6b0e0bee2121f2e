// Deploying the real ringstore onto a real 3-node local cluster over SSH:
// setup/health, reads and writes through different nodes, kill -9 + restart
// keeps data, pause makes requests time out, resume heals, logs, teardown, and
// `cluster down` ends a store that is still running. Needs root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/control/local_cluster.h"
#include "harness/control/process_tree.h"
#include "harness/control/subprocess.h"
#include "targets/faketime_preload.h"
#include "targets/ringstore_client.h"
#include "targets/ringstore_db.h"
#include "tests/integration/scoped_cluster.h"
#include "tests/test_files.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace ringstore_deploy_test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kRingstore = std::string(FAULTLINE_BINARY_DIR) + "/ringstore";

Op MakeOp(const std::string& f, json key, json value) {
  Op op;
  op.process = 0;
  op.f = f;
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

// Host pids of processes on a node (children of its PID 1) whose command
// line contains `needle`.
std::vector<ProcessId> NodeProcesses(pid_t node_pid1, const std::string& needle) {
  std::vector<ProcessId> out;
  for (pid_t pid : ChildrenOf(node_pid1)) {
    std::string cmdline = ReadAll("/proc/" + std::to_string(pid) + "/cmdline");
    if (HasSubstr(cmdline, needle)) out.push_back(IdentifyProcess(pid));
  }
  return out;
}

class RingstoreDeployTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kRingstore)) GTEST_SKIP() << kRingstore << " is not built";
  }
};

TEST_F(RingstoreDeployTest, DeployKillPauseLogsTeardownAndClusterDown) {
  ScopedCluster cluster(UniqueSpec("ir", 3));
  ASSERT_TRUE(cluster.ok()) << cluster.status().message();
  auto remotes = cluster.Connect();
  ASSERT_TRUE(remotes.ok()) << remotes.status().message();
  ClusterInfo info;
  for (auto& r : *remotes) info.nodes.push_back(NodeInfo{r->node(), r->address(), r.get()});

  const auto* entry = TargetRegistry::Get().Find("ringstore");
  ASSERT_NE(entry, nullptr);
  auto target = entry->factory({{"binary", kRingstore},
                                {"request-timeout-ms", "1500"},
                                {"rpc-timeout-ms", "500"}});
  ASSERT_TRUE(target.ok()) << target.status().message();
  auto* db = dynamic_cast<RingstoreDb*>(target->db.get());
  ASSERT_NE(db, nullptr);
  ASSERT_NE(dynamic_cast<Killable*>(target->db.get()), nullptr);
  ASSERT_NE(dynamic_cast<Pausable*>(target->db.get()), nullptr);
  ASSERT_NE(dynamic_cast<HasLogs*>(target->db.get()), nullptr);
  ASSERT_NE(dynamic_cast<ClockSkewable*>(target->db.get()), nullptr);

  // Setup on all nodes in parallel, as the runner does.
  auto t0 = Clock::now();
  std::vector<Status> setup(3);
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < 3; ++i) {
      threads.emplace_back([&, i] { setup[i] = db->Setup(info, info.nodes[i]); });
    }
    for (auto& t : threads) t.join();
  }
  for (const auto& s : setup) ASSERT_TRUE(s.ok()) << s.message();
  std::printf("ringstore setup on 3 nodes: %.2fs\n",
              std::chrono::duration<double>(Clock::now() - t0).count());

  // Runs under libfaketime, reading the offset file named by ClockSkewable.
  Remote& n2_remote = *info.nodes[1].remote;
  std::string offset_file = db->FaketimeOffsetFile(info.nodes[1]);
  const std::string pair_id = FaketimePairId("ringstore", info.nodes[1].name, info.nodes[1].address);
  auto pair_files = [&] {
    auto out = ExecOrError(n2_remote, "ls /dev/shm/sem." + pair_id + "_sem /dev/shm/" + pair_id +
                                          "_shm 2>/dev/null | wc -l");
    return out.ok() ? *out : out.status().message();
  };
  if (fs::exists("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")) {
    EXPECT_EQ(offset_file, RingstoreDb::kOffsetFile);
    auto env = ExecOrError(n2_remote, "tr '\\0' '\\n' < /proc/$(cat " +
                                          std::string(RingstoreDb::kPidFile) + ")/environ");
    ASSERT_TRUE(env.ok()) << env.status().message();
    EXPECT_TRUE(HasSubstr(*env, "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"));
    EXPECT_TRUE(HasSubstr(*env, "FAKETIME_TIMESTAMP_FILE=" + offset_file));
    EXPECT_TRUE(HasSubstr(*env, "FAKETIME_NO_CACHE=1"));
    // A pair of its own, so a SIGKILLed store leaves no pid-named one in /dev/shm.
    EXPECT_TRUE(HasSubstr(*env, "FAKETIME_SHARED=/" + pair_id + "_sem /" + pair_id + "_shm\n")) << *env;
    EXPECT_EQ(pair_files(), "2\n");
    auto offset = ExecOrError(n2_remote, "cat " + offset_file);
    ASSERT_TRUE(offset.ok());
    EXPECT_EQ(*offset, "+0\n");
  }

  auto client_for = [&](size_t i) {
    auto c = target->new_client();
    EXPECT_TRUE(c->Open(info, info.nodes[i]).ok());
    return c;
  };
  auto c1 = client_for(0), c2 = client_for(1), c3 = client_for(2);

  // Write through n1, read through n3; every op kind once.
  auto w = c1->Invoke(MakeOp("write", "k1", 41));
  ASSERT_EQ(w.type, OpType::kOk) << w.error;
  auto r = c3->Invoke(MakeOp("read", "k1", nullptr));
  ASSERT_EQ(r.type, OpType::kOk) << r.error;
  EXPECT_EQ(r.value, 41);
  auto cas_ok = c3->Invoke(MakeOp("cas", "k1", json::array({41, 42})));
  EXPECT_EQ(cas_ok.type, OpType::kOk) << cas_ok.error;
  auto cas_fail = c1->Invoke(MakeOp("cas", "k1", json::array({41, 43})));
  EXPECT_EQ(cas_fail.type, OpType::kFail) << cas_fail.error;
  EXPECT_TRUE(HasSubstr(cas_fail.error, "precondition")) << cas_fail.error;
  EXPECT_EQ(c2->Invoke(MakeOp("set-add", "s", 5)).type, OpType::kOk);
  EXPECT_EQ(c1->Invoke(MakeOp("set-add", "s", 7)).type, OpType::kOk);
  auto set = c3->Invoke(MakeOp("set-read", "s", nullptr));
  ASSERT_EQ(set.type, OpType::kOk) << set.error;
  EXPECT_EQ(set.value, json::array({5, 7}));
  EXPECT_EQ(c1->Invoke(MakeOp("counter-add", "c", 3)).type, OpType::kOk);
  EXPECT_EQ(c2->Invoke(MakeOp("counter-add", "c", -1)).type, OpType::kOk);
  auto counter = c3->Invoke(MakeOp("counter-read", "c", nullptr));
  ASSERT_EQ(counter.type, OpType::kOk) << counter.error;
  EXPECT_EQ(counter.value, 2);
  auto odd_key = c1->Invoke(MakeOp("write", "a key?with#odd&chars%", "x"));
  EXPECT_EQ(odd_key.type, OpType::kOk) << odd_key.error;
  auto odd_read = c3->Invoke(MakeOp("read", "a key?with#odd&chars%", nullptr));
  EXPECT_EQ(odd_read.value, "x") << odd_read.error;
  auto unknown = c1->Invoke(MakeOp("frobnicate", "k1", nullptr));
  EXPECT_EQ(unknown.type, OpType::kFail);

  // kill -9 on n2: its process is gone; start it; its own durable state is back.
  auto old_pid = ExecOrError(n2_remote, "cat " + std::string(RingstoreDb::kPidFile));
  ASSERT_TRUE(old_pid.ok());
  ASSERT_TRUE(db->Kill(info, info.nodes[1]).ok());
  auto gone = n2_remote.Exec("kill -0 " + *old_pid);
  ASSERT_TRUE(gone.ok());
  EXPECT_NE(gone->exit_code, 0) << "ringstore still alive after Kill";
  auto refused = c2->Invoke(MakeOp("read", "k1", nullptr));
  EXPECT_NE(refused.type, OpType::kOk);
  EXPECT_TRUE(db->Kill(info, info.nodes[1]).ok());  // idempotent
  auto during = c1->Invoke(MakeOp("write", "k2", "while-n2-down"));
  EXPECT_EQ(during.type, OpType::kOk) << during.error;
  ASSERT_TRUE(db->Start(info, info.nodes[1]).ok());
  auto status = ExecOrError(n2_remote, "exec 3<>/dev/tcp/127.0.0.1/7000; printf 'GET /status HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
  ASSERT_TRUE(status.ok()) << status.status().message();
  auto body = json::parse(status->substr(status->find("\r\n\r\n") + 4), nullptr, false);
  ASSERT_TRUE(body.is_object()) << *status;
  EXPECT_GE(body.value("keys", 0), 3) << *status;  // k1, s, c recovered from n2's log
  if (!offset_file.empty()) {  // the restarted store has the same pair
    auto env = ExecOrError(n2_remote, "tr '\\0' '\\n' < /proc/$(cat " + std::string(RingstoreDb::kPidFile) +
                                          ")/environ");
    ASSERT_TRUE(env.ok()) << env.status().message();
    EXPECT_TRUE(HasSubstr(*env, "FAKETIME_SHARED=/" + pair_id + "_sem /" + pair_id + "_shm\n")) << *env;
  }
  auto after = c2->Invoke(MakeOp("read", "k1", nullptr));
  ASSERT_EQ(after.type, OpType::kOk) << after.error;
  EXPECT_EQ(after.value, 42);

  // Pause n2: requests to it time out (info); resume: they succeed again.
  ASSERT_TRUE(db->Pause(info, info.nodes[1]).ok());
  auto t1 = Clock::now();
  auto paused = c2->Invoke(MakeOp("write", "k3", 1));
  double waited = std::chrono::duration<double>(Clock::now() - t1).count();
  EXPECT_EQ(paused.type, OpType::kInfo) << paused.error;
  EXPECT_GE(waited, 1.4);
  EXPECT_LT(waited, 5.0);
  auto via_n1 = c1->Invoke(MakeOp("read", "k1", nullptr));
  EXPECT_EQ(via_n1.type, OpType::kOk) << via_n1.error;
  ASSERT_TRUE(db->Resume(info, info.nodes[1]).ok());
  Op resumed;
  for (int i = 0; i < 20; ++i) {
    resumed = c2->Invoke(MakeOp("read", "k1", nullptr));
    if (resumed.type == OpType::kOk) break;
  }
  EXPECT_EQ(resumed.type, OpType::kOk) << resumed.error;
  EXPECT_EQ(resumed.value, 42);

  // Logs come back through the Remote.
  auto logs = db->LogFiles(info.nodes[1]);
  ASSERT_EQ(logs.size(), 1u);
  std::string local = (fs::temp_directory_path() / ("faultline-ringlog-" + std::to_string(getpid()))).string();
  fs::remove_all(local);
  ASSERT_TRUE(n2_remote.Download(logs[0], local + "/ringstore.log").ok());
  std::string log = ReadAll(local + "/ringstore.log");
  // Setup and the restart after kill -9 each appended a start line.
  size_t starts = 0;
  for (size_t pos = 0; (pos = log.find("starting ringstore on n2", pos)) != std::string::npos; ++pos) {
    ++starts;
  }
  EXPECT_EQ(starts, 2u) << log;
  fs::remove_all(local);

  // A store that dies at start: the error says so and shows the log tail.
  {
    auto broken = entry->factory({{"binary", "/bin/false"}, {"start-timeout-ms", "10000"}});
    ASSERT_TRUE(broken.ok());
    auto t2 = Clock::now();
    Status s = broken->db->Setup(info, info.nodes[0]);
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(HasSubstr(s.message(), "n1: ringstore exited during start")) << s.message();
    EXPECT_TRUE(HasSubstr(s.message(), "log tail:")) << s.message();
    EXPECT_LT(std::chrono::duration<double>(Clock::now() - t2).count(), 9.0);
    auto missing = entry->factory({{"binary", "/nonexistent/ringstore"}});
    ASSERT_TRUE(missing.ok());
    Status m = missing->db->Setup(info, info.nodes[0]);
    EXPECT_TRUE(HasSubstr(m.message(), "/nonexistent/ringstore not found")) << m.message();
    EXPECT_FALSE(entry->factory({{"mode", "quantum"}}).ok());
    EXPECT_FALSE(entry->factory({{"colour", "blue"}}).ok());
  }

  // Teardown everywhere: process stopped, data wiped.
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(db->Teardown(info, info.nodes[i]).ok());
    auto left = info.nodes[i].remote->Exec(std::string("test -e ") + RingstoreDb::kDataDir +
                                           " || test -e " + RingstoreDb::kPidFile);
    ASSERT_TRUE(left.ok());
    EXPECT_NE(left->exit_code, 0) << info.nodes[i].name << " still has ringstore files";
  }
  EXPECT_EQ(pair_files(), "0\n") << "teardown left the faketime pair";
  EXPECT_TRUE(db->Teardown(info, info.nodes[0]).ok());  // idempotent

  // The offset file really moves the store's clock: in lww mode, n1 an hour
  // ahead stamps its write "later", so a newer write through n2 is lost.
  if (!offset_file.empty()) {
    auto lww = entry->factory({{"binary", kRingstore}, {"mode", "lww"}, {"request-timeout-ms", "1500"}});
    ASSERT_TRUE(lww.ok());
    std::vector<Status> st(3);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < 3; ++i) {
      threads.emplace_back([&, i] { st[i] = lww->db->Setup(info, info.nodes[i]); });
    }
    for (auto& t : threads) t.join();
    for (const auto& s : st) ASSERT_TRUE(s.ok()) << s.message();
    auto* skew = dynamic_cast<ClockSkewable*>(lww->db.get());
    std::string n1_offset = skew->FaketimeOffsetFile(info.nodes[0]);
    ASSERT_FALSE(n1_offset.empty());
    auto l1 = lww->new_client(), l2 = lww->new_client(), l3 = lww->new_client();
    ASSERT_TRUE(l1->Open(info, info.nodes[0]).ok());
    ASSERT_TRUE(l2->Open(info, info.nodes[1]).ok());
    ASSERT_TRUE(l3->Open(info, info.nodes[2]).ok());
    // Control: with equal clocks the later write wins.
    ASSERT_EQ(l1->Invoke(MakeOp("write", "skew", "first")).type, OpType::kOk);
    ASSERT_EQ(l2->Invoke(MakeOp("write", "skew", "second")).type, OpType::kOk);
    EXPECT_EQ(l3->Invoke(MakeOp("read", "skew", nullptr)).value, "second");
    ASSERT_TRUE(ExecOrError(*info.nodes[0].remote, "echo +3600 > " + n1_offset).ok());
    ASSERT_EQ(l1->Invoke(MakeOp("write", "skew", "from-the-future")).type, OpType::kOk);
    ASSERT_EQ(l2->Invoke(MakeOp("write", "skew", "newest")).type, OpType::kOk);
    EXPECT_EQ(l3->Invoke(MakeOp("read", "skew", nullptr)).value, "from-the-future");
    ASSERT_TRUE(ExecOrError(*info.nodes[0].remote, "echo +0 > " + n1_offset).ok());
    for (size_t i = 0; i < 2; ++i) ASSERT_TRUE(lww->db->Teardown(info, info.nodes[i]).ok());
  } else {
    ASSERT_TRUE(db->Setup(info, info.nodes[2]).ok());
  }

  // n3's store is still running: `cluster down` must end it.
  auto stores = NodeProcesses(cluster.file().nodes[2].sshd.pid, "/opt/faultline/bin/ringstore");
  ASSERT_EQ(stores.size(), 1u);
  EXPECT_TRUE(ProcessAlive(stores[0]));
  c1->Close();
  c2->Close();
  c3->Close();
  remotes->clear();
  info.nodes.clear();
  ASSERT_TRUE(cluster.Down().ok());
  EXPECT_FALSE(ProcessAlive(stores[0])) << "ringstore survived cluster down";
}

}  // namespace
}  // namespace ringstore_deploy_test
}  // namespace faultline
