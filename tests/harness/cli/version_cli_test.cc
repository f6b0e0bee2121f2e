// `faultline --version` / `faultline version` end to end: the real binary
// prints "faultline <version>" (project version, +commit when git was there
// at configure time) on one line and exits 0; stray arguments are bad input.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "harness/core/version.h"
#include "tests/faultline_cli.h"

namespace faultline {
namespace {

TEST(VersionCliTest, DashDashVersionPrintsTheBuildsVersion) {
  FaultlineOutput o = Faultline("--version");
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_EQ(o.text, std::string("faultline ") + FaultlineVersion() + "\n");
  EXPECT_TRUE(std::regex_match(o.text, std::regex("faultline [0-9]+\\.[0-9]+\\.[0-9]+(\\+[0-9a-f]+)?\n")))
      << o.text;
}

TEST(VersionCliTest, VersionCommandIsTheSame) {
  FaultlineOutput o = Faultline("version");
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_EQ(o.text, std::string("faultline ") + FaultlineVersion() + "\n");
  FaultlineOutput help = Faultline("--help");
  EXPECT_NE(help.text.find("version"), std::string::npos) << "listed among the commands:\n" << help.text;
}

TEST(VersionCliTest, ExtraArgumentsAreBadInput) {
  FaultlineOutput o = Faultline("version now");
  EXPECT_EQ(o.code, 3) << o.text;
  EXPECT_NE(o.text.find("faultline version: takes no arguments"), std::string::npos) << o.text;
}

}  // namespace
}  // namespace faultline
