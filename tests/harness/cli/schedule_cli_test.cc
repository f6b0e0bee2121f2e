// `faultline test --nemesis-schedule`, end to end with the real binary: a bad
// schedule file is refused before anything runs — exit 3, one line naming the
// file and the JSON path, no seed line and no run directory — and a bad mode
// or an unreadable file says what the flag takes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/faultline_cli.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

struct BadFile {
  const char* text;
  const char* error;  // after "<file>: "
};

TEST(ScheduleCliTest, MalformedScheduleFilesExit3WithOneLineNamingTheJsonPath) {
  std::string dir = TempDir("schedule-cli");
  ASSERT_FALSE(dir.empty());
  const BadFile cases[] = {
      {R"([{"at": 5, "start": "partition"}, {"at": 8, "start": "kil"}])", "$[1].start: unknown fault \"kil\""},
      {R"([{"at": 5, "start": "kill", "targets": "leeder"}])", "$[0].targets: unknown targets \"leeder\""},
      {R"([{"at": 5, "start": "partition"}, {"after": -1, "stop": "partition"}])", "$[1].after: must be >= 0"},
      {R"([{"at": 5, "start": "partition", "partition": "thirds"}])", "$[0].partition: unknown partition kind"},
      {R"({"steps": []})", "$: a schedule must be a list of steps"},
      {R"([{"at": 5, "start": "kill", "repeat": 4}])", "$[0].repeat: needs \"every\""},
      {R"([{"at": 45, "start": "kill"}])", "$[0]: runs at 45 s, at or after the end of the main phase (30 s)"},
      {R"([{"at": 5, "start": "kill"},])", "$: not valid JSON"},
  };
  int i = 0;
  for (const BadFile& c : cases) {
    std::string file = dir + "/bad" + std::to_string(i++) + ".json";
    std::ofstream(file) << c.text;
    FaultlineOutput o = Faultline("test --time-limit 30 --nemesis-schedule " + file + " --store " + dir + "/store");
    EXPECT_EQ(o.code, 3) << c.text << "\n" << o.text;
    std::string want = "faultline test: --nemesis-schedule: " + file + ": " + c.error;
    EXPECT_EQ(o.text.rfind(want, 0), 0u) << "want: " << want << "\ngot: " << o.text;
    ASSERT_FALSE(o.text.empty());
    EXPECT_EQ(o.text.find('\n'), o.text.size() - 1) << "one line: " << o.text;
    EXPECT_FALSE(fs::exists(dir + "/store")) << "nothing ran";
  }
  FaultlineOutput mode = Faultline("test --nemesis-schedule overlapp --store " + dir + "/store");
  EXPECT_EQ(mode.code, 3) << mode.text;
  EXPECT_NE(mode.text.find("overlapp: cannot read the schedule file (the flag takes overlap, alternate or a FILE)"),
            std::string::npos)
      << mode.text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace faultline
