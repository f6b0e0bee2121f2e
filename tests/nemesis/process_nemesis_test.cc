// kill, pause and clock nemeses against real local processes and files
// (LocalProcessDb over LocalShellRemote); plus option validation of every
// registered nemesis.
#include <signal.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "nemesis/nemesis.h"
#include "tests/nemesis/local_process_db.h"
#include "tests/nemesis/local_shell_remote.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace process_nemesis_test {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// Process state letter from /proc/PID/stat ('S', 'R', 'T', 'Z'...), or 0 if gone.
char ProcState(long pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return 0;
  return stat[close + 2];
}

bool Alive(long pid) {
  char s = ProcState(pid);
  return s != 0 && s != 'Z' && s != 'X';
}

std::unique_ptr<Nemesis> MakeNemesis(const std::string& name, const NemesisOptions& options) {
  auto* entry = NemesisRegistry::Get().Find(name);
  if (entry == nullptr) {
    ADD_FAILURE() << name << " is not registered";
    return nullptr;
  }
  auto n = entry->factory(options);
  if (!n.ok()) {
    ADD_FAILURE() << n.status().message();
    return nullptr;
  }
  return std::move(*n);
}

Op FaultOp(const std::string& f, nlohmann::json value = nullptr) {
  Op op;
  op.type = OpType::kInvoke;
  op.process = kNemesisProcess;
  op.f = f;
  op.value = std::move(value);
  return op;
}

// Waits up to 20 s (the machine may be loaded) for pred() to hold.
bool Eventually(const std::function<bool()>& pred) {
  for (int i = 0; i < 400; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class ProcessNemesisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/faultline-nemesis-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db_ = std::make_unique<LocalProcessDb>(dir_);
    for (int i = 1; i <= 3; ++i) {
      std::string name = "n" + std::to_string(i);
      remotes_.push_back(std::make_unique<LocalShellRemote>(name, "127.0.0." + std::to_string(i)));
      cluster_.nodes.push_back({name, "127.0.0." + std::to_string(i), remotes_.back().get()});
    }
    for (const auto& n : cluster_.nodes) ASSERT_TRUE(db_->Setup(cluster_, n).ok());
  }
  void TearDown() override {
    for (const auto& n : cluster_.nodes) db_->Teardown(cluster_, n);
    std::filesystem::remove_all(dir_);
  }

  long Pid(const std::string& node) {
    std::string text = ReadFile(dir_ + "/" + node + "/store.pid");
    return text.empty() ? -1 : std::stol(text);
  }
  std::string Offset(const std::string& node) { return ReadFile(dir_ + "/" + node + "/faketime"); }

  std::string dir_;
  std::unique_ptr<LocalProcessDb> db_;
  std::vector<std::unique_ptr<LocalShellRemote>> remotes_;
  ClusterInfo cluster_;
};

TEST_F(ProcessNemesisTest, KillCrashesTargetsAndStopRestartsThem) {
  auto kill = MakeNemesis("kill", {{"targets", "minority"}});
  ASSERT_TRUE(kill);
  ASSERT_TRUE(kill->Setup(cluster_, db_.get()).ok());
  EXPECT_EQ(kill->Faults()[0].start, "start-kill");
  std::map<std::string, long> before;
  for (const auto& n : cluster_.nodes) before[n.name] = Pid(n.name);

  Rng rng(3);
  Op started = kill->Invoke(FaultOp("start-kill"), rng);
  EXPECT_EQ(started.type, OpType::kInfo);
  EXPECT_EQ(started.process, kNemesisProcess);
  EXPECT_EQ(started.error, "");
  ASSERT_EQ(started.value["nodes"].size(), 1u);
  const std::string victim = started.value["nodes"][0];
  EXPECT_EQ(started.value["targets"], "minority");
  for (const auto& n : cluster_.nodes) {
    // Signals are delivered asynchronously: wait for the state to show.
    EXPECT_TRUE(Eventually([&] { return Alive(before[n.name]) == (n.name != victim); })) << n.name;
  }

  Op stopped = kill->Invoke(FaultOp("stop-kill"), rng);
  EXPECT_EQ(stopped.value["nodes"], nlohmann::json({victim}));
  EXPECT_NE(Pid(victim), before[victim]);
  EXPECT_TRUE(Alive(Pid(victim)));

  // Explicit targets, healed by Heal instead of stop.
  Op all = kill->Invoke(FaultOp("start-kill", {{"nodes", {"n1", "n2", "n3"}}}), rng);
  EXPECT_EQ(all.error, "");
  for (const auto& n : cluster_.nodes) EXPECT_EQ(Pid(n.name), -1) << "pid file left after kill";
  ASSERT_TRUE(kill->Heal().ok());
  for (const auto& n : cluster_.nodes) EXPECT_TRUE(Alive(Pid(n.name))) << n.name;
  EXPECT_TRUE(kill->Heal().ok()) << "Heal must be idempotent";

  Op bad = kill->Invoke(FaultOp("start-kill", {{"nodes", {"n7"}}}), rng);
  EXPECT_NE(bad.error.find("unknown node \"n7\""), std::string::npos) << bad.error;
}

TEST_F(ProcessNemesisTest, PauseStopsTargetsAndHealResumesThem) {
  auto pause = MakeNemesis("pause", {{"targets", "majority"}});
  ASSERT_TRUE(pause);
  ASSERT_TRUE(pause->Setup(cluster_, db_.get()).ok());
  Rng rng(11);
  Op started = pause->Invoke(FaultOp("start-pause"), rng);
  ASSERT_EQ(started.value["nodes"].size(), 2u) << started.value.dump();
  std::set<std::string> paused = started.value["nodes"].get<std::set<std::string>>();
  for (const auto& n : cluster_.nodes) {
    const bool want = paused.count(n.name) > 0;
    EXPECT_TRUE(Eventually([&] { return (ProcState(Pid(n.name)) == 'T') == want; })) << n.name;
  }
  Op stopped = pause->Invoke(FaultOp("stop-pause"), rng);
  EXPECT_EQ(stopped.value["nodes"].size(), 2u);
  for (const auto& n : cluster_.nodes) {
    EXPECT_TRUE(Eventually([&] { return ProcState(Pid(n.name)) != 'T'; })) << n.name;
  }

  pause->Invoke(FaultOp("start-pause", {{"nodes", {"n2"}}}), rng);
  EXPECT_TRUE(Eventually([&] { return ProcState(Pid("n2")) == 'T'; }));
  ASSERT_TRUE(pause->Heal().ok());
  for (const auto& n : cluster_.nodes) {
    EXPECT_TRUE(Eventually([&] { return ProcState(Pid(n.name)) != 'T'; }))
        << n.name << " still stopped after Heal";
    EXPECT_TRUE(Alive(Pid(n.name)));
  }
}

// What a process under libfaketime with this offset file believes the time
// is, minus the real time, in ms: the interval [lo, hi] the skew lies in (the
// real time is only known to lie between the start and end of the command,
// which can be slow on a loaded machine). Empty (lo > hi) when it cannot run.
std::pair<double, double> FaketimeSkewMs(const std::string& offset_file) {
  const char* lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  if (!std::filesystem::exists(lib)) return {1, 0};
  LocalShellRemote shell("controller", "127.0.0.1");
  auto seconds = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
  };
  const double before = seconds(std::chrono::system_clock::now());
  auto r = ExecOrError(shell, std::string("LD_PRELOAD=") + lib + " FAKETIME_TIMESTAMP_FILE=" +
                                  ShellQuote(offset_file) + " FAKETIME_NO_CACHE=1 date +%s.%N");
  const double after = seconds(std::chrono::system_clock::now());
  if (!r.ok()) return {1, 0};
  const double fake = std::stod(*r);
  return {(fake - after) * 1000 - 20, (fake - before) * 1000 + 20};
}

void ExpectSkew(const std::string& offset_file, double ms) {
  auto [lo, hi] = FaketimeSkewMs(offset_file);
  ASSERT_LE(lo, hi) << "libfaketime not usable";
  EXPECT_LE(lo, ms) << offset_file;
  EXPECT_GE(hi, ms) << offset_file;
}

TEST_F(ProcessNemesisTest, ClockBumpShiftsLibfaketimeAndStopResets) {
  auto clock = MakeNemesis("clock", {{"clock", "bump"}, {"clock-max-skew-ms", "3000"}, {"targets", "all"}});
  ASSERT_TRUE(clock);
  ASSERT_TRUE(clock->Setup(cluster_, db_.get()).ok());
  Rng rng(5);
  Op started = clock->Invoke(FaultOp("start-clock"), rng);
  ASSERT_EQ(started.error, "");
  EXPECT_EQ(started.value["kind"], "bump");
  ASSERT_EQ(started.value["offsets-ms"].size(), 3u) << started.value.dump();
  for (const auto& n : cluster_.nodes) {
    double ms = started.value["offsets-ms"][n.name];
    EXPECT_GE(std::abs(ms), 300);
    EXPECT_LE(std::abs(ms), 3000);
    char want[32];
    std::snprintf(want, sizeof want, "%+.6f", ms / 1000);
    EXPECT_EQ(Offset(n.name), want);
    ExpectSkew(dir_ + "/" + n.name + "/faketime", ms);
  }
  Op stopped = clock->Invoke(FaultOp("stop-clock"), rng);
  EXPECT_EQ(stopped.error, "");
  EXPECT_EQ(stopped.value["offsets-before-ms"], started.value["offsets-ms"]);
  for (const auto& n : cluster_.nodes) {
    EXPECT_EQ(Offset(n.name), "+0");
    ExpectSkew(dir_ + "/" + n.name + "/faketime", 0);
  }
  // Explicit offsets.
  Op exact = clock->Invoke(FaultOp("start-clock", {{"kind", "bump"}, {"offsets-ms", {{"n2", -1500}}}}), rng);
  EXPECT_EQ(exact.value["nodes"], nlohmann::json({"n2"}));
  EXPECT_EQ(Offset("n2"), "-1.500000");
  ASSERT_TRUE(clock->Heal().ok());
  EXPECT_EQ(Offset("n2"), "+0");
}

TEST_F(ProcessNemesisTest, ClockStrobeFlipsUntilHealed) {
  auto clock = MakeNemesis("clock", {{"clock", "strobe"}, {"clock-max-skew-ms", "2000"}, {"targets", "one"}});
  ASSERT_TRUE(clock);
  ASSERT_TRUE(clock->Setup(cluster_, db_.get()).ok());
  Rng rng(8);
  Op started = clock->Invoke(FaultOp("start-clock"), rng);
  ASSERT_EQ(started.error, "");
  ASSERT_EQ(started.value["nodes"].size(), 1u);
  const std::string node = started.value["nodes"][0];
  std::set<std::string> seen;
  EXPECT_TRUE(Eventually([&] {
    seen.insert(Offset(node));
    return seen.size() >= 2 && seen.count("+0");
  })) << "strobe never flipped the offset";
  EXPECT_EQ(seen.size(), 2u) << "strobe flips between one offset and +0 only";
  ASSERT_TRUE(clock->Heal().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(Offset(node), "+0") << "strobe kept running after Heal";
}

TEST_F(ProcessNemesisTest, ClockDriftGrowsUntilStopped) {
  auto clock = MakeNemesis("clock", {{"clock", "drift"}, {"targets", "all"}});
  ASSERT_TRUE(clock);
  ASSERT_TRUE(clock->Setup(cluster_, db_.get()).ok());
  Rng rng(2);
  Op started = clock->Invoke(FaultOp("start-clock"), rng);
  ASSERT_EQ(started.error, "");
  ASSERT_EQ(started.value["rates"].size(), 3u);
  double first = 0;
  EXPECT_TRUE(Eventually([&] { return (first = std::abs(std::stod(Offset("n1")))) > 0; }));
  EXPECT_TRUE(Eventually([&] { return std::abs(std::stod(Offset("n1"))) > first; }))
      << "drift did not accumulate";
  Op stopped = clock->Invoke(FaultOp("stop-clock"), rng);
  EXPECT_EQ(stopped.error, "");
  EXPECT_EQ(stopped.value["nodes"].size(), 3u) << stopped.value.dump();
  for (const auto& n : cluster_.nodes) EXPECT_EQ(Offset(n.name), "+0");
}

TEST_F(ProcessNemesisTest, CapabilitiesAreRequired) {
  auto clock = MakeNemesis("clock", {});
  auto kill = MakeNemesis("kill", {});
  auto pause = MakeNemesis("pause", {});
  ASSERT_TRUE(clock && kill && pause);
  Status s = clock->Setup(cluster_, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("ClockSkewable"), std::string::npos) << s.message();
  EXPECT_NE(kill->Setup(cluster_, nullptr).message().find("Killable"), std::string::npos);
  EXPECT_NE(pause->Setup(cluster_, nullptr).message().find("Pausable"), std::string::npos);
  // In-process targets have no remotes: network faults refuse them.
  ClusterInfo in_process;
  in_process.nodes.push_back({"n1", "n1", nullptr});
  auto partition = MakeNemesis("partition", {});
  ASSERT_TRUE(partition);
  EXPECT_NE(partition->Setup(in_process, nullptr).message().find("no remote"), std::string::npos);
}

TEST(NemesisRegistryTest, EveryFaultIsRegisteredWithItsOps) {
  const std::map<std::string, std::string> want = {
      {"partition", "start-partition"}, {"clock", "start-clock"}, {"kill", "start-kill"},
      {"pause", "start-pause"},         {"packet", "start-packet"}};
  for (const auto& [name, start] : want) {
    auto n = MakeNemesis(name, {});
    ASSERT_TRUE(n) << name;
    EXPECT_EQ(n->name(), name);
    ASSERT_EQ(n->Faults().size(), 1u);
    EXPECT_EQ(n->Faults()[0].start, start);
    EXPECT_EQ(n->Faults()[0].stop, "stop-" + name);
    EXPECT_TRUE(n->Heal().ok()) << "Heal before Setup must be a no-op";
  }
}

TEST(NemesisRegistryTest, BadOptionsAreRejectedWithTheirName) {
  struct Case {
    std::string nemesis;
    NemesisOptions options;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"partition", {{"partition", "triangle"}}, "unknown kind \"triangle\""},
      {"packet", {{"packet-loss", "1.5"}}, "packet-loss: \"1.5\" is not a number in [0, 1]"},
      {"packet", {{"packet-loss", "lots"}}, "packet-loss"},
      {"packet", {{"targets", "most"}}, "unknown targets \"most\""},
      {"clock", {{"clock-strategy", "ntp"}}, "--clock-strategy: \"ntp\""},
      {"clock", {{"clock-max-skew-ms", "-4"}}, "clock-max-skew-ms"},
      {"clock", {{"clock", "bump,warp"}}, "unknown kind \"warp\""},
      {"kill", {{"targets", "half"}}, "unknown targets \"half\""},
      {"pause", {{"targets", ""}, {"x", "y"}}, ""},  // empty = every spec; other keys ignored
  };
  for (const auto& c : cases) {
    auto n = NemesisRegistry::Get().Find(c.nemesis)->factory(c.options);
    if (c.message.empty()) {
      EXPECT_TRUE(n.ok()) << c.nemesis;
      continue;
    }
    ASSERT_FALSE(n.ok()) << c.nemesis << " accepted a bad option";
    EXPECT_NE(n.status().message().find(c.message), std::string::npos) << n.status().message();
  }
}

}  // namespace
}  // namespace process_nemesis_test
}  // namespace faultline
