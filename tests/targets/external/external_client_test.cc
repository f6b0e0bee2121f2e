// ExternalClient against real adapter processes (tests/targets/external/
// adapters/test_adapter.py, one behaviour each): good answers pass through,
// and every misbehaviour of the issue — crash mid-run, garbage, wrong id, a
// hang past the op timeout, no answer to init, a stderr flood — makes that op
// info with a clear error, the adapter is replaced for the next op, and
// nothing is left running (checked by the pids each adapter records).
#include "targets/external/external_client.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kAdapter =
    std::string(FAULTLINE_SOURCE_DIR) + "/tests/targets/external/adapters/test_adapter.py";

bool Alive(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH); }

class ExternalClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = TempDir("extclient");
    ASSERT_FALSE(state_.empty());
    cluster_.nodes = {{"n1", "127.0.0.1", nullptr}, {"n2", "127.0.0.2", nullptr}};
    cluster_.run_dir = "/srv/store/mystore-register/20261126T103022.338";
    cluster_.workload = "register";
    cluster_.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      log_.push_back(line);
    };
  }
  void TearDown() override {
    client_.reset();
    // Nothing an adapter started may outlive its client.
    for (pid_t pid : Pids()) EXPECT_FALSE(Alive(pid)) << "adapter " << pid << " still running";
    EXPECT_FALSE(Alive(ChildPid())) << "adapter's child still running";
    fs::remove_all(state_);
  }

  // Opens a client whose adapter behaves as `mode`.
  // The init deadline is long by default (a python3 starting on a loaded
  // machine); tests of the init deadline itself set it.
  Status Open(const std::string& mode, double op_timeout_s = 1.5, double init_timeout_s = 10) {
    ExternalSpec spec;
    spec.name = "test";
    spec.dir = state_;
    spec.fs = {"read", "write", "cas"};
    spec.client.command = {"python3", kAdapter, mode};
    spec.client.op_timeout_s = op_timeout_s;
    spec.client.init_timeout_s = init_timeout_s;
    stats_ = std::make_shared<ExternalClientStats>();
    client_ = std::make_unique<ExternalClient>(spec, TargetOptions{{"state", state_}}, stats_);
    return client_->Open(cluster_, cluster_.nodes[1]);
  }
  Op Do(const std::string& f, json value = nullptr) {
    Op op;
    op.process = 0;
    op.f = f;
    op.key = "k1";
    op.value = std::move(value);
    return client_->Invoke(op);
  }
  std::vector<pid_t> Pids() const {
    std::vector<pid_t> out;
    std::ifstream in(state_ + "/pids");
    for (pid_t p; in >> p;) out.push_back(p);
    return out;
  }
  pid_t ChildPid() const {
    std::ifstream in(state_ + "/child");
    pid_t p = 0;
    in >> p;
    return p;
  }
  std::string Log() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string all;
    for (const auto& l : log_) all += l + "\n";
    return all;
  }
  // The ops after a misbehaviour go to a fresh adapter, which answers.
  void ExpectRecovered(size_t adapters) {
    Op w = Do("write", 7);
    EXPECT_TRUE(w.is_ok()) << w.error;
    Op r = Do("read");
    EXPECT_TRUE(r.is_ok()) << r.error;
    EXPECT_EQ(r.value, 7);
    EXPECT_EQ(Pids().size(), adapters);
    EXPECT_EQ(client_->adapter_pid(), Pids().back());
  }

  std::string state_;
  ClusterInfo cluster_;
  std::mutex mu_;
  std::vector<std::string> log_;
  std::shared_ptr<ExternalClientStats> stats_;
  std::unique_ptr<ExternalClient> client_;
};

TEST_F(ExternalClientTest, AnswersPassThroughAndTheAdapterGetsTheInitAndEnvironment) {
  ASSERT_TRUE(Open("good", 2).ok());
  Op w = Do("write", 3);
  EXPECT_TRUE(w.is_ok());
  EXPECT_EQ(w.value, 3);  // no "value" in the answer: the invocation's stays
  Op r = Do("read");
  EXPECT_TRUE(r.is_ok());
  EXPECT_EQ(r.value, 3);
  Op bad_cas = Do("cas", json::array({1, 4}));
  EXPECT_TRUE(bad_cas.is_fail());
  EXPECT_EQ(bad_cas.error, "precondition failed");
  Op cas = Do("cas", json::array({3, 4}));
  EXPECT_TRUE(cas.is_ok());
  EXPECT_EQ(Do("read").value, 4);
  EXPECT_TRUE(HasSubstr(Log(), ": init for n2 env node n2\n")) << Log();
  // The init message, keys sorted by the adapter: nodes in node order, opts
  // as given, whole seconds without ".0", the workload and the run id (the
  // run directory's test name and timestamp).
  EXPECT_TRUE(
      HasSubstr(Log(),
                ": init json: {\"address\":\"127.0.0.2\",\"node\":\"n2\",\"nodes\":["
                "{\"address\":\"127.0.0.1\",\"name\":\"n1\"},{\"address\":\"127.0.0.2\",\"name\":\"n2\"}],"
                "\"op_timeout_s\":2,\"opts\":{\"state\":\"" +
                    state_ +
                    "\"},\"run_id\":\"mystore-register/20261126T103022.338\",\"type\":\"init\","
                    "\"workload\":\"register\"}\n"))
      << Log();
  EXPECT_EQ(stats_->adapters_started.load(), 1);
  EXPECT_EQ(stats_->restarts.load(), 0);
}

TEST_F(ExternalClientTest, CrashMidRunIsInfoWithExitStatusAndStderrThenANewAdapter) {
  ASSERT_TRUE(Open("crash").ok());
  pid_t first = client_->adapter_pid();
  EXPECT_TRUE(Do("write", 1).is_ok());
  EXPECT_TRUE(Do("read").is_ok());
  Op crashed = Do("read");
  EXPECT_TRUE(crashed.is_info());
  EXPECT_TRUE(HasSubstr(crashed.error, "adapter exited (exited with status 3)")) << crashed.error;
  EXPECT_TRUE(HasSubstr(crashed.error, "boom: giving up")) << crashed.error;
  EXPECT_FALSE(Alive(first));
  ExpectRecovered(2);
  EXPECT_NE(client_->adapter_pid(), first);
  EXPECT_EQ(stats_->exits.load(), 1);
  EXPECT_EQ(stats_->restarts.load(), 1);
}

TEST_F(ExternalClientTest, GarbageWrongIdUnknownTypeAndHugeLinesAreProtocolErrors) {
  struct Case {
    const char* mode;
    const char* error;
  };
  for (Case c : {Case{"garbage", "adapter protocol error: not JSON (malformed JSON"},
                 Case{"wrong-id", "adapter protocol error: answer has id 102, expected 2"},
                 Case{"bad-type", "adapter protocol error: unknown answer type \"maybe\""},
                 Case{"too-long", "adapter protocol error: an answer line longer than 16 MiB"}}) {
    SCOPED_TRACE(c.mode);
    fs::remove(state_ + "/pids");
    ASSERT_TRUE(Open(c.mode, 5).ok());
    pid_t first = client_->adapter_pid();
    EXPECT_TRUE(Do("write", 1).is_ok());
    Op bad = Do("read");
    EXPECT_TRUE(bad.is_info());
    EXPECT_TRUE(HasSubstr(bad.error, c.error)) << bad.error;
    EXPECT_FALSE(Alive(first));
    ExpectRecovered(2);
    EXPECT_EQ(stats_->protocol_errors.load(), 1);
    client_.reset();
  }
}

TEST_F(ExternalClientTest, AHangPastTheOpTimeoutIsInfoAndTheAdapterIsKilled) {
  ASSERT_TRUE(Open("hang", 0.5).ok());
  pid_t first = client_->adapter_pid();
  EXPECT_TRUE(Do("write", 1).is_ok());
  auto t0 = Clock::now();
  Op hung = Do("read");
  double took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_TRUE(hung.is_info());
  EXPECT_EQ(hung.error, "adapter timed out after 0.5s");
  EXPECT_GE(took, 0.45);
  EXPECT_LT(took, 2.0);
  EXPECT_FALSE(Alive(first));
  ExpectRecovered(2);
  EXPECT_EQ(stats_->timeouts.load(), 1);
  EXPECT_TRUE(HasSubstr(Log(), "adapter " + std::to_string(first) + " timed out after 0.5s")) << Log();
}

TEST_F(ExternalClientTest, AnAdapterThatStopsReadingTimesOutOnTheWrite) {
  ASSERT_TRUE(Open("stop-reading", 0.5).ok());
  pid_t first = client_->adapter_pid();
  // Far more than a pipe holds: the write itself cannot finish.
  Op big = Do("write", std::string(4 << 20, 'x'));
  EXPECT_TRUE(big.is_info());
  EXPECT_EQ(big.error, "adapter timed out after 0.5s");
  EXPECT_FALSE(Alive(first));
  EXPECT_EQ(stats_->timeouts.load(), 1);
}

TEST_F(ExternalClientTest, NoAnswerOrAnErrorToInitFailsOpenNamingTheNode) {
  Status s = Open("no-init", 0.5, 3);  // long enough to start and record its pid
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(HasSubstr(s.message(), "n2: test adapter: no answer to init within 3s")) << s.message();
  EXPECT_EQ(client_->adapter_pid(), 0);
  ASSERT_EQ(Pids().size(), 1u);
  EXPECT_FALSE(Alive(Pids()[0]));

  Status e = Open("init-error");
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(HasSubstr(e.message(), "n2: test adapter: init failed: cannot reach the store")) << e.message();
}

TEST_F(ExternalClientTest, AfterAFailedRestartOpsAreInfoAndRestartsAreSpacedOut) {
  // Restarted adapters exit before init: restarts fail fast whatever the
  // machine's load (a deadline-based failure would depend on how fast a
  // python3 starts), so the spacing between them is the client's backoff.
  ASSERT_TRUE(Open("crash-then-exit").ok());
  Op crashed = Do("write", 1);
  EXPECT_TRUE(crashed.is_info());
  EXPECT_TRUE(HasSubstr(crashed.error, "exited with status 4")) << crashed.error;
  auto t0 = Clock::now();
  for (int i = 0; i < 4; ++i) {
    Op op = Do("read");
    EXPECT_TRUE(op.is_info());
    EXPECT_TRUE(HasSubstr(op.error, "adapter restart failed: exited before answering init")) << op.error;
  }
  // Four restarts that fail at once: each waits longer (50, 100, 200, 400 ms).
  EXPECT_GE(std::chrono::duration<double>(Clock::now() - t0).count(), 0.5);
  EXPECT_EQ(stats_->restarts_failed.load(), 4);
  EXPECT_GE(stats_->restarts_delayed.load(), 2);
  EXPECT_EQ(Pids().size(), 5u);  // each restart a new process (it records its pid first)
}

TEST_F(ExternalClientTest, AStderrFloodIsRateLimitedAndNeverBlocksTheAdapter) {
  ASSERT_TRUE(Open("flood", 5).ok());
  auto t0 = Clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(Do("write", i).is_ok());
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 5.0);
  client_.reset();  // flushes the "not logged" summary
  EXPECT_GT(stats_->stderr_lines_dropped.load(), 20000);
  EXPECT_LE(stats_->stderr_lines.load(), 1000);
  EXPECT_TRUE(HasSubstr(Log(), "more stderr lines not logged (over 100/s)")) << Log().substr(0, 500);
}

TEST_F(ExternalClientTest, CloseKillsAnAdapterThatIgnoresEofAndWhatItForked) {
  ASSERT_TRUE(Open("ignore-eof").ok());
  EXPECT_TRUE(Do("write", 1).is_ok());
  pid_t child = ChildPid();
  ASSERT_GT(child, 0);
  EXPECT_TRUE(Alive(child));
  auto t0 = Clock::now();
  client_->Close();
  double took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_GE(took, 1.9);  // the 2 s grace
  EXPECT_LT(took, 3.5);
  EXPECT_FALSE(Alive(Pids()[0]));
  // The child is in the adapter's process group: killed with it (it is
  // reparented, so give init a moment to reap it).
  for (int i = 0; i < 100 && Alive(child); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(Alive(child));
}

}  // namespace
}  // namespace faultline
