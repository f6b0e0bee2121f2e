// FaketimePairScript / FaketimePairRemoveCommand run by a real bash against
// the real libfaketime (skipped where it is not installed): the pair exists
// under its own name, a preloaded program given it reads the offset file,
// and the remove command deletes it.
#include "targets/faketime_preload.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "harness/control/subprocess.h"
#include "tests/test_files.h"

namespace faultline {
namespace faketime_preload_test {
namespace {

namespace fs = std::filesystem;
constexpr char kLib[] = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

std::string Bash(const std::string& script) {
  auto r = RunLocal({"bash", "-c", script});
  if (!r.ok()) return "error: " + r.status().message();
  return r->out + (r->exit_code == 0 ? "" : "exit " + std::to_string(r->exit_code) + ": " + r->err);
}

TEST(FaketimePairIdTest, KeepsNodesApartAndHasNoSlash) {
  EXPECT_EQ(FaketimePairId("ringstore", "n1", "10.81.0.2"), "faultline_ringstore_n1_10.81.0.2");
  EXPECT_NE(FaketimePairId("ringstore", "n1", "10.81.0.2"), FaketimePairId("ringstore", "n1", "10.82.0.2"));
  EXPECT_EQ(FaketimePairId("my store", "n/1", "h:22"), "faultline_my_store_n_1_h_22");
}

TEST(FaketimePairScriptTest, MakesANamedPairThatAPreloadedProgramUsesAndRemovesIt) {
  if (!fs::exists(kLib)) GTEST_SKIP() << "no libfaketime";
  const std::string id = FaketimePairId("preload-test", "n" + std::to_string(getpid()), "127.0.0.1");
  const std::string files = "/dev/shm/sem." + id + "_sem /dev/shm/" + id + "_shm";
  ScopedTempDir dir("faketime-preload");
  const std::string offset = dir.path() + "/offset";
  EXPECT_EQ(Bash(FaketimeLibFindScript() + "echo \"$lib\""), std::string(kLib) + "\n");
  const std::string make = FaketimeLibFindScript() + FaketimePairScript(id);
  // Twice: the second run finds the pair and keeps it.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Bash(make + "echo \"$FAKETIME_SHARED|$FAKETIME_DISABLE_SHM\"\n"),
              "/" + id + "_sem /" + id + "_shm|1\n");
    EXPECT_EQ(Bash("ls " + files + " | wc -l"), "2\n");
  }
  // A store started with it sees the offset file's time.
  std::string skewed = Bash("echo +86400 > " + offset + "\n" + make + "LD_PRELOAD=" + kLib +
                            " FAKETIME_TIMESTAMP_FILE=" + offset +
                            " FAKETIME_NO_CACHE=1 date +%s; date +%s");
  auto nl = skewed.find('\n');
  ASSERT_NE(nl, std::string::npos) << skewed;
  EXPECT_NEAR(std::stoll(skewed.substr(0, nl)) - std::stoll(skewed.substr(nl + 1)), 86400, 5) << skewed;
  EXPECT_EQ(Bash(FaketimePairRemoveCommand(id) + "\nls " + files + " 2>/dev/null | wc -l"), "0\n");
  EXPECT_EQ(Bash(FaketimePairRemoveCommand(id)), "");  // idempotent
}

// The CI failure this guards against: pid-named semaphores that SIGKILLed
// processes of other PID namespaces left behind block the pids the script's
// preloaded shells get next; it tries on past them.
TEST(FaketimePairScriptTest, LeftoversOfTheNextPidsAreSkipped) {
  if (!fs::exists(kLib)) GTEST_SKIP() << "no libfaketime";
  const std::string id = FaketimePairId("preload-test-busy", "n" + std::to_string(getpid()), "127.0.0.1");
  // Only semaphores: libfaketime then gives up on its pair quietly, as it
  // does for a real leftover. Only ones that did not exist are made (set -C:
  // O_EXCL, so a real one made meanwhile is never truncated) and removed:
  // the next 60 pids of this PID namespace.
  std::string made = Bash(
      "last=$(cat /proc/sys/kernel/ns_last_pid); for p in $(seq $((last + 1)) $((last + 60))); do "
      "f=/dev/shm/sem.faketime_sem_$p; (set -C; : > $f) 2>/dev/null && echo $f; done");
  ASSERT_EQ(made.find("error"), std::string::npos) << made;
  std::string shared = Bash(std::string("lib=") + kLib + "\n" + FaketimePairScript(id) + "echo \"$FAKETIME_SHARED\"");
  std::string listed = made;
  for (char& c : listed) c = c == '\n' ? ' ' : c;
  Bash("rm -f " + listed + " 2>/dev/null; true");
  for (size_t at = 0, nl; (nl = made.find('\n', at)) != std::string::npos; at = nl + 1) {
    EXPECT_FALSE(fs::exists(made.substr(at, nl - at))) << made.substr(at, nl - at);
  }
  EXPECT_EQ(shared, "/" + id + "_sem /" + id + "_shm\n");
  Bash(FaketimePairRemoveCommand(id));
}

// Without libfaketime's pair there is nothing to hand on: the script fails
// with its one-line reason rather than starting a store that would leak one.
TEST(FaketimePairScriptTest, ALibraryThatMakesNoPairIsAnError) {
  const std::string id = FaketimePairId("preload-test-none", "n" + std::to_string(getpid()), "127.0.0.1");
  auto r = RunLocal({"bash", "-c", "lib=/nonexistent/libfaketime.so.1\n" + FaketimePairScript(id) + "echo started"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_code, 1);
  EXPECT_EQ(r->out, "");
  EXPECT_NE(r->err.find("libfaketime made no FAKETIME_SHARED"), std::string::npos) << r->err;
}

}  // namespace
}  // namespace faketime_preload_test
}  // namespace faultline
