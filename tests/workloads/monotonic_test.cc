// The README's worked example, workloads/monotonic.cc: its checker through the
// workload registry (the path `faultline test` takes), a real run of the
// README's command against the memory target, and the README showing the
// file exactly as it is in the tree.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/checkers/history_builder.h"
#include "tests/faultline_cli.h"
#include "workloads/workload.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using testing::HistoryBuilder;

std::unique_ptr<Checker> MonotonicChecker() {
  const auto* entry = WorkloadRegistry::Get().Find("monotonic");
  EXPECT_NE(entry, nullptr);
  if (entry == nullptr) return nullptr;
  auto workload = entry->factory(WorkloadOptions{});
  EXPECT_TRUE(workload.ok());
  auto checker = (*workload)->MakeChecker();
  EXPECT_TRUE(checker.ok());
  return std::move(*checker);
}

// Adds of unknown fate make 5 and then 3 both fit the counter's bounds; only
// monotonic-reads sees that the later read went backwards.
TEST(MonotonicWorkloadTest, AReadGoingBackwardsIsInvalidEvenWithinTheBounds) {
  HistoryBuilder b;
  b.OkOp(1, "counter-add", 1, 0, 1, "m0");
  for (int p = 10; p < 15; ++p) b.Invoke(p, "counter-add", 1, 2, "m0").Info(p, 3);
  b.Invoke(2, "counter-read", nullptr, 4, "m0").Ok(2, 5, 5);
  b.Invoke(3, "counter-read", nullptr, 6, "m0").Ok(3, 7, 3);
  auto checker = MonotonicChecker();
  ASSERT_NE(checker, nullptr);
  EXPECT_EQ(checker->name(), "monotonic");
  CheckResult r = checker->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kInvalid) << r.details.dump(2);
  EXPECT_EQ(r.details["counter"]["valid"], true) << r.details.dump(2);
  EXPECT_EQ(r.details["monotonic-reads"]["valid"], false);
  EXPECT_EQ(r.details["monotonic-reads"]["errors"][0]["value"], 3);
  EXPECT_EQ(r.details["monotonic-reads"]["errors"][0]["earlier_read"], 5);
}

TEST(MonotonicWorkloadTest, ConcurrentReadsMayDisagreeAndOtherKeysAreSeparate) {
  HistoryBuilder b;
  b.OkOp(1, "counter-add", 1, 0, 1, "m0").OkOp(1, "counter-add", 1, 2, 3, "m0");
  b.OkOp(1, "counter-add", 1, 0.5, 0.7, "m1");
  // Overlapping reads 2 and 1 of m0: either order is possible.
  b.Invoke(2, "counter-read", nullptr, 0.8, "m0").Invoke(3, "counter-read", nullptr, 1.5, "m0");
  b.Ok(3, 2.5, 2).Ok(2, 4, 1);
  // m1 reads lower than m0: another counter.
  b.Invoke(4, "counter-read", nullptr, 5, "m1").Ok(4, 6, 1);
  CheckResult r = MonotonicChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kValid) << r.details.dump(2);
  EXPECT_EQ(r.details["monotonic-reads"]["reads"], 3);
}

TEST(MonotonicWorkloadTest, NoReadIsUnknownAndAMalformedReadIsUnknown) {
  HistoryBuilder b;
  b.OkOp(1, "counter-add", 1, 0, 1, "m0");
  EXPECT_EQ(MonotonicChecker()->Check({}, b.history()).valid, Validity::kUnknown);
  b.Invoke(2, "counter-read", nullptr, 2, "m0").Ok(2, 3, "five");
  CheckResult r = MonotonicChecker()->Check({}, b.history());
  EXPECT_EQ(r.valid, Validity::kUnknown);
  EXPECT_NE(r.details["monotonic-reads"]["error"].get<std::string>().find("not an integer"),
            std::string::npos);
}

// The README's command, for real: valid (exit 0), both checks ran.
TEST(MonotonicWorkloadTest, TheReadmeCommandPassesOnTheMemoryTarget) {
  fs::path store = fs::temp_directory_path() / ("faultline_monotonic_" + std::to_string(::getpid()));
  fs::remove_all(store);
  FaultlineOutput run = Faultline("test --target memory --workload monotonic --time-limit 5 --seed 7 "
                                  "--store " + store.string());
  const std::string& out = run.text;
  EXPECT_EQ(run.code, 0) << out;
  EXPECT_NE(out.find("verdict: valid"), std::string::npos) << out;
  std::ifstream in(fs::canonical(store / "latest") / "results.json");
  json results = json::parse(in);
  EXPECT_EQ(results["monotonic"]["valid"], true);
  EXPECT_EQ(results["monotonic"]["counter"]["valid"], true);
  EXPECT_EQ(results["monotonic"]["monotonic-reads"]["valid"], true);
  EXPECT_GT(results["monotonic"]["monotonic-reads"]["reads"].get<int64_t>(), 100);
  fs::remove_all(store);
}

// README "Adding a workload" shows workloads/monotonic.cc exactly as it is.
TEST(MonotonicWorkloadTest, TheReadmeShowsTheFileAsItIs) {
  std::string readme = ReadAll(std::string(FAULTLINE_SOURCE_DIR) + "/README.md");
  std::string source = ReadAll(std::string(FAULTLINE_SOURCE_DIR) + "/workloads/monotonic.cc");
  ASSERT_FALSE(source.empty());
  EXPECT_NE(readme.find("```cpp\n" + source + "```\n"), std::string::npos)
      << "README.md must contain workloads/monotonic.cc verbatim in a ```cpp block";
  EXPECT_NE(readme.find("faultline test --target memory --workload monotonic --time-limit 5 --seed 7"),
            std::string::npos);
}

}  // namespace
}  // namespace faultline
