// `faultline campaign` end to end with the real binary on the in-process
// memory target (no root, no cluster): the matrix, verdicts, expectations and
// exit codes; the files (campaign.json, campaign.html, specs, logs, run
// directories); --resume after a SIGINT runs only what is missing; a crashing
// combination is recorded and the rest runs; --only and --dry-run; bad
// campaign files exit 3 naming the JSON path. --clusters on real clusters:
// tests/integration/campaign_clusters_test.cc.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/core/op.h"
#include "tests/faultline_child.h"
#include "tests/faultline_cli.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class CampaignCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("campaign");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A campaign over the memory target: stale reads off/on x register/set x
  // none/partition (partition: not applicable in-process) x `seeds`.
  std::string WriteCampaign(const std::string& extra_seeds = "[1, 2]", const std::string& extra = "") {
    std::string path = dir_ + "/mem.json";
    std::ofstream(path) << R"({"name": "mem",
      "defaults": {"target": "memory", "time_limit": 0.6, "rate": 200, "concurrency": 3,
                   "final_time_limit": 2, "recovery_time": 0},
      "matrix": {"target": [{"target_opts": {"stale-reads": "false"}}, {"target_opts": {"stale-reads": "true"}}],
                 "workload": ["register", "set"],
                 "nemesis": ["none", "partition"])" + extra + R"(},
      "seeds": )" + extra_seeds + R"(,
      "expect": [{"match": {"target_opts": {"stale-reads": "false"}}, "valid": true},
                 {"match": {"target_opts": {"stale-reads": "true"}}, "valid": false}]})";
    return path;
  }
  std::string Store() const { return dir_ + "/store"; }
  json Record() {
    fs::path latest = fs::canonical(Store() + "/campaigns/mem/latest");
    return json::parse(ReadAll(latest / "campaign.json"));
  }
  static int Count(const json& record, const std::string& status) {
    int n = 0;
    for (const auto& r : record["runs"]) n += r["status"] == status;
    return n;
  }

  std::string dir_;
};

TEST_F(CampaignCliTest, MatrixVerdictsExpectationsAndFiles) {
  FaultlineOutput o = Faultline("campaign " + WriteCampaign() + " --store " + Store());
  ASSERT_EQ(o.code, 0) << o.text;  // every expectation met
  EXPECT_NE(o.text.find("[8/8]"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("stale-reads=false · register  valid 2/2    not applicable"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("stale-reads=true · set        invalid 2/2  not applicable"), std::string::npos) << o.text;
  json record = Record();
  ASSERT_EQ(record["runs"].size(), 16u);
  EXPECT_EQ(record["dimensions"], json({"target", "workload", "nemesis"}));
  EXPECT_EQ(Count(record, "done"), 8);
  EXPECT_EQ(Count(record, "not applicable"), 8);
  fs::path dir = fs::canonical(Store() + "/campaigns/mem/latest");
  for (const auto& r : record["runs"]) {
    if (r["status"] != "done") {
      EXPECT_NE(r["reason"].get<std::string>().find("in-process"), std::string::npos) << r.dump();
      continue;
    }
    bool stale = r["spec"]["target_opts"]["stale-reads"] == "true";
    EXPECT_EQ(r["verdict"], !stale) << r.dump();
    EXPECT_EQ(r["expectation_met"], true) << r.dump();
    EXPECT_EQ(r["cluster"], "local");
    EXPECT_GT(r["ops_per_s"].get<double>(), 50) << r.dump();
    EXPECT_TRUE(r["availability"].is_number());
    EXPECT_TRUE(r["latency_p99_ms"].is_number());
    ASSERT_TRUE(fs::exists(r["run_dir"].get<std::string>() + "/results.json")) << r.dump();
    json test = json::parse(ReadAll(r["run_dir"].get<std::string>() + "/test.json"));
    EXPECT_EQ(test["seed"], r["seed"]);
    EXPECT_EQ(test["workload"], r["spec"]["workload"]);
    std::string index = std::to_string(r["index"].get<int>());
    EXPECT_TRUE(fs::exists(dir / "specs" / (index + ".json")));
    EXPECT_NE(ReadAll(dir / "logs" / (index + ".log")).find("verdict: "), std::string::npos);
  }
  std::string html = ReadAll(dir / "campaign.html");
  EXPECT_NE(html.find("invalid 2/2"), std::string::npos);
  EXPECT_NE(html.find("report.html"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos) << "campaign.html must be self-contained";
}

TEST_F(CampaignCliTest, MissedExpectationsAndJepsensRuleSetTheExitCode) {
  std::string path = dir_ + "/wrong.json";
  std::ofstream(path) << R"({"name": "mem", "defaults": {"target": "memory", "time_limit": 0.5, "rate": 200,
      "final_time_limit": 2, "recovery_time": 0, "target_opts": {"stale-reads": "true"}},
      "matrix": {"workload": ["register"]}, "seeds": [1],
      "expect": [{"match": {"workload": "register"}, "valid": true}]})";
  FaultlineOutput o = Faultline("campaign " + path + " --store " + Store());
  EXPECT_EQ(o.code, 1) << o.text;
  EXPECT_NE(o.text.find("NOT as expected"), std::string::npos) << o.text;
  // Without expectations: any invalid -> 1 (Jepsen's test-all rule).
  std::ofstream(path) << R"({"name": "mem", "defaults": {"target": "memory", "time_limit": 0.5, "rate": 200,
      "final_time_limit": 2, "recovery_time": 0}, "matrix": {"target_opts": [{"target_opts": {"stale-reads": "false"}},
      {"target_opts": {"stale-reads": "true"}}]}})";
  o = Faultline("campaign " + path + " --store " + Store());
  EXPECT_EQ(o.code, 1) << o.text;
  o = Faultline("campaign " + path + " --store " + Store() + " --only target_opts=x");
  EXPECT_EQ(o.code, 3) << o.text;
}

TEST_F(CampaignCliTest, ResumeAfterAnInterruptRunsOnlyWhatIsMissing) {
  std::string file = WriteCampaign("[1, 2, 3]");
  testing::FaultlineChild child({"campaign", file, "--store", Store()});
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(child.WaitFor("[3/12]", 60)) << child.output();
  child.Signal(SIGINT);
  int code = child.Wait(60);
  EXPECT_EQ(code, 2) << child.output();  // stopped early: not everything ran
  json first = Record();
  int done = Count(first, "done");
  EXPECT_GE(done, 3);
  EXPECT_LT(done, 12);
  EXPECT_EQ(Count(first, "interrupted"), 12 - done) << first.dump(1).substr(0, 3000);
  EXPECT_EQ(first["interrupted"], true);

  fs::path dir = fs::canonical(Store() + "/campaigns/mem/latest");
  FaultlineOutput o = Faultline("campaign " + file + " --store " + Store() + " --resume " + dir.string());
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("mem: " + std::to_string(12 - done) + " runs to do"), std::string::npos) << o.text;
  json second = json::parse(ReadAll(dir / "campaign.json"));
  EXPECT_EQ(Count(second, "done"), 12);
  int resumed = 0;
  for (const auto& r : second["runs"]) resumed += r.value("resumed", false);
  EXPECT_EQ(resumed, done);
}

TEST_F(CampaignCliTest, ACrashingCombinationIsRecordedAndTheRestRuns) {
  // ringstore on a node whose SSH port refuses: `faultline test` exits 4.
  std::string file = dir_ + "/crash.json";
  std::ofstream(file) << R"({"name": "mem", "defaults": {"time_limit": 0.5, "rate": 200,
      "final_time_limit": 2, "recovery_time": 0},
      "matrix": {"target": [{"target": "memory"},
                            {"target": "ringstore", "nodes": {"nodes": ["127.0.0.1"], "ssh_port": 1}}],
                 "workload": ["register", "set"]}})";
  FaultlineOutput o = Faultline("campaign " + file + " --store " + Store());
  EXPECT_EQ(o.code, 4) << o.text;
  json record = Record();
  EXPECT_EQ(Count(record, "crashed"), 2) << record.dump(1).substr(0, 3000);
  EXPECT_EQ(Count(record, "done"), 2);
  for (const auto& r : record["runs"]) {
    if (r["status"] == "crashed") {
      EXPECT_EQ(r["exit_code"], 4);
      EXPECT_NE(r["log_tail"].get<std::string>().find("127.0.0.1"), std::string::npos) << r.dump();
    }
  }
}

TEST_F(CampaignCliTest, DryRunListsAndRunsNothing) {
  FaultlineOutput o = Faultline("campaign " + WriteCampaign() + " --store " + Store() + " --dry-run");
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("16 runs; about"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("(not applicable: target memory runs in-process"), std::string::npos) << o.text;
  EXPECT_FALSE(fs::exists(Store()));
}

// --only matches numbers as numbers (the seed) and the options nested in
// target_opts & co by their own name or a dotted path.
TEST_F(CampaignCliTest, OnlySelectsBySeedAndByNestedOptions) {
  const std::string file = WriteCampaign();  // 2 targets x 2 workloads x 2 nemeses x seeds 1, 2
  struct Case {
    std::string only;
    int runs;
  } cases[] = {
      {"seed=1", 8},
      {"seed=2.0", 8},
      {"stale-reads=true", 8},
      {"target_opts.stale-reads=false", 8},
      {"stale-reads=true,seed=2,workload=set", 2},
      {"nemesis=partition,seed=1", 4},
  };
  for (const auto& c : cases) {
    FaultlineOutput o = Faultline("campaign " + file + " --store " + Store() + " --dry-run --only " + c.only);
    EXPECT_EQ(o.code, 0) << c.only << "\n" << o.text;
    EXPECT_NE(o.text.find(std::to_string(c.runs) + " runs; about"), std::string::npos) << c.only << "\n" << o.text;
  }
  for (const char* none : {"seed=3", "stale-reads=maybe", "target_opts=x", "mode=paxos"}) {
    FaultlineOutput o = Faultline("campaign " + file + " --store " + Store() + " --dry-run --only " + none);
    EXPECT_EQ(o.code, 3) << none << "\n" << o.text;
    EXPECT_NE(o.text.find("--only matches no run"), std::string::npos) << none << "\n" << o.text;
  }
  EXPECT_FALSE(fs::exists(Store()));
}

TEST_F(CampaignCliTest, BadCampaignFilesExit3NamingTheJsonPath) {
  struct Case {
    std::string text, says;
  } cases[] = {
      {R"({"name": "c", "matrix": {"nemesis": ["none", "partitoin"]}})",
       "bad.json: matrix.nemesis[1]: unknown nemesis \"partitoin\""},
      {R"({"name": "c", "matrix": {"workload": ["register"]}, "sedes": [1]})", "bad.json: sedes: unknown key"},
      {R"({"name": "c", "matrix": {}})", "bad.json: matrix: must be an object of dimensions"},
      {R"({"name": "c", "matrix": {"workload": []}})", "bad.json: matrix.workload: must be a non-empty list"},
      {R"({"name": "c", "matrix": {"workload": ["register"]}, "seeds": [-1]})", "bad.json: seeds[0]: must be"},
      {R"({"name": "c", "matrix": {"workload": [5]}})", "bad.json: matrix.workload[0]: must be a string or an object"},
      {R"({"name": "c", "defaults": {"time_limt": 3}, "matrix": {"workload": ["register"]}})",
       "bad.json: defaults: unknown setting \"time_limt\""},
      {R"({"name": "c", "matrix": {"workload": ["register"]}, "expect": [{"valid": "maybe"}]})",
       "bad.json: expect[0].valid: must be true, false or \"unknown\""},
      {R"({"matrix": {"workload": ["register"]}})", "bad.json: name: must be a non-empty string"},
      {R"({"name": "c", "matrix": {"workload": ["register"]})", "bad.json: "},
  };
  for (const auto& c : cases) {
    std::ofstream(dir_ + "/bad.json") << c.text;
    FaultlineOutput o = Faultline("campaign " + dir_ + "/bad.json --store " + Store());
    EXPECT_EQ(o.code, 3) << c.text << "\n" << o.text;
    EXPECT_NE(o.text.find(c.says), std::string::npos) << c.text << "\n" << o.text;
    EXPECT_EQ(std::count(o.text.begin(), o.text.end(), '\n'), 1) << o.text;
  }
  EXPECT_FALSE(fs::exists(Store()));
}

}  // namespace
}  // namespace faultline
