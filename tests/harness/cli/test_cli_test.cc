// `faultline test` usage errors end to end with the real binary: what can be
// checked before a run exists (a missing cluster file, a --store that is a
// file, a missing --ssh-key, a bad --nodes list) is one line with exit 3, no
// seed printed and no run directory made; a node that cannot be reached is
// found after the run started: exit 4 with the ssh error.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/faultline_cli.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class TestCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("test-cli");
    ASSERT_FALSE(dir_.empty());
    store_ = dir_ + "/store";
    file_ = dir_ + "/a-file";
    std::ofstream(file_) << "not a directory\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Files under dir_ other than file_ (a run directory would be one).
  size_t Made() const {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) n += e.path() != file_;
    return n;
  }

  std::string dir_, store_, file_;
};

TEST_F(TestCliTest, UsageErrorsBeforeTheRunAreOneLineExit3AndLeaveNoRunDirectory) {
  struct Case {
    std::string args, says;
  } cases[] = {
      {"--target ringstore --workload register --cluster-file /missing --store " + store_,
       "faultline test: no local cluster at /missing"},
      {"--target memory --workload register --time-limit 1 --store " + file_,
       "faultline test: --store " + file_ + ": is not a directory"},
      {"--target memory --workload register --time-limit 1 --store " + file_ + "/sub/store",
       "faultline test: --store " + file_ + "/sub/store: " + file_ + " is not a directory"},
      {"--target ringstore --workload register --nodes 127.0.0.1 --ssh-key /missing-key --store " + store_,
       "faultline test: --ssh-key /missing-key: no such file"},
      {"--target ringstore --workload register --nodes 127.0.0.1,127.0.0.1 --store " + store_,
       "faultline test: --nodes: node 127.0.0.1 given twice"},
  };
  for (const auto& c : cases) {
    FaultlineOutput o = Faultline("test " + c.args);
    EXPECT_EQ(o.code, 3) << c.args << "\n" << o.text;
    EXPECT_TRUE(HasSubstr(o.text, c.says)) << c.args << "\n" << o.text;
    EXPECT_EQ(std::count(o.text.begin(), o.text.end(), '\n'), 1) << c.args << "\n" << o.text;
    EXPECT_FALSE(HasSubstr(o.text, "seed:")) << c.args << "\n" << o.text;
    EXPECT_EQ(Made(), 0u) << c.args << ": made files under " << dir_;
  }
}

TEST_F(TestCliTest, AnUnreachableNodeIsExit4WithTheSshError) {
  // Port 1 on loopback: refused at once.
  FaultlineOutput o = Faultline("test --target ringstore --workload register --time-limit 1 "
                                "--nodes 127.0.0.1 --ssh-port 1 --store " + store_);
  EXPECT_EQ(o.code, 4) << o.text;
  EXPECT_TRUE(HasSubstr(o.text, "faultline test: 127.0.0.1: cannot reach 127.0.0.1:1 over ssh")) << o.text;
}

}  // namespace
}  // namespace faultline
