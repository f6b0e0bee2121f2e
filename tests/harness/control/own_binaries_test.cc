// BinaryBesideSelf finds files in the running executable's directory (this
// test binary's: build/), "" for a missing one unless told it need not exist.
#include "harness/control/own_binaries.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace faultline {
namespace {

TEST(OwnBinariesTest, FindsCompanionsBesideTheRunningExecutable) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string dir = std::filesystem::path(self).parent_path().string();
  EXPECT_EQ(BinaryBesideSelf(std::filesystem::path(self).filename().string()), self);
  EXPECT_EQ(BinaryBesideSelf("faultline-fs"), dir + "/faultline-fs");  // built before the tests
  EXPECT_EQ(BinaryBesideSelf("no-such-companion"), "");
  EXPECT_EQ(BinaryBesideSelf("no-such-companion", /*must_exist=*/false), dir + "/no-such-companion");
}

}  // namespace
}  // namespace faultline
