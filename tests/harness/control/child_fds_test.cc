// Every child process of the controller gets exactly fds 0-2 (DESIGN.md §3):
// CloseInheritedFds closes everything else by each of its methods (close_range,
// /proc/self/fd, the loop) keeping the one descriptor asked for, and the spawn
// sites that use it — RunLocal and SpawnDaemon — hand their children no
// descriptor the test holds without O_CLOEXEC (as libssh's sockets or a log
// file are). The RunLocal/SpawnDaemon cases fail on the code before issue 22.
#include "harness/control/child_fds.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "harness/control/subprocess.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

// In a forked child: opens descriptors at 3.., 100 and 1000 (no O_CLOEXEC),
// closes by `method` keeping `keep`, and reports how many of 3..1100 other
// than `keep` are still open (255: `keep` was closed too).
int OpenAfterClosing(CloseFdsMethod method) {
  int report[2];
  if (::pipe(report) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    int a = ::open("/dev/null", O_RDONLY);
    ::dup2(a, 100);
    ::dup2(a, 1000);
    int keep = report[1];
    unsigned char open_count = 0;
    if (!CloseInheritedFds(keep, method)) ::_exit(2);
    for (int fd = 3; fd <= 1100; ++fd) {
      if (fd != keep && ::fcntl(fd, F_GETFD) != -1) ++open_count;
    }
    if (::fcntl(keep, F_GETFD) == -1) ::_exit(3);
    ssize_t ignored = ::write(keep, &open_count, 1);
    (void)ignored;
    ::_exit(0);
  }
  ::close(report[1]);
  unsigned char n = 255;
  ssize_t got = ::read(report[0], &n, 1);
  ::close(report[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -100 - WEXITSTATUS(status);
  return got == 1 ? n : -1;
}

TEST(ChildFdsTest, EachMethodClosesEverythingAbove2ButTheKeptOne) {
  EXPECT_EQ(OpenAfterClosing(CloseFdsMethod::kAuto), 0);
  EXPECT_EQ(OpenAfterClosing(CloseFdsMethod::kCloseRange), 0) << "close_range (Linux 5.9+)";
  EXPECT_EQ(OpenAfterClosing(CloseFdsMethod::kProcSelfFd), 0);
  EXPECT_EQ(OpenAfterClosing(CloseFdsMethod::kLoop), 0);
}

class SpawnFdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    leaked_ = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC
    ASSERT_GE(leaked_, 3);
    ASSERT_NE(::fcntl(leaked_, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    dir_ = TempDir("spawnfds");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    ::close(leaked_);
    std::filesystem::remove_all(dir_);
  }
  int leaked_ = -1;
  std::string dir_;
};

// bash lists its own descriptors through a child (ls), so the listing itself
// adds none.
const char kListFds[] = "ls /proc/$$/fd > \"$0.tmp\"; sort -n \"$0.tmp\" | paste -sd, -; rm -f \"$0.tmp\"";

TEST_F(SpawnFdsTest, RunLocalChildrenGetOnlyFds0To2) {
  auto r = RunLocal({"bash", "-c", kListFds, dir_ + "/list"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->out, "0,1,2\n") << "the test holds fd " << leaked_ << " without O_CLOEXEC; stderr: " << r->err;
}

TEST_F(SpawnFdsTest, DaemonsGetOnlyFds0To2) {
  const std::string log = dir_ + "/daemon.log";
  auto pid = SpawnDaemon({"bash", "-c", kListFds, dir_ + "/list"}, log);
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  std::string out;
  for (int i = 0; i < 500 && (out = ReadAll(log)).find('\n') == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  KillProcess(IdentifyProcess(*pid), std::chrono::seconds(2));  // by its pid; normally gone already
  EXPECT_EQ(out, "0,1,2\n") << "the test holds fd " << leaked_ << " without O_CLOEXEC";
}

}  // namespace
}  // namespace faultline
