// AdapterProcess on its own: an adapter dies with the thread that started it
// (PR_SET_PDEATHSIG), so one abandoned by its worker — or by a controller
// killed with SIGKILL — never outlives the run; and its stdout/stderr work
// line by line with deadlines.
#include "targets/external/adapter_process.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;

// 'Z' for a zombie (dead, not yet reaped), 'S'/'R' while it runs, 0 when gone.
char State(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? 0 : stat[close + 2];
}

TEST(AdapterProcessTest, ReadsLinesWithDeadlinesAndKeepsTheStderrTail) {
  AdapterProcess::Options o;
  o.argv = {"bash", "-c", "read l; echo \"got $l\"; echo oops >&2; echo \"$FOO\"; sleep 5"};
  o.dir = "/";
  o.env = {{"FOO", "bar"}};
  auto p = AdapterProcess::Start(o);
  ASSERT_TRUE(p.ok()) << p.status().message();
  auto& a = **p;
  ASSERT_TRUE(a.WriteLine("hello", Clock::now() + std::chrono::seconds(5)).ok());
  std::string line;
  ASSERT_EQ(a.ReadLine(Clock::now() + std::chrono::seconds(5), &line), AdapterProcess::Read::kLine);
  EXPECT_EQ(line, "got hello");
  ASSERT_EQ(a.ReadLine(Clock::now() + std::chrono::seconds(5), &line), AdapterProcess::Read::kLine);
  EXPECT_EQ(line, "bar");
  auto t0 = Clock::now();
  EXPECT_EQ(a.ReadLine(Clock::now() + std::chrono::milliseconds(200), &line), AdapterProcess::Read::kTimeout);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(1));
  EXPECT_EQ(a.StderrTail(), "oops");
  pid_t pid = a.pid();
  a.Kill();
  EXPECT_EQ(State(pid), 0);
}

TEST(AdapterProcessTest, AnAdapterDiesWithTheThreadThatStartedIt) {
  std::unique_ptr<AdapterProcess> adapter;
  std::thread([&] {
    AdapterProcess::Options o;
    o.argv = {"sleep", "1000"};
    o.dir = "/";
    auto p = AdapterProcess::Start(o);
    ASSERT_TRUE(p.ok()) << p.status().message();
    adapter = std::move(*p);
  }).join();
  ASSERT_TRUE(adapter);
  pid_t pid = adapter->pid();
  for (int i = 0; i < 100 && State(pid) != 'Z'; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(State(pid), 'Z') << "still running after its thread ended";
  EXPECT_EQ(adapter->ExitDescription(), "killed by signal 9 (Killed)");
  adapter.reset();
  EXPECT_EQ(State(pid), 0);
}

TEST(AdapterProcessTest, AProgramThatIsNotThereIsAnError) {
  AdapterProcess::Options o;
  o.argv = {"no-such-adapter-xyz"};
  o.dir = "/";
  auto p = AdapterProcess::Start(o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "adapter program \"no-such-adapter-xyz\" is not on PATH");
  o.argv = {"/nonexistent/adapter"};
  auto q = AdapterProcess::Start(o);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("cannot start adapter /nonexistent/adapter: "), std::string::npos)
      << q.status().message();
}

}  // namespace
}  // namespace faultline
