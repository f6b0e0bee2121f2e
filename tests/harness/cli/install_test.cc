// `cmake --install` of this build (README quick start): the three binaries land
// side by side in <prefix>/bin, and the installed faultline — a copy away from
// the build tree — finds its ringstore and faultline-shaper there; a symlink to
// build/faultline (what scripts/demo.sh puts on PATH) finds the build's.
// Deploy-free: `faultline list` prints where it looks.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "harness/core/version.h"
#include "tests/faultline_cli.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class InstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/faultline-install-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `cmd` through the shell; returns its output, `code` its exit status.
  static std::string Run(const std::string& cmd, int* code) {
    std::string out;
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int status = pclose(p);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
  }
  fs::path dir_;
};

TEST_F(InstallTest, InstalledFaultlineFindsItsRingstoreAndShaper) {
  int code = -1;
  std::string out = Run("cmake --install " + std::string(FAULTLINE_BINARY_DIR) + " --prefix " + dir_.string(), &code);
  ASSERT_EQ(code, 0) << out;
  fs::path bin = dir_ / "bin";
  for (const char* b : {"faultline", "ringstore", "faultline-shaper"}) {
    EXPECT_EQ(access((bin / b).c_str(), X_OK), 0) << b << " not installed:\n" << out;
  }
  std::string version = Run((bin / "faultline").string() + " --version", &code);
  EXPECT_EQ(code, 0) << version;
  EXPECT_EQ(version, std::string("faultline ") + FaultlineVersion() + "\n");
  std::string list = Run((bin / "faultline").string() + " list", &code);
  ASSERT_EQ(code, 0) << list;
  EXPECT_NE(list.find("ringstore         " + (bin / "ringstore").string() + "\n"), std::string::npos) << list;
  EXPECT_NE(list.find("faultline-shaper  " + (bin / "faultline-shaper").string() + "\n"), std::string::npos)
      << list;
  EXPECT_EQ(list.find("(missing)"), std::string::npos) << list;
}

TEST_F(InstallTest, ALinkToTheBuildFindsTheBuildsBinaries) {
  fs::path build = fs::canonical(FAULTLINE_BINARY_DIR);
  fs::create_symlink(build / "faultline", dir_ / "faultline");
  int code = -1;
  std::string list = Run((dir_ / "faultline").string() + " list", &code);
  ASSERT_EQ(code, 0) << list;
  EXPECT_NE(list.find("ringstore         " + (build / "ringstore").string() + "\n"), std::string::npos) << list;
  EXPECT_EQ(list.find("(missing)"), std::string::npos) << list;
}

TEST_F(InstallTest, AFaultlineAloneSaysWhatIsMissing) {
  fs::copy_file(fs::path(FAULTLINE_BINARY_DIR) / "faultline", dir_ / "faultline");
  fs::permissions(dir_ / "faultline", fs::perms::owner_all);
  int code = -1;
  std::string list = Run((dir_ / "faultline").string() + " list", &code);
  ASSERT_EQ(code, 0) << list;
  EXPECT_NE(list.find("ringstore         (missing) " + (dir_ / "ringstore").string()), std::string::npos) << list;
  EXPECT_NE(list.find("faultline-shaper  (missing)"), std::string::npos) << list;
}

}  // namespace
}  // namespace faultline
