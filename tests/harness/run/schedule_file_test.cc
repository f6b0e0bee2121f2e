// Schedule files: what a valid file becomes, and one line naming the JSON
// path for each way a file can be wrong.
#include "harness/run/schedule_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace faultline {
namespace {

const std::set<std::string> kKnown = {"partition", "kill", "pause", "clock", "packet"};

TEST(ScheduleFileTest, ParsesTimesActionsAndOptions) {
  auto steps = ParseSchedule(json::parse(R"([
    {"at": 5, "start": "partition", "partition": "leader"},
    {"after": 3, "start": "kill", "targets": "leader"},
    {"after": 6, "stop": "kill"},
    {"at": 10, "start": "pause", "on": "n1,n3", "repeat": 2, "every": 5},
    {"at": 20, "stop": "all"}])"),
                             kKnown, 30);
  ASSERT_TRUE(steps.ok()) << steps.status().message();
  ASSERT_EQ(steps->size(), 5u);
  EXPECT_EQ((*steps)[0].value, json({{"kind", "leader"}}));
  EXPECT_DOUBLE_EQ((*steps)[1].at_s, 8);
  EXPECT_EQ((*steps)[1].value, json({{"targets", "leader"}}));
  EXPECT_DOUBLE_EQ((*steps)[2].at_s, 14);
  EXPECT_FALSE((*steps)[2].start);
  EXPECT_EQ((*steps)[3].value, json({{"nodes", {"n1", "n3"}}}));
  EXPECT_EQ((*steps)[4].fault, "all");
  auto ops = ExpandSchedule(*steps);
  ASSERT_EQ(ops.size(), 6u);
  EXPECT_DOUBLE_EQ(ops[4].at_s, 15);  // the pause's repeat
  EXPECT_EQ(ops[4].step, 3u);
  EXPECT_EQ(ScheduleFaults(*steps), (std::set<std::string>{"partition", "kill", "pause"}));
}

struct Bad {
  const char* file;
  const char* error_prefix;
};

TEST(ScheduleFileTest, EachMistakeIsOneLineNamingItsPath) {
  const Bad cases[] = {
      {R"({"at": 5})", "$: a schedule must be a list of steps"},
      {R"([])", "$: the schedule has no steps"},
      {R"([{"at": 5, "start": "kil"}])", "$[0].start: unknown fault \"kil\""},
      {R"([{"at": 1, "start": "kill"}, {"at": -2, "stop": "kill"}])", "$[1].at: must be >= 0 seconds"},
      {R"([{"start": "kill"}])", "$[0]: needs exactly one of \"at\""},
      {R"([{"at": 1, "after": 2, "start": "kill"}])", "$[0]: needs exactly one of \"at\""},
      {R"([{"at": 1, "start": "kill", "stop": "kill"}])", "$[0]: needs exactly one of \"start\""},
      {R"([{"at": 1, "start": "kill", "targets": "leeder"}])", "$[0].targets: unknown targets \"leeder\""},
      {R"([{"at": 1, "start": "partition", "partition": "thirds"}])", "$[0].partition: unknown partition kind"},
      {R"([{"at": 1, "start": "kill", "partition": "majority"}])", "$[0].partition: only for"},
      {R"([{"at": 1, "start": "partition", "targets": "one"}])", "$[0].targets: a partition takes"},
      {R"([{"at": 1, "stop": "kill", "targets": "one"}])", "$[0].targets: options belong to a start step"},
      {R"([{"at": 1, "start": "kill", "repeat": 3}])", "$[0].repeat: needs \"every\""},
      {R"([{"at": 1, "start": "kill", "repeat": 0, "every": 1}])", "$[0].repeat: must be an integer"},
      {R"([{"at": 1, "start": "kill", "every": 0}])", "$[0].every: must be > 0"},
      {R"([{"at": 1, "start": "kill", "on": [1]}])", "$[0].on[0]: must be a node name"},
      {R"([{"at": 1, "start": "kill", "when": 3}])", "$[0].when: unknown key"},
      {R"([{"at": 1, "start": "kill"}, "stop"])", "$[1]: a step must be an object"},
      {R"([{"at": 31, "start": "kill"}])", "$[0]: runs at 31 s, at or after the end of the main phase (30 s)"},
      {R"([{"at": 20, "start": "kill"}, {"after": 15, "stop": "kill"}])", "$[1]: runs at 35 s"},
  };
  for (const Bad& c : cases) {
    auto steps = ParseSchedule(json::parse(c.file), kKnown, 30);
    ASSERT_FALSE(steps.ok()) << c.file;
    const std::string& m = steps.status().message();
    EXPECT_EQ(m.rfind(c.error_prefix, 0), 0u) << c.file << " gave: " << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(ScheduleFileTest, AFileThatIsNotJsonNamesTheFile) {
  std::string path = (std::filesystem::temp_directory_path() / "faultline-schedule-test.json").string();
  {
    std::ofstream out(path);
    out << "[{\"at\": 5, \"start\": \"kill\"},";
  }
  auto steps = LoadScheduleFile(path, kKnown, 30);
  ASSERT_FALSE(steps.ok());
  EXPECT_EQ(steps.status().message().rfind(path + ": $: not valid JSON", 0), 0u) << steps.status().message();
  std::filesystem::remove(path);
  auto missing = LoadScheduleFile(path, kKnown, 30);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot read the schedule file"), std::string::npos);
}

}  // namespace
}  // namespace faultline
