// End-to-end tests of `faultline test` / `analyze` / `list`: they run the real
// binary (build/faultline) against the in-process memory target, each in its
// own temporary store directory.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>

#include "harness/core/html_escape.h"
#include "harness/core/op.h"
#include "harness/core/version.h"
#include "tests/faultline_child.h"
#include "tests/faultline_cli.h"

extern char** environ;

namespace faultline {
namespace {

namespace fs = std::filesystem;

std::string Binary() { return std::string(FAULTLINE_BINARY_DIR) + "/faultline"; }

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("faultline_runner_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = (dir_ / "store").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Latest() { return fs::canonical(fs::path(store_) / "latest").string(); }

  static json ReadJson(const std::string& path) {
    std::ifstream in(path);
    return json::parse(in);
  }
  static std::vector<Op> ReadHistory(const std::string& path) {
    std::vector<Op> h;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      auto op = OpFromJson(json::parse(line));
      EXPECT_TRUE(op.ok()) << line;
      if (op.ok()) h.push_back(*op);
    }
    return h;
  }

  fs::path dir_;
  std::string store_;
};

TEST_F(RunnerTest, CorrectStorePassesAndFillsTheRunDirectory) {
  FaultlineOutput o = Faultline("test --target memory --workload register --time-limit 5 --store " + store_);
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_EQ(o.text.rfind("seed: ", 0), 0u) << "the seed is printed first:\n" << o.text;
  EXPECT_NE(o.text.find("verdict: valid"), std::string::npos) << o.text;
  std::string run = Latest();
  for (const char* f : {"test.json", "history.jsonl", "results.json", "faultline.log"}) {
    EXPECT_TRUE(fs::exists(run + "/" + f)) << f;
  }
  json spec = ReadJson(run + "/test.json");
  EXPECT_EQ(spec["target"], "memory");
  EXPECT_TRUE(spec["seed"].is_number_unsigned());
  json results = ReadJson(run + "/results.json");
  EXPECT_EQ(results["valid"], true) << results.dump(2);
  EXPECT_EQ(results["linearizable"]["valid"], true);
  auto h = ReadHistory(run + "/history.jsonl");
  // ~100 ops/s for 5 s: each op is an invoke and a completion.
  EXPECT_GT(h.size(), 600u);
  int invokes = 0, oks = 0;
  for (const auto& op : h) {
    invokes += op.is_invoke();
    oks += op.is_ok();
    EXPECT_FALSE(op.key.is_null());
    EXPECT_EQ(op.node, "local") << "every client op records the node its worker talks to";
  }
  EXPECT_EQ(results["availability"]["by_node"]["local"]["completed"], invokes);
  EXPECT_EQ(invokes * 2, static_cast<int>(h.size()));
  EXPECT_GT(oks, invokes / 2);
}

TEST_F(RunnerTest, StaleReadsAreFoundInvalid) {
  FaultlineOutput o = Faultline("test --target memory --target-opt stale-reads=true --workload register "
                 "--time-limit 3 --store " + store_);
  ASSERT_EQ(o.code, 1) << o.text;
  EXPECT_NE(o.text.find("verdict: invalid"), std::string::npos) << o.text;
  json results = ReadJson(Latest() + "/results.json");
  EXPECT_EQ(results["valid"], false);
  EXPECT_EQ(results["linearizable"]["valid"], false);
  // The verdict line says what the report's sentence says (node, time, what a
  // linearization allows, the faults), not the checker's event numbers.
  std::string sentence = results["linearizable"]["failure"].value("sentence", "");
  ASSERT_FALSE(sentence.empty()) << results["linearizable"].dump(2);
  std::string verdict = o.text.substr(o.text.find("verdict: invalid"));
  verdict = verdict.substr(0, verdict.find('\n'));
  EXPECT_NE(verdict.find("verdict: invalid (linearizable: " + sentence), std::string::npos) << verdict;
  EXPECT_EQ(verdict.find("cannot be linearized"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find(" returned "), std::string::npos) << verdict;
  // The report explains the violation: the checker's counterexample (the op
  // that cannot be linearized, the prefix) plus its diagram page.
  std::string report;
  {
    std::ifstream in(Latest() + "/report.html");
    report.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t section = report.find("<h2>Linearizability</h2>");
  ASSERT_NE(section, std::string::npos);
  std::string message = results["linearizable"]["failure"]["message"].get<std::string>();
  EXPECT_NE(report.find("<pre class=explanation>", section), std::string::npos);
  EXPECT_NE(report.find("longest linearizable prefix", section), std::string::npos);
  EXPECT_NE(report.find(HtmlEscape(message), section), std::string::npos) << message;
  EXPECT_TRUE(fs::exists(Latest() + "/linearizability.html"));
  // analyze on the stored run reaches the same verdict.
  FaultlineOutput a = Faultline("analyze " + Latest());
  EXPECT_EQ(a.code, 1) << a.text;
}

// The set and counter workloads on the correct memory store: valid, with the
// final reads recorded after the main phase.
TEST_F(RunnerTest, SetAndCounterOnACorrectStoreAreValid) {
  struct Case {
    std::string workload, read_f, checker;
  } cases[] = {{"set", "set-read", "set"}, {"counter", "counter-read", "counter"}};
  for (const auto& c : cases) {
    std::string store = store_ + "/" + c.workload;
    FaultlineOutput o = Faultline("test --target memory --workload " + c.workload +
                         " --time-limit 2 --concurrency 4 --store " + store);
    ASSERT_EQ(o.code, 0) << o.text;
    EXPECT_NE(o.text.find("verdict: valid"), std::string::npos) << o.text;
    std::string run = fs::canonical(store + "/latest").string();
    json results = ReadJson(run + "/results.json");
    EXPECT_EQ(results["valid"], true) << results.dump(2);
    EXPECT_EQ(results[c.checker]["valid"], true) << results[c.checker].dump(2);
    auto h = ReadHistory(run + "/history.jsonl");
    ASSERT_GT(h.size(), 200u);
    // The last events are the final reads: one ok read per client thread.
    int final_reads = 0;
    for (size_t i = h.size() - 8; i < h.size(); ++i) final_reads += h[i].is_ok() && h[i].f == c.read_f;
    EXPECT_EQ(final_reads, 4) << c.workload;
    FaultlineOutput a = Faultline("analyze " + run);
    EXPECT_EQ(a.code, 0) << a.text;
  }
  json set = ReadJson(fs::canonical(store_ + "/set/latest").string() + "/results.json")["set"];
  EXPECT_GT(set["ok_count"].get<int64_t>(), 100);
  EXPECT_EQ(set["lost_count"], 0);
  json counter =
      ReadJson(fs::canonical(store_ + "/counter/latest").string() + "/results.json")["counter"];
  EXPECT_GT(counter["reads"].get<int64_t>(), 20);
}

// A store that acknowledges some adds without applying them (drop-adds=N):
// the set checker reports lost elements, the counter checker reads below the
// sum of acknowledged adds; `analyze` agrees.
TEST_F(RunnerTest, LostAddsMakeSetAndCounterInvalid) {
  for (std::string workload : {"set", "counter"}) {
    std::string store = store_ + "/" + workload;
    FaultlineOutput o = Faultline("test --target memory --target-opt drop-adds=20 --workload " + workload +
                         " --time-limit 2 --concurrency 4 --store " + store);
    ASSERT_EQ(o.code, 1) << o.text;
    EXPECT_NE(o.text.find("verdict: invalid"), std::string::npos) << o.text;
    std::string run = fs::canonical(store + "/latest").string();
    json results = ReadJson(run + "/results.json");
    EXPECT_EQ(results[workload]["valid"], false) << results[workload].dump(2);
    if (workload == "set") {
      EXPECT_GT(results["set"]["lost_count"].get<int64_t>(), 0);
      EXPECT_EQ(results["set"]["unexpected_count"], 0);
    } else {
      EXPECT_GT(results["counter"]["error_count"].get<int64_t>(), 0);
    }
    FaultlineOutput a = Faultline("analyze " + run);
    EXPECT_EQ(a.code, 1) << a.text;
  }
  // Stale reads that miss the newest element are caught only with --linearizable.
  FaultlineOutput o = Faultline("test --target memory --target-opt stale-reads=true --workload set "
                       "--linearizable --time-limit 2 --store " + store_ + "/stale");
  ASSERT_EQ(o.code, 1) << o.text;
  json set = ReadJson(fs::canonical(store_ + "/stale/latest").string() + "/results.json")["set"];
  EXPECT_GT(set["stale_count"].get<int64_t>(), 0) << set.dump(2);
}

TEST_F(RunnerTest, SameSeedGivesTheSameSchedule) {
  auto ops = [&](const std::string& sub) {
    FaultlineOutput o = Faultline("test --target memory --workload register --time-limit 1 --concurrency 1 "
                   "--rate 200 --seed 42 --store " + store_ + "/" + sub);
    EXPECT_EQ(o.code, 0) << o.text;
    EXPECT_EQ(o.text.rfind("seed: 42\n", 0), 0u) << o.text;
    std::vector<std::string> out;
    for (const auto& op : ReadHistory(fs::canonical(store_ + "/" + sub + "/latest").string() +
                                      "/history.jsonl")) {
      if (op.is_invoke()) out.push_back(op.f + " " + op.key.dump() + " " + op.value.dump());
    }
    return out;
  };
  auto a = ops("a"), b = ops("b");
  ASSERT_GT(a.size(), 50u);
  ASSERT_GT(b.size(), 50u);
  size_t n = std::min(a.size(), b.size());
  a.resize(n);
  b.resize(n);
  EXPECT_EQ(a, b);
}

TEST_F(RunnerTest, KilledRunLeavesAPrefixThatAnalyzeChecks) {
  std::vector<std::string> args = {Binary(), "test", "--target", "memory", "--workload",
                                   "register", "--time-limit", "60", "--rate", "2000",
                                   "--store", store_};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  // Wait until it has recorded a good number of ops, then kill -9.
  std::string history;
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::error_code ec;
    auto run = fs::canonical(fs::path(store_) / "latest", ec);
    if (!ec && fs::exists(run / "history.jsonl") && fs::file_size(run / "history.jsonl") > 200000) {
      history = (run / "history.jsonl").string();
      break;
    }
  }
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_FALSE(history.empty()) << "the run never recorded enough history";
  EXPECT_FALSE(fs::exists(Latest() + "/results.json"));

  FaultlineOutput a = Faultline("analyze " + Latest());
  EXPECT_EQ(a.code, 0) << a.text;
  EXPECT_NE(a.text.find("verdict: valid"), std::string::npos) << a.text;
  json results = ReadJson(Latest() + "/results.json");
  EXPECT_EQ(results["valid"], true);
  EXPECT_GT(results["linearizable"]["ops"].get<int64_t>(), 500);
  // `latest` works too.
  FaultlineOutput b = Faultline("analyze --store " + store_ + " latest");
  EXPECT_EQ(b.code, 0) << b.text;
}

// Every line of a history file parses, indexes run 0..n-1, and every
// completion closes an open invocation of its process: a valid prefix.
// Returns the number of invocations still open.
int ExpectValidHistoryPrefix(const std::string& path, size_t* events) {
  std::ifstream in(path);
  std::string line;
  std::map<std::string, int> open;  // process -> open invocations
  int64_t index = 0;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    json j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << path << ":" << line_no << ": " << line;
    if (j.is_discarded()) break;
    auto op = OpFromJson(j);
    EXPECT_TRUE(op.ok()) << path << ":" << line_no;
    if (!op.ok()) break;
    EXPECT_EQ(op->index, index++) << path << ":" << line_no;
    std::string p = j["process"].dump();
    if (op->is_invoke()) {
      EXPECT_EQ(open[p]++, 0) << "process " << p << " has two open ops, line " << line_no;
    } else {
      EXPECT_EQ(open[p]--, 1) << "completion without invocation, line " << line_no;
    }
  }
  *events = static_cast<size_t>(index);
  int still_open = 0;
  for (const auto& [p, n] : open) still_open += n;
  return still_open;
}

// One SIGINT: the main phase stops early, and what was recorded is checked;
// the verdict line says so.
TEST_F(RunnerTest, OneInterruptChecksWhatWasRecorded) {
  testing::FaultlineChild child({"test", "--target", "memory", "--workload", "register",
                                 "--time-limit", "60", "--rate", "500", "--store", store_});
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(child.WaitFor("main phase", 20)) << child.output();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  child.Signal(SIGINT);
  int code = child.Wait(30);
  // A valid prefix proves nothing about the run asked for: unknown, exit 2.
  ASSERT_EQ(code, 2) << child.output();
  const std::string& out = child.output();
  EXPECT_NE(out.find("interrupted: stopping, healing, saving"), std::string::npos) << out;
  EXPECT_NE(out.find("verdict: valid (interrupted: checked the "), std::string::npos) << out;
  json results = ReadJson(Latest() + "/results.json");
  EXPECT_EQ(results["valid"], true);
  // Marked interrupted in results.json, the report and serve's index, and
  // still after `faultline analyze` re-checks the directory.
  EXPECT_GT(results["interrupted"]["events"].get<size_t>(), 200u) << results.dump().substr(0, 500);
  std::string report;
  {
    std::ifstream in(Latest() + "/report.html");
    report.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(report.find("<b>interrupted</b>: checked only the "), std::string::npos);
  std::string index;
  {
    std::ifstream in(store_ + "/.runs-index.jsonl");
    index.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(index.find("\"interrupted\":true"), std::string::npos) << index;
  FaultlineOutput again = Faultline("analyze " + Latest());
  EXPECT_EQ(again.code, 2) << again.text;
  EXPECT_NE(again.text.find("verdict: valid (interrupted: checked the "), std::string::npos) << again.text;
  EXPECT_TRUE(ReadJson(Latest() + "/results.json").contains("interrupted"));
  size_t events = 0;
  EXPECT_EQ(ExpectValidHistoryPrefix(Latest() + "/history.jsonl", &events), 0);
  EXPECT_GT(events, 200u);
  auto h = ReadHistory(Latest() + "/history.jsonl");
  EXPECT_LT(h.back().time, 20 * 1000000000LL) << "the 60 s main phase did not stop";
  EXPECT_EQ(results["linearizable"]["ops"].get<size_t>() * 2, events);  // all of it was checked

  // A set run stopped before its final reads is not declared lossy: acks
  // that came after the last read are "unread" (unknown), never "lost".
  testing::FaultlineChild set({"test", "--target", "memory", "--workload", "set", "--time-limit",
                               "60", "--rate", "500", "--store", store_ + "/set"});
  ASSERT_TRUE(set.WaitFor("main phase", 20)) << set.output();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  set.Signal(SIGINT);
  code = set.Wait(30);
  EXPECT_TRUE(code == 0 || code == 2) << set.output();
  json set_results = ReadJson(fs::canonical(store_ + "/set/latest").string() + "/results.json");
  EXPECT_EQ(set_results["set"]["lost_count"], 0) << set_results["set"].dump(2);
  EXPECT_GT(set_results["set"]["acknowledged_count"].get<int64_t>(), 100);
}

// A second SIGINT while the runner drains the in-flight ops (each takes 1 s):
// no checking, but the history on disk is complete up to the stop — every
// in-flight op got its completion — and honest about the verdict.
TEST_F(RunnerTest, SecondInterruptSkipsCheckingButSavesTheHistory) {
  // counter: every op succeeds on the memory store, so a short history is
  // still valid (stats calls an op kind that never succeeded invalid) — if
  // it has a read (no read: unknown): half the ops read, and the seed fixes
  // which, so the first 8 ops dispatched hold reads on every run.
  testing::FaultlineChild child({"test", "--target", "memory", "--target-opt", "latency-ms=1000",
                                 "--workload", "counter", "--workload-opt", "read-fraction=50",
                                 "--seed", "3", "--concurrency", "4", "--time-limit", "60", "--rate",
                                 "0", "--store", store_});
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(child.WaitFor("main phase", 20)) << child.output();
  std::this_thread::sleep_for(std::chrono::milliseconds(2300));  // mid-op for every worker
  child.Signal(SIGINT);
  // The in-flight ops still have ~0.7 s to go: the runner is draining them.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  child.Signal(SIGINT);
  int code = child.Wait(30);
  const std::string& out = child.output();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("verdict: unknown (interrupted twice: not checked)"), std::string::npos) << out;
  EXPECT_EQ(out.find("verdict: valid"), std::string::npos) << out;
  EXPECT_NE(out.find("interrupted: stopping"), std::string::npos) << out;
  EXPECT_EQ(out.find("checking"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(Latest() + "/results.json"));
  size_t events = 0;
  EXPECT_EQ(ExpectValidHistoryPrefix(Latest() + "/history.jsonl", &events), 0)
      << "in-flight ops were not completed";
  EXPECT_GE(events, 16u);  // 4 workers x >= 2 ops
  // The saved history is checkable afterwards.
  FaultlineOutput a = Faultline("analyze " + Latest());
  EXPECT_EQ(a.code, 0) << a.text;
}

// A second SIGINT during a long check abandons it at once: exit 2, verdict
// unknown, no results.json; the history stays for `faultline analyze`.
TEST_F(RunnerTest, SecondInterruptDuringCheckingAbandonsIt) {
  testing::FaultlineChild child({"test", "--target", "memory", "--workload", "register",
                                 "--concurrency", "16", "--time-limit", "60", "--rate", "0",
                                 "--store", store_});
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(child.WaitFor("main phase", 20)) << child.output();
  std::this_thread::sleep_for(std::chrono::seconds(4));  // a history of ~10^5 ops: seconds to check
  child.Signal(SIGINT);
  ASSERT_TRUE(child.WaitFor("history.jsonl to check it", 30)) << child.output();
  child.Signal(SIGINT);
  auto t0 = std::chrono::steady_clock::now();
  int code = child.Wait(30);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string& out = child.output();
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("verdict: unknown (interrupted twice: checking abandoned)"), std::string::npos)
      << out;
  EXPECT_EQ(out.find("verdict: valid"), std::string::npos) << out;
  EXPECT_LT(took, 1.0) << "the check was not abandoned";
  EXPECT_FALSE(fs::exists(Latest() + "/results.json"));
  size_t events = 0;
  EXPECT_EQ(ExpectValidHistoryPrefix(Latest() + "/history.jsonl", &events), 0);
  EXPECT_GT(events, 20000u);
}

TEST_F(RunnerTest, BadSpecsFailBeforeDeployingWithOneLine) {
  struct Case {
    std::string args, expect;
  } cases[] = {
      {"--target memory --workload nope", "unknown workload \"nope\""},
      {"--target memory --target-opt colour=blue", "unknown option \"colour\""},
      {"--target memory --target-opt ops=read,write --workload register",
       "does not support: cas"},
      {"--target memory --time-limit -5", "time limit must be positive"},
      {"--target memory --target-opt ops=read,write,cas --workload set",
       "does not support: set-add, set-read"},
      {"--target memory --target-opt drop-adds=-1 --workload counter", "drop-adds"},
      {"--target memory --workload counter --workload-opt max-delta=0", "max-delta"},
      {"--target nope", "unknown target \"nope\""},
      {"--target memory --concurrency 0", "concurrency"},
      {"--target memory --seed x", "--seed"},
  };
  for (const auto& c : cases) {
    FaultlineOutput o = Faultline("test " + c.args + " --store " + store_);
    EXPECT_EQ(o.code, 3) << c.args << "\n" << o.text;
    EXPECT_NE(o.text.find(c.expect), std::string::npos) << c.args << "\n" << o.text;
    EXPECT_EQ(std::count(o.text.begin(), o.text.end(), '\n'), 1) << o.text;
  }
  // Nothing was created for any of them.
  EXPECT_FALSE(fs::exists(store_));

  std::ofstream(dir_ / "spec.json") << R"({"target": "memory", "time_limit": "soon"})";
  FaultlineOutput o = Faultline("test --spec " + (dir_ / "spec.json").string());
  EXPECT_EQ(o.code, 3) << o.text;
  EXPECT_NE(o.text.find("\"time_limit\" must be a number"), std::string::npos) << o.text;
}

TEST_F(RunnerTest, SpecFileCarriesTheSameSettings) {
  std::ofstream(dir_ / "spec.json") << R"({"target": "memory", "workload": "register",
      "time_limit": 1, "rate": 50, "seed": 7, "workload_opts": {"keys": 2}, "store": ")"
                                    << store_ << R"("})";
  FaultlineOutput o = Faultline("test --spec " + (dir_ / "spec.json").string() + " --concurrency 3");
  ASSERT_EQ(o.code, 0) << o.text;
  json spec = ReadJson(Latest() + "/test.json");
  EXPECT_EQ(spec["seed"], 7);
  EXPECT_EQ(spec["concurrency"], 3);  // the flag wins over the file
  EXPECT_EQ(spec["workload_opts"]["keys"], "2");
}

// test.json names the build that made the run, and a stored test.json is
// still a spec file (the report's reproduce command is `test --spec`).
TEST_F(RunnerTest, TestJsonRecordsTheVersionAndStillRunsAsASpec) {
  FaultlineOutput o = Faultline("test --target memory --workload register --time-limit 1 --seed 3 --store " +
                                store_);
  ASSERT_EQ(o.code, 0) << o.text;
  std::string first = Latest();
  json spec = ReadJson(first + "/test.json");
  ASSERT_TRUE(spec.contains("faultline_version")) << spec.dump(2);
  EXPECT_EQ(spec["faultline_version"], FaultlineVersion());
  o = Faultline("test --spec " + first + "/test.json");
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(Latest(), first);
  EXPECT_EQ(ReadJson(Latest() + "/test.json")["seed"], 3);
}

TEST_F(RunnerTest, ListPrintsRegisteredParts) {
  FaultlineOutput o = Faultline("list");
  ASSERT_EQ(o.code, 0) << o.text;
  for (const char* s : {"test", "analyze", "memory", "register", "set", "counter", "workloads:", "targets:",
                        "nemeses:", "models"}) {
    EXPECT_NE(o.text.find(s), std::string::npos) << s << "\n" << o.text;
  }
}

}  // namespace
}  // namespace faultline
