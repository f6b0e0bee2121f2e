// Every history of the Knossos corpus (shared/datasets/knossos, see its
// README) gets the verdict the upstream test suite gives it, with the
// models and initial states upstream uses; the failing ops the README pins
// down are the ones we report.
//
// The corpus is found through $FAULTLINE_DATASETS, else
// FAULTLINE_SOURCE_DIR/../shared/datasets; a missing corpus fails the test.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "checkers/linearizable.h"
#include "harness/history/history_reader.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

fs::path KnossosDir() {
  const char* env = std::getenv("FAULTLINE_DATASETS");
  fs::path base = env && *env ? fs::path(env) : fs::path(FAULTLINE_SOURCE_DIR) / ".." / "shared" / "datasets";
  return base / "knossos";
}

struct Case {
  fs::path file;
  std::string model;
  json initial;
  bool expect_valid;
};

std::vector<Case> Corpus() {
  std::vector<Case> out;
  fs::path dir = KnossosDir();
  struct Folder {
    std::string model;
    json initial;
  };
  std::vector<Folder> folders = {{"cas-register", 0}, {"multi-register", {{"x", 0}, {"y", 0}}}, {"mutex", false}};
  for (const auto& f : folders) {
    for (std::string verdict : {"good", "bad"}) {
      fs::path sub = dir / f.model / verdict;
      if (!fs::is_directory(sub)) continue;
      for (const auto& e : fs::directory_iterator(sub)) {
        if (e.path().extension() == ".edn") out.push_back({e.path(), f.model, f.initial, verdict == "good"});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.file < b.file; });
  return out;
}

CheckResult CheckFile(const fs::path& file, const std::string& model, json initial) {
  auto h = ReadHistoryFile(file.string(), HistoryFormat::kAuto);
  EXPECT_TRUE(h.ok()) << h.status().message();
  if (!h.ok()) return {};
  LinearizableOptions o;
  o.model = model;
  o.initial = std::move(initial);
  auto r = CheckLinearizable(*h, o);
  EXPECT_TRUE(r.ok()) << file << ": " << r.status().message();
  return r.ok() ? *r : CheckResult{};
}

TEST(KnossosTest, EveryHistoryGetsItsUpstreamVerdict) {
  ASSERT_TRUE(fs::is_directory(KnossosDir()))
      << "Knossos corpus not found at " << KnossosDir()
      << " (set FAULTLINE_DATASETS to the folder holding knossos/)";
  auto cases = Corpus();
  ASSERT_EQ(cases.size(), 122u) << "the corpus README lists 122 histories";
  int good = 0, bad = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& c : cases) {
    CheckResult r = CheckFile(c.file, c.model, c.initial);
    Validity want = c.expect_valid ? Validity::kValid : Validity::kInvalid;
    EXPECT_EQ(ValidityName(r.valid), ValidityName(want)) << c.file << "\n" << ExplainLinearizable(r);
    (c.expect_valid ? good : bad)++;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(good, 114);
  EXPECT_EQ(bad, 8);
  std::printf("knossos: %d good + %d bad histories checked in %.3f s\n", good, bad, s);
}

// Positions in the README are 0-based event indexes in the file.
void ExpectFailingOp(const std::string& rel, int64_t process, const json& value, int64_t completion_index,
                     json initial = 0) {
  CheckResult r = CheckFile(KnossosDir() / rel, "cas-register", initial);
  ASSERT_EQ(r.valid, Validity::kInvalid) << rel;
  const json& op = r.details["failure"]["op"];
  EXPECT_EQ(op["process"], process) << rel << ": " << op.dump();
  EXPECT_EQ(op["value"], value) << rel;
  EXPECT_EQ(op["completion_index"], completion_index) << rel;
}

TEST(KnossosTest, ReportsTheOpTheReadmeNames) {
  ExpectFailingOp("cas-register/bad/immediate-failure.edn", 1, 3, 3);
  ExpectFailingOp("cas-register/bad/rethink-fail-minimal.edn", 1, 3, 4, nullptr);
  ExpectFailingOp("cas-register/bad/rethink-fail.edn", 12, 3, 217);
  ExpectFailingOp("cas-register/bad/rethink-fail-smaller.edn", 12, 3, 217);
  ExpectFailingOp("cas-register/bad/bad-analysis.edn", 21, 2, 14);
  ExpectFailingOp("cas-register/bad/cas-failure.edn", 70, 0, 491);
}

TEST(KnossosTest, ExplanationOfCasFailure) {
  CheckResult r = CheckFile(KnossosDir() / "cas-register/bad/cas-failure.edn", "cas-register", 0);
  ASSERT_EQ(r.valid, Validity::kInvalid);
  const json& f = r.details["failure"];
  // The last op linearized before the failure is process 76's write of 2
  // (position 472), leaving the register at 2, where a read of 0 is illegal.
  const json& last = f["linearized"].back();
  EXPECT_EQ(last["op"]["process"], 76);
  EXPECT_EQ(last["op"]["completion_index"], 472);
  EXPECT_EQ(last["state"], 2);
  EXPECT_EQ(f["states_before"], json::array({2}));
  // The crashed cas [1 1] of process 77 is concurrent with it.
  bool saw_cas = false;
  for (const auto& op : f["concurrent"]) saw_cas |= op["process"] == 77 && op["f"] == "cas";
  EXPECT_TRUE(saw_cas) << f["concurrent"].dump();
  std::string text = ExplainLinearizable(r);
  EXPECT_NE(text.find("process 70's :read 0"), std::string::npos) << text;
}

TEST(KnossosTest, NilReadsAreStrictOnlyWhenAsked) {
  // memstress3 files contain ok reads of nil; with --strict-reads they can
  // no longer all match, so at least one of these becomes invalid.
  int invalid_strict = 0;
  for (int i : {0, 1, 2, 3}) {
    auto file = KnossosDir() / ("cas-register/good/memstress3-" + std::to_string(i) + ".edn");
    auto h = ReadHistoryFile(file.string());
    ASSERT_TRUE(h.ok());
    LinearizableOptions o;
    o.model = "cas-register";
    o.initial = 0;
    o.strict_reads = true;
    auto r = CheckLinearizable(*h, o);
    ASSERT_TRUE(r.ok());
    invalid_strict += r->valid == Validity::kInvalid;
  }
  EXPECT_GT(invalid_strict, 0);
}

TEST(KnossosTest, MultiRegisterTransactions) {
  CheckResult r = CheckFile(KnossosDir() / "multi-register/good/multi-register.edn", "multi-register",
                            {{"x", 0}, {"y", 0}});
  EXPECT_EQ(r.valid, Validity::kValid);
  // Starting from y=7 the early reads of y=0 are impossible (nothing writes 0 to y).
  CheckResult bad = CheckFile(KnossosDir() / "multi-register/good/multi-register.edn", "multi-register",
                              {{"x", 0}, {"y", 7}});
  EXPECT_EQ(bad.valid, Validity::kInvalid);
}

}  // namespace
}  // namespace faultline
