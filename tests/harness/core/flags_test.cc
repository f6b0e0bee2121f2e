#include "harness/core/flags.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace faultline
