#include "harness/core/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace faultline {
namespace {

TEST(FlagsTest, ParsesValuesBooleansAndPositionals) {
  Flags flags("check");
  std::string model;
  long long limit = 0;
  double rate = 0;
  bool json_out = false;
  std::vector<std::string> opts;
  flags.String("model", &model, "model");
  flags.Int("time-limit", &limit, "seconds");
  flags.Double("rate", &rate, "ops/s");
  flags.Bool("json", &json_out, "json");
  flags.Strings("target-opt", &opts, "k=v");
  ASSERT_TRUE(flags.Parse({"--model", "cas-register", "a.edn", "--time-limit=5", "--json",
                           "--rate", "2.5", "--target-opt", "a=1", "--target-opt", "b=2", "b.edn"})
                  .ok());
  EXPECT_EQ(model, "cas-register");
  EXPECT_EQ(limit, 5);
  EXPECT_DOUBLE_EQ(rate, 2.5);
  EXPECT_TRUE(json_out);
  EXPECT_EQ(opts, (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(flags.positionals(), (std::vector<std::string>{"a.edn", "b.edn"}));
}

TEST(FlagsTest, ErrorsNameTheFlag) {
  Flags flags("check");
  long long limit = 0;
  flags.Int("time-limit", &limit, "seconds");
  auto bad = flags.Parse({"--time-limit", "soon"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("--time-limit"), std::string::npos);
  Flags flags2("check");
  auto unknown = flags2.Parse({"--frobnicate"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("--frobnicate"), std::string::npos);
}

// Usage names each value by its kind (no "X"), lets a call site name it,
// and aligns the help column after the longest flag.
TEST(FlagsTest, UsageNamesPlaceholdersByKindAndAlignsTheHelp) {
  Flags flags("test");
  std::string s;
  std::vector<std::string> list;
  long long n = 0;
  double d = 0;
  bool b = false;
  flags.Double("time-limit", &d, "seconds of main phase");
  flags.Double("clock-max-skew-ms", &d, "largest offset");
  flags.Double("packet-loss", &d, "fraction of packets dropped");
  flags.Int("concurrency", &n, "workers");
  flags.Int("ssh-port", &n, "ssh port");
  flags.String("cluster-file", &s, "cluster file");
  flags.String("store", &s, "results directory");
  flags.String("on", &s, "these nodes (comma list)");
  flags.String("clock-strategy", &s, "faketime|system");
  flags.String("initial", &s, "initial state", "JSON");
  flags.Strings("target-opt", &list, "target option");
  flags.Bool("leave-db-running", &b, "skip teardown");
  const std::string usage = flags.Usage();
  EXPECT_EQ(usage.find(" X "), std::string::npos) << usage;
  for (const char* line : {"--time-limit SECONDS ", "--clock-max-skew-ms MS ", "--packet-loss FRACTION ",
                           "--concurrency N ", "--ssh-port PORT ", "--cluster-file FILE ", "--store DIR ",
                           "--on LIST ", "--clock-strategy STRATEGY ", "--initial JSON ",
                           "--target-opt KEY=VALUE ", "--leave-db-running  "}) {
    EXPECT_NE(usage.find(std::string("  ") + line), std::string::npos) << line << "\n" << usage;
  }
  // Every help text starts in the same column, 2 after the longest left part.
  const size_t column = std::string("  --clock-strategy STRATEGY").size() + 2;
  size_t lines = 0;
  for (size_t at = 0; at < usage.size(); at = usage.find('\n', at) + 1, ++lines) {
    EXPECT_EQ(usage[at + column - 1], ' ') << usage.substr(at, usage.find('\n', at) - at);
    EXPECT_NE(usage[at + column], ' ') << usage.substr(at, usage.find('\n', at) - at);
  }
  EXPECT_EQ(lines, 12u);
}

}  // namespace
}  // namespace faultline
