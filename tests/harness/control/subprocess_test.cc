#include "harness/control/subprocess.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;

TEST(SubprocessTest, RunLocalPassesArgvStdinAndExitCode) {
  // No shell in between: metacharacters arrive verbatim.
  auto echo = RunLocal({"printf", "%s|", "a b", "$HOME", "it's"});
  ASSERT_TRUE(echo.ok()) << echo.status().message();
  EXPECT_EQ(echo->exit_code, 0);
  EXPECT_EQ(echo->out, "a b|$HOME|it's|");
  std::string big(1 << 20, 'x');
  auto wc = RunLocal({"wc", "-c"}, big);
  ASSERT_TRUE(wc.ok());
  EXPECT_EQ(std::stoul(wc->out), big.size());
  auto failing = RunLocal({"sh", "-c", "echo oops >&2; exit 5"});
  ASSERT_TRUE(failing.ok());
  EXPECT_EQ(failing->exit_code, 5);
  EXPECT_EQ(failing->err, "oops\n");
  auto as_error = RunLocalOrError({"sh", "-c", "echo oops >&2; exit 5"});
  ASSERT_FALSE(as_error.ok());
  EXPECT_NE(as_error.status().message().find("exited 5: oops"), std::string::npos)
      << as_error.status().message();
  auto missing = RunLocal({"no-such-program-faultline"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("not found"), std::string::npos);
}

TEST(SubprocessTest, RunLocalTimesOutAndKillsTheProcessGroup) {
  auto t0 = Clock::now();
  auto slow = RunLocal({"sh", "-c", "sleep 20 & sleep 20"}, "", std::chrono::milliseconds(300));
  double took = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_FALSE(slow.ok());
  EXPECT_NE(slow.status().message().find("timed out after 300ms"), std::string::npos);
  EXPECT_LT(took, 5.0);
}

TEST(SubprocessTest, SpawnDaemonDetachesAndKillProcessEndsIt) {
  std::string log = std::filesystem::temp_directory_path() /
                    ("faultline-spawn-" + std::to_string(getpid()) + ".log");
  auto pid = SpawnDaemon({"sh", "-c", "echo started; exec sleep 30"}, log);
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  ProcessId id = IdentifyProcess(*pid);
  ASSERT_NE(id.start_time, 0u);
  EXPECT_TRUE(ProcessAlive(id));
  // Its own session, and not our child (re-parented), so no zombie stays with us.
  EXPECT_NE(getsid(*pid), getsid(0));
  std::ifstream stat("/proc/" + std::to_string(*pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  EXPECT_EQ(line.find(" " + std::to_string(getpid()) + " "), std::string::npos);
  for (int i = 0; i < 100; ++i) {
    std::ifstream in(log);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (content == "started\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ifstream in(log);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "started\n");
  // A different start time means "not the same process": never killed.
  ProcessId impostor{id.pid, id.start_time + 1};
  EXPECT_FALSE(ProcessAlive(impostor));
  EXPECT_TRUE(KillProcess(impostor));
  EXPECT_TRUE(ProcessAlive(id));
  EXPECT_TRUE(KillProcess(id));
  EXPECT_FALSE(ProcessAlive(id));
  std::remove(log.c_str());
}

}  // namespace
}  // namespace faultline
