// `faultline check --model list-append` end to end: the real binary on EDN
// (Elle's format) and JSONL files; verdict lines, the explained cycle, exit
// codes (0 valid, 1 invalid, 3 bad input naming file and line), --json.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/core/op.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class CheckListAppendCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/faultline-check-la-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  // Exit code; stdout in out_, stderr in err_.
  int Check(const std::string& args) {
    std::string out = (dir_ / "stdout").string(), err = (dir_ / "stderr").string();
    std::string cmd = std::string(FAULTLINE_BINARY_DIR) + "/faultline check --model list-append " + args + " >" +
                      out + " 2>" + err;
    int status = std::system(cmd.c_str());
    out_ = Slurp(out);
    err_ = Slurp(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  static std::string Slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
  std::string out_, err_;
};

// Read skew in Elle's EDN: T3 sees T2's y but not its x.
constexpr const char* kReadSkew =
    "{:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]], :process 0, :index 0}\n"
    "{:type :invoke, :f :txn, :value [[:append :x 1] [:append :y 1]], :process 1, :index 1}\n"
    "{:type :ok, :f :txn, :value [[:append :x 1] [:append :y 1]], :process 1, :index 2}\n"
    "{:type :ok, :f :txn, :value [[:r :x []] [:r :y [1]]], :process 0, :index 3}\n"
    "{:type :invoke, :f :txn, :value [[:r :x nil]], :process 2, :index 4}\n"
    "{:type :ok, :f :txn, :value [[:r :x [1]]], :process 2, :index 5}\n";

TEST_F(CheckListAppendCliTest, EdnReadSkewIsGSingleWithTheCycleExplained) {
  std::string f = Write("skew.edn", kReadSkew);
  EXPECT_EQ(Check(f), 1) << out_ << err_;
  EXPECT_NE(out_.find("skew.edn: invalid (list-append, 3 txns"), std::string::npos) << out_;
  EXPECT_NE(out_.find("anomaly types: G-single (1)"), std::string::npos) << out_;
  EXPECT_NE(out_.find("T2 appended 1 to x after T3's read of x saw [], so T3 rw→ T2"), std::string::npos) << out_;
  EXPECT_NE(out_.find("T3's read of y saw [1], ending in 1, which T2 appended, so T2 wr→ T3"), std::string::npos);
  // Read committed allows read skew.
  EXPECT_EQ(Check("--consistency-models read-committed " + f), 0) << out_ << err_;
}

TEST_F(CheckListAppendCliTest, JsonGivesAnomalyTypesAndCycles) {
  std::string f = Write("skew.edn", kReadSkew);
  EXPECT_EQ(Check("--json " + f), 1);
  json j = json::parse(out_);
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["list-append"]["anomaly-types"], json::array({"G-single"}));
  const json& steps = j["list-append"]["anomalies"]["G-single"][0]["steps"];
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0]["type"], "rw");
  EXPECT_EQ(steps[0]["key"], "x");
}

TEST_F(CheckListAppendCliTest, JsonlValidHistoryIsValid) {
  std::string f = Write("ok.jsonl",
                        "{\"index\":0,\"time\":0,\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\"x\",1]]}\n"
                        "{\"index\":1,\"time\":1,\"type\":\"ok\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\"x\",1]]}\n"
                        "{\"index\":2,\"time\":2,\"type\":\"invoke\",\"process\":1,\"f\":\"txn\",\"value\":[[\"r\",\"x\",null]]}\n"
                        "{\"index\":3,\"time\":3,\"type\":\"ok\",\"process\":1,\"f\":\"txn\",\"value\":[[\"r\",\"x\",[1]]]}\n");
  EXPECT_EQ(Check(f), 0) << out_ << err_;
  EXPECT_NE(out_.find("ok.jsonl: valid (list-append, 2 txns"), std::string::npos) << out_;
}

TEST_F(CheckListAppendCliTest, BadInputNamesFileAndLine) {
  std::string f = Write("bad.jsonl",
                        "{\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\"x\",1]]}\n\n"
                        "{\"type\":\"ok\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\"x\",\"one\"]]}\n");
  EXPECT_EQ(Check(f), 3);
  EXPECT_EQ(err_, "faultline check: " + f + ":3: appended value \"one\" is not an integer\n");
  EXPECT_EQ(Check("--consistency-models nope " + f), 3);
  EXPECT_NE(err_.find("unknown consistency model \"nope\""), std::string::npos) << err_;
}

TEST_F(CheckListAppendCliTest, RwRegisterModel) {
  std::string f = Write("rw.edn",
                        "{:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]], :process 0}\n"
                        "{:type :invoke, :f :txn, :value [[:w :x 1] [:w :y 1]], :process 1}\n"
                        "{:type :ok, :f :txn, :value [[:w :x 1] [:w :y 1]], :process 1}\n"
                        "{:type :ok, :f :txn, :value [[:r :x nil] [:r :y 1]], :process 0}\n");
  std::string cmd = std::string(FAULTLINE_BINARY_DIR) + "/faultline check --model rw-register " + f + " > " +
                    (dir_ / "out").string();
  int status = std::system(cmd.c_str());
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 1);
  std::string out = Slurp(dir_ / "out");
  EXPECT_NE(out.find("rw.edn: invalid (rw-register, 2 txns"), std::string::npos) << out;
  EXPECT_NE(out.find("T3 read x = nil (the initial state) and T2 wrote x = 1, so T3 rw→ T2"), std::string::npos) << out;
}

}  // namespace
}  // namespace faultline
