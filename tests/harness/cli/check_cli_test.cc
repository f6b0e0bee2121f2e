// `faultline check` end to end: runs the real binary on files and checks the
// verdict lines, the exit codes (0 valid, 1 invalid, 2 unknown, 3 bad input),
// the one-line errors for bad input, --json and --report.
#include <gtest/gtest.h>
#include <algorithm>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/core/op.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

struct CmdRun {
  int code;
  std::string out;
  std::string err;
};

class CheckCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/faultline-check-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  static std::string Slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  CmdRun Faultline(const std::string& args) {
    std::string out = (dir_ / "stdout").string(), err = (dir_ / "stderr").string();
    std::string cmd = std::string(FAULTLINE_BINARY_DIR) + "/faultline check " + args + " >" + out + " 2>" + err;
    int status = std::system(cmd.c_str());
    return CmdRun{WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
  }
  static std::string Knossos(const std::string& rel) {
    const char* env = std::getenv("FAULTLINE_DATASETS");
    fs::path base = env && *env ? fs::path(env) : fs::path(FAULTLINE_SOURCE_DIR) / ".." / "shared" / "datasets";
    fs::path p = base / "knossos" / rel;
    EXPECT_TRUE(fs::exists(p)) << p << " missing (set FAULTLINE_DATASETS)";
    return p.string();
  }
  fs::path dir_;
};

const char* kValid =
    R"({"index":0,"type":"invoke","process":0,"f":"write","key":"a","value":1})" "\n"
    R"({"index":1,"type":"ok","process":0,"f":"write","key":"a","value":1})" "\n"
    R"({"index":2,"type":"invoke","process":1,"f":"read","key":"a","value":null})" "\n"
    R"({"index":3,"type":"ok","process":1,"f":"read","key":"a","value":1})" "\n";
const char* kInvalid =
    R"({"index":0,"type":"invoke","process":0,"f":"write","key":"a","value":1})" "\n"
    R"({"index":1,"type":"ok","process":0,"f":"write","key":"a","value":1})" "\n"
    R"({"index":2,"type":"invoke","process":1,"f":"read","key":"a","value":null})" "\n"
    R"({"index":3,"type":"ok","process":1,"f":"read","key":"a","value":2})" "\n";

TEST_F(CheckCliTest, VerdictLinesAndExitCodes) {
  std::string v = Write("v.jsonl", kValid), i = Write("i.jsonl", kInvalid);
  CmdRun ok = Faultline(v);
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out.rfind(v + ": valid (2 ops, ", 0), 0u) << ok.out;

  CmdRun both = Faultline(v + " " + i);
  EXPECT_EQ(both.code, 1) << both.out << both.err;
  EXPECT_NE(both.out.find(v + ": valid"), std::string::npos);
  EXPECT_NE(both.out.find(i + ": invalid"), std::string::npos);
  EXPECT_NE(both.out.find("process 1's :read of key a 2"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("longest linearizable prefix: 1 ops"), std::string::npos) << both.out;

  CmdRun edn = Faultline("--model cas-register --initial 0 " + Knossos("cas-register/bad/rethink-fail-minimal.edn") +
                      " " + Knossos("cas-register/good/memstress3-12.edn"));
  EXPECT_EQ(edn.code, 1) << edn.out << edn.err;
  EXPECT_NE(edn.out.find("rethink-fail-minimal.edn: invalid (4 ops"), std::string::npos) << edn.out;
  EXPECT_NE(edn.out.find("memstress3-12.edn: valid (304 ops"), std::string::npos) << edn.out;

  CmdRun multi = Faultline("--model multi-register --initial '{x 0, y 0}' " +
                        Knossos("multi-register/good/multi-register.edn"));
  EXPECT_EQ(multi.code, 0) << multi.out << multi.err;
}

TEST_F(CheckCliTest, UnknownOnTimeLimit) {
  std::string text;
  auto line = [&](const json& j) { text += j.dump() + "\n"; };
  for (int w = 0; w < 26; ++w) line({{"type", "invoke"}, {"process", w}, {"f", "write"}, {"value", w}});
  for (int w = 0; w < 26; ++w) {
    line({{"type", "invoke"}, {"process", 100}, {"f", "read"}, {"value", nullptr}});
    line({{"type", "ok"}, {"process", 100}, {"f", "read"}, {"value", w}});
  }
  line({{"type", "invoke"}, {"process", 100}, {"f", "read"}, {"value", nullptr}});
  line({{"type", "ok"}, {"process", 100}, {"f", "read"}, {"value", -1}});
  std::string hard = Write("hard.jsonl", text);
  CmdRun r = Faultline("--model register --time-limit 0.2 " + hard);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find(": unknown ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("time limit of 0.2 s reached"), std::string::npos) << r.out;
  // An invalid file wins over an unknown one.
  std::string i = Write("i.jsonl", kInvalid);
  EXPECT_EQ(Faultline("--time-limit 0.2 --model register " + hard + " " + i).code, 1);
}

TEST_F(CheckCliTest, BadInputIsOneLineWithTheLocationAndExit3) {
  struct Case {
    std::string name, text, args, expect;
  };
  std::vector<Case> cases = {
      {"trunc.edn", "[{:type :invoke, :f :write, :value 1, :process 0}\n {:type :ok, :f :wri", "",
       "trunc.edn:2: unexpected end of input"},
      {"trunc.jsonl", std::string(kValid).substr(0, 120), "", "trunc.jsonl:2: truncated or malformed JSON"},
      {"garbage.jsonl", std::string(kValid) + "this is not json\n", "", "garbage.jsonl:5: malformed JSON"},
      {"orphan.jsonl", R"({"type":"ok","process":4,"f":"read","value":1})" "\n", "",
       "orphan.jsonl:1: process 4 completed :read (:ok) without a matching invoke"},
      {"twice.edn", "[{:type :invoke :f :read :process 3}\n{:type :invoke :f :write :value 1 :process 3}]", "",
       "twice.edn:2: process 3 invoked :write while its :read (line 1) is still open"},
      {"v.jsonl", kValid, "--model bogus ", "--model: unknown model \"bogus\" (known: "},
      {"v.jsonl", kValid, "--format xml ", "--format: unknown history format \"xml\""},
      {"v.jsonl", kValid, "--frobnicate ", "unknown flag --frobnicate"},
      {"cas.jsonl",
       R"({"type":"invoke","process":0,"f":"cas","value":[1,2]})" "\n" R"({"type":"ok","process":0,"f":"cas","value":[1,2]})" "\n",
       "--model register ", "model register has no operation :cas"},
  };
  for (const auto& c : cases) {
    std::string path = Write(c.name, c.text);
    CmdRun r = Faultline(c.args + path);
    EXPECT_EQ(r.code, 3) << c.name << ": " << r.out << r.err;
    EXPECT_EQ(r.err.rfind("faultline check: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.name << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.name << ": " << r.err;
  }
  CmdRun none = Faultline("");
  EXPECT_EQ(none.code, 3);
  CmdRun missing = Faultline((dir_ / "nope.jsonl").string());
  EXPECT_EQ(missing.code, 3);
  EXPECT_NE(missing.err.find("nope.jsonl: cannot open"), std::string::npos) << missing.err;
}

TEST_F(CheckCliTest, JsonAndReport) {
  std::string i = Write("i.jsonl", kInvalid);
  CmdRun j = Faultline("--json " + i);
  EXPECT_EQ(j.code, 1);
  json out = json::parse(j.out);
  EXPECT_EQ(out["valid"], false);
  EXPECT_EQ(out["linearizable"]["failure"]["op"]["value"], 2);
  std::string report = (dir_ / "report").string();
  CmdRun r = Faultline("--model cas-register --initial 0 --report " + report + " " +
                    Knossos("cas-register/bad/cas-failure.edn"));
  EXPECT_EQ(r.code, 1) << r.err;
  json results = json::parse(Slurp(fs::path(report) / "results.json"));
  EXPECT_EQ(results["valid"], false);
  EXPECT_EQ(results["linearizable"]["failure"]["op"]["completion_index"], 491);
  std::string html = Slurp(fs::path(report) / "linearizability.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("#FEB5DA"), std::string::npos);
  EXPECT_NE(html.find("#6DB6FE"), std::string::npos);
  EXPECT_NE(html.find("process 70"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // nothing fetched from the network
  EXPECT_EQ(html.find("<script src"), std::string::npos);
}

// jepsen.independent histories as Jepsen writes them (tests/data/jepsen/):
// valid ones valid, read as independent keys; invalid ones invalid with the
// failing key named; read as plain values they would cry wolf.
std::string JepsenData(const std::string& name) {
  return std::string(FAULTLINE_SOURCE_DIR) + "/tests/data/jepsen/" + name;
}

TEST_F(CheckCliTest, IndependentKeyHistoriesInEveryJepsenShape) {
  struct Case {
    const char* valid;
    const char* invalid;
    const char* failing_key;
  };
  for (const Case& c : {Case{"independent-valid.edn", "independent-invalid.edn", "key 1:"},
                        Case{"independent-valid.log", "independent-invalid.log", "key 0:"},
                        Case{"history-0.3-independent.edn", "history-0.3-independent-invalid.edn", "key 3:"}}) {
    for (const char* model : {"kv", "cas-register"}) {
      SCOPED_TRACE(std::string(c.valid) + " --model " + model);
      std::string v = JepsenData(c.valid), i = JepsenData(c.invalid);
      CmdRun ok = Faultline(std::string("--model ") + model + " " + v);
      EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
      EXPECT_EQ(ok.out.rfind(v + ": valid (", 0), 0u) << ok.out;
      EXPECT_NE(ok.out.find(", read as independent keys (2 keys)"), std::string::npos) << ok.out;
      CmdRun bad = Faultline(std::string("--model ") + model + " " + i);
      EXPECT_EQ(bad.code, 1) << bad.out << bad.err;
      EXPECT_EQ(bad.out.rfind(i + ": invalid (", 0), 0u) << bad.out;
      EXPECT_NE(bad.out.find("read as independent keys"), std::string::npos) << bad.out;
      EXPECT_NE(bad.out.find(c.failing_key), std::string::npos) << bad.out;
    }
  }
  // Read as plain register values (the old behaviour), the valid history is
  // "invalid": the tuple [0 1] is not the value 0 a cas expects.
  CmdRun plain = Faultline("--independent no " + JepsenData("independent-valid.edn"));
  EXPECT_EQ(plain.code, 1) << plain.out << plain.err;
  EXPECT_EQ(plain.out.find("read as independent"), std::string::npos) << plain.out;
  // --json carries the key count.
  CmdRun js = Faultline("--json " + JepsenData("independent-valid.log"));
  EXPECT_EQ(js.code, 0) << js.err;
  EXPECT_EQ(json::parse(js.out)["independent_keys"], 2);
}

TEST_F(CheckCliTest, IndependentFlagBadInput) {
  CmdRun bad = Faultline("--independent maybe " + JepsenData("independent-valid.edn"));
  EXPECT_EQ(bad.code, 3);
  EXPECT_EQ(bad.err, "faultline check: --independent: unknown value \"maybe\" (known: yes, no, auto)\n");
  // Forced on a plain Knossos register history: the first op that does not fit.
  std::string knossos = Knossos("cas-register/good/cas-register-bug.edn");
  CmdRun forced = Faultline("--independent yes " + knossos);
  EXPECT_EQ(forced.code, 3) << forced.out;
  EXPECT_NE(forced.err.find("not an independent-key op ("), std::string::npos) << forced.err;
  EXPECT_EQ(std::count(forced.err.begin(), forced.err.end(), '\n'), 1) << forced.err;
  // Auto leaves plain Knossos histories alone (their verdicts are tested above).
  CmdRun autod = Faultline("--model cas-register " + knossos);
  EXPECT_EQ(autod.out.find("read as independent"), std::string::npos) << autod.out;
}

}  // namespace
}  // namespace faultline
