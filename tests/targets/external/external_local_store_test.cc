// `faultline test --target external` against a store on the controller itself
// (issue 22), end to end through the real binary, with no cluster and no root:
//
//   - a spec with "nodes": "none" runs its setup/teardown on the controller
//     and its adapters against 127.0.0.1: the bundled ringstore, started by
//     the spec's setup on a free loopback port and driven by
//     targets/external/ringstore_adapter.py, runs and checks valid;
//   - SIGTERM while the adapters are starting (they never answer init) ends
//     the run within seconds: exit 2, history.jsonl on disk (valid JSONL), the
//     teardown ran and no adapter is left (old code: the init wait ignored the
//     signal for init_timeout_s);
//   - a setup that fails prints its cause as the last line of stderr (and of
//     all output), naming the node and the command, exit 4 (old code: "tearing
//     down the db" came last).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/core/op.h"
#include "tests/faultline_child.h"
#include "tests/test_files.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace external_local_store_test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A loopback TCP port nothing listens on right now.
int FreePort() {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(s);
  return port;
}

// Running (a zombie's cmdline is empty: it counts as gone).
bool Alive(pid_t pid) {
  return pid > 0 && ::kill(pid, 0) == 0 && !ReadAll("/proc/" + std::to_string(pid) + "/cmdline").empty();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

// Every line of history.jsonl is a JSON object (an empty file is valid too).
void ExpectValidJsonl(const std::string& path, size_t* ops) {
  ASSERT_TRUE(fs::exists(path)) << path;
  *ops = 0;
  for (const auto& line : Lines(ReadAll(path))) {
    json j = json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << path << ": not JSON: " << line;
    ++*ops;
  }
}

class ExternalLocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("extlocal");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    // The store the spec started, by the pid its setup recorded.
    std::ifstream in(dir_ + "/store.pid");
    pid_t pid = 0;
    if (in >> pid && Alive(pid) && HasSubstr(ReadAll("/proc/" + std::to_string(pid) + "/cmdline"), dir_)) {
      ::kill(pid, SIGKILL);
    }
    fs::remove_all(dir_);
  }
  void WriteSpec(const json& spec) { std::ofstream(dir_ + "/spec.json") << spec.dump(2); }
  // The one run directory under --store dir_/store.
  std::string RunDir() const {
    std::error_code ec;
    fs::path latest = fs::read_symlink(dir_ + "/store/latest", ec);
    return ec ? "" : (fs::path(dir_) / "store" / latest).string();
  }
  std::vector<std::string> Teardowns() const { return Lines(ReadAll(dir_ + "/teardowns")); }

  std::string dir_;
};

// ringstore on 127.0.0.1, started by the spec's setup (data under the run
// directory), killed by its teardown; only pids it recorded, only if their
// cmdline names this test's data dir.
json RingstoreSpec() {
  const std::string running =
      "p=$(cat \"$FAULTLINE_OPT_STATE/store.pid\" 2>/dev/null); [ -n \"$p\" ] && tr '\\0' ' ' < /proc/$p/cmdline "
      "2>/dev/null | grep -qF -- \"$FAULTLINE_DATA_DIR\"";
  return json{
      {"name", "loopstore"},
      {"nodes", "none"},
      {"fs", {"read", "write", "cas"}},
      {"db",
       {{"setup",
         "setsid \"$FAULTLINE_OPT_BINARY\" --id local --listen 127.0.0.1:$FAULTLINE_OPT_PORT --peers "
         "local=127.0.0.1:$FAULTLINE_OPT_PORT --replicas 1 --data-dir \"$FAULTLINE_DATA_DIR/data\" >> "
         "\"$FAULTLINE_LOG_DIR/ringstore.log\" 2>&1 < /dev/null & echo $! > \"$FAULTLINE_OPT_STATE/store.pid\""},
        {"teardown", "if " + running + "; then kill -KILL $p; while " + running +
                         "; do sleep 0.05; done; fi; echo \"$FAULTLINE_NODE $FAULTLINE_ADDRESS\" >> "
                         "\"$FAULTLINE_OPT_STATE/teardowns\""},
        {"health", "exec 3<>/dev/tcp/127.0.0.1/$FAULTLINE_OPT_PORT"},
        {"start_timeout_s", 20}}},
      {"client",
       {{"command", {"python3", std::string(FAULTLINE_SOURCE_DIR) + "/targets/external/ringstore_adapter.py"}},
        {"init_timeout_s", 20}}}};
}

TEST_F(ExternalLocalStoreTest, AStoreOnTheControllerRunsAndChecksWithNoNodes) {
  WriteSpec(RingstoreSpec());
  const int port = FreePort();
  ASSERT_GT(port, 0);
  // No --nodes and no cluster file: --cluster-file names one that does not exist.
  testing::FaultlineChild run(
      {"test", "--target-spec", dir_ + "/spec.json", "--store", dir_ + "/store", "--cluster-file",
       dir_ + "/no-cluster.json", "--workload", "register", "--time-limit", "3", "--concurrency", "4",
       "--seed", "7", "--target-opt", "binary=" + std::string(FAULTLINE_BINARY_DIR) + "/ringstore",
       "--target-opt", "port=" + std::to_string(port), "--target-opt", "state=" + dir_});
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run.Wait(120), 0) << run.output();
  EXPECT_TRUE(HasSubstr(run.output(), "verdict: valid")) << run.output();
  const std::string run_dir = RunDir();
  ASSERT_FALSE(run_dir.empty());
  // Named after the spec's store, not "external-register".
  EXPECT_EQ(fs::path(run_dir).parent_path().filename(), "loopstore-register") << run_dir;
  size_t events = 0;
  ExpectValidJsonl(run_dir + "/history.jsonl", &events);
  int ok_reads = 0, ok_writes = 0;
  for (const auto& line : Lines(ReadAll(run_dir + "/history.jsonl"))) {
    json op = json::parse(line);
    EXPECT_EQ(op.value("node", ""), "local") << line;
    if (op["type"] == "ok" && op["f"] == "read") ++ok_reads;
    if (op["type"] == "ok" && op["f"] == "write") ++ok_writes;
  }
  EXPECT_GT(ok_reads, 0);
  EXPECT_GT(ok_writes, 0);
  // Torn down before setup and at the end, on the controller's pseudo-node.
  EXPECT_EQ(Teardowns(), (std::vector<std::string>{"local 127.0.0.1", "local 127.0.0.1"}));
  EXPECT_TRUE(fs::exists(run_dir + "/nodes/local/ringstore.log")) << "FAULTLINE_LOG_DIR is in the run dir";
  EXPECT_FALSE(fs::exists(run_dir + "/loopstore-data")) << "the data dir is removed after teardown";
}

TEST_F(ExternalLocalStoreTest, NodesAndNemesesAreRefusedForAStoreOnTheController) {
  WriteSpec(RingstoreSpec());
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"test", "--target-spec", dir_ + "/spec.json", "--store", dir_ + "/store"};
    args.insert(args.end(), extra.begin(), extra.end());
    testing::FaultlineChild c(args);
    int code = c.Wait(30);
    return std::make_pair(code, c.output());
  };
  auto [code, out] = run({"--nodes", "192.0.2.250"});
  EXPECT_EQ(code, 3);
  EXPECT_EQ(out,
            "faultline test: target external runs its store on the controller (the spec says \"nodes\": "
            "\"none\") and takes no --nodes\n");
  std::tie(code, out) = run({"--nemesis", "partition"});
  EXPECT_EQ(code, 3);
  EXPECT_TRUE(HasSubstr(out, "(the spec says \"nodes\": \"none\"); nemeses need nodes\n")) << out;
  EXPECT_FALSE(fs::exists(dir_ + "/store"));
}

TEST_F(ExternalLocalStoreTest, SigtermWhileAdaptersStartEndsTheRunWithItsHistoryAndTornDown) {
  const std::string adapter =
      ReadAll(std::string(FAULTLINE_SOURCE_DIR) + "/tests/targets/external/adapters/fd_adapter.sh");
  ASSERT_FALSE(adapter.empty());
  constexpr int kWorkers = 4;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    fs::remove(dir_ + "/pids");
    fs::remove(dir_ + "/teardowns");
    WriteSpec(json{{"name", "slowstore"},
                   {"nodes", "none"},
                   {"fs", {"read", "write", "cas"}},
                   {"db", {{"teardown", "echo \"$FAULTLINE_NODE\" >> \"$FAULTLINE_OPT_STATE/teardowns\""}}},
                   {"client",
                    {{"command", {"bash", "-c", adapter, "fd-adapter", "slow-init"}}, {"init_timeout_s", 120}}}});
    testing::FaultlineChild run({"test", "--target-spec", dir_ + "/spec.json", "--store", dir_ + "/store",
                                 "--time-limit", "5", "--concurrency", std::to_string(kWorkers),
                                 "--target-opt", "state=" + dir_});
    ASSERT_TRUE(run.ok());
    // All the adapters have started and wait with their init unanswered.
    std::vector<std::string> pids;
    for (auto until = Clock::now() + std::chrono::seconds(30);
         (pids = Lines(ReadAll(dir_ + "/pids"))).size() < kWorkers && Clock::now() < until;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(pids.size(), static_cast<size_t>(kWorkers)) << run.output();
    const auto signalled = Clock::now();
    run.Signal(SIGTERM);
    const int code = run.Wait(20);
    const double took = std::chrono::duration<double>(Clock::now() - signalled).count();
    EXPECT_EQ(code, 2) << run.output();
    EXPECT_LT(took, 10) << "the init wait must give up at the signal, not after init_timeout_s";
    std::vector<std::string> out = Lines(run.output());
    ASSERT_FALSE(out.empty());
    EXPECT_TRUE(HasSubstr(out.back(), "verdict: unknown (interrupted before the main phase: not checked)"))
        << run.output();
    size_t events = 0;
    ExpectValidJsonl(RunDir() + "/history.jsonl", &events);
    EXPECT_TRUE(HasSubstr(ReadAll(RunDir() + "/faultline.log"), "interrupted before the main phase"));
    // Teardown before setup and after the signal; every adapter is gone.
    EXPECT_EQ(Teardowns(), (std::vector<std::string>{"local", "local"}));
    for (const auto& p : pids) EXPECT_FALSE(Alive(std::stoi(p))) << "adapter " << p << " outlived the run";
    // Each adapter got the run's workload and id in its init.
    json init = json::parse(ReadAll(dir_ + "/init." + pids[0]), nullptr, false);
    EXPECT_EQ(init.value("workload", ""), "register") << init.dump();
    std::string run_id = fs::path(RunDir()).parent_path().filename().string() + "/" +
                         fs::path(RunDir()).filename().string();
    EXPECT_EQ(init.value("run_id", ""), run_id) << init.dump();
  }
}

TEST_F(ExternalLocalStoreTest, AFailingSetupPrintsItsCauseLastAndExits4) {
  WriteSpec(json{{"name", "brokenstore"},
                 {"nodes", "none"},
                 {"fs", {"read", "write", "cas"}},
                 {"db",
                  {{"setup", "echo installing; echo 'cannot install brokenstore: disk full' >&2; exit 7"},
                   {"teardown", "echo \"$FAULTLINE_NODE\" >> \"$FAULTLINE_OPT_STATE/teardowns\""}}},
                 {"client", {{"command", {"true"}}}}});
  const std::string cmd = std::string(FAULTLINE_BINARY_DIR) + "/faultline test --target-spec " + dir_ +
                          "/spec.json --store " + dir_ + "/store --target-opt state=" + dir_;
  // stderr alone, then everything together (the order a terminal shows).
  int status = std::system((cmd + " > " + dir_ + "/out 2> " + dir_ + "/err").c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
  const std::string cause =
      "faultline test: local: setup: brokenstore setup exited 7: cannot install brokenstore: disk full";
  std::vector<std::string> err = Lines(ReadAll(dir_ + "/err"));
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.back(), cause);
  EXPECT_TRUE(HasSubstr(ReadAll(dir_ + "/out"), "tearing down the db"));
  status = std::system((cmd + " > " + dir_ + "/all 2>&1").c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
  std::vector<std::string> all = Lines(ReadAll(dir_ + "/all"));
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back(), cause) << ReadAll(dir_ + "/all");
  EXPECT_EQ(Teardowns().size(), 4u) << "before setup and after the failure, in each run";
}

}  // namespace
}  // namespace external_local_store_test
}  // namespace faultline
