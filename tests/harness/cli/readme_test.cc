// The README's examples, run verbatim so that they cannot drift from what
// faultline prints. A block is checked when the line before its opening
// fence is `<!-- readme-test -->` (or `<!-- readme-test: numbers vary -->`);
// it is a transcript: `$ ` lines are commands, the lines under one what it
// prints. The block's commands run in order in one bash (so `cd` and `echo $?`
// work), in a fresh directory holding a copy of tests/data and a `build` link
// to the build directory, with the build directory first on PATH and stderr
// joined to stdout. Each command's output must match its lines, except
// (README.md, Development, says the same):
//   - `...` within a line stands for any text; a line that is only `...`
//     for any number of lines (none included);
//   - a duration (a number followed by `s`, `ms` or `µs`) matches any duration;
//   - a run directory's timestamp (20261206T210512.604) any timestamp;
//   - `faultline <version>` any version;
//   - trailing spaces are ignored;
//   - in a "numbers vary" block (a timed run) every number matches any number.
// Blocks run side by side (each in its own directory), so the suite waits for
// the longest one (a 5 s memory run), not their sum.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <regex>
#include <string>
#include <vector>

#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMinMarkedBlocks = 10;

struct Step {
  std::string command;
  std::vector<std::string> expected;
};

struct Block {
  size_t line = 0;  // 1-based line of the opening fence in README.md
  bool numbers_vary = false;
  std::vector<Step> steps;
};

std::vector<Block> MarkedBlocks(const std::string& readme) {
  std::vector<std::string> lines;
  std::istringstream in(readme);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<Block> out;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    const std::string& mark = lines[i];
    if (mark.rfind("<!-- readme-test", 0) != 0 || lines[i + 1].rfind("```", 0) != 0) continue;
    Block b;
    b.line = i + 2;
    b.numbers_vary = mark.find("numbers vary") != std::string::npos;
    for (size_t j = i + 2; j < lines.size() && lines[j].rfind("```", 0) != 0; ++j) {
      if (lines[j].rfind("$ ", 0) == 0) {
        b.steps.push_back({lines[j].substr(2), {}});
      } else if (!b.steps.empty()) {
        b.steps.back().expected.push_back(lines[j]);
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

std::string RegexEscape(char c) {
  static const std::string special = R"(\^$.|?*+()[]{}/)";
  return special.find(c) != std::string::npos ? std::string("\\") + c : std::string(1, c);
}

// One expected line as a regular expression, by the rules above.
std::regex LinePattern(const std::string& line, bool numbers_vary) {
  static const std::regex duration(R"(^[0-9]+(\.[0-9]+)? ?(s|ms|\xC2\xB5s)(?![A-Za-z0-9]))");
  static const std::regex timestamp(R"(^[0-9]{8}T[0-9]{6}\.[0-9]{3})");
  static const std::regex version(R"(^faultline [0-9]+\.[0-9]+\.[0-9]+(\+[0-9a-f]+)?)");
  std::string p = "^";
  std::string text = line;
  while (!text.empty() && text.back() == ' ') text.pop_back();
  for (size_t i = 0; i < text.size();) {
    std::smatch m;
    std::string rest = text.substr(i);
    bool word_start = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    if (rest.rfind("...", 0) == 0) {
      p += ".*";
      i += 3;
    } else if (std::regex_search(rest, m, version) && word_start) {
      p += R"(faultline [0-9]+\.[0-9]+\.[0-9]+(\+[0-9a-f]+)?)";
      i += m.length(0);
    } else if (std::regex_search(rest, m, timestamp)) {
      p += R"([0-9]{8}T[0-9]{6}\.[0-9]{3})";
      i += m.length(0);
    } else if (word_start && std::regex_search(rest, m, duration)) {
      p += R"([0-9]+(\.[0-9]+)? ?(s|ms|\xC2\xB5s))";
      i += m.length(0);
    } else if (numbers_vary && std::isdigit(static_cast<unsigned char>(text[i]))) {
      size_t j = i;
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      p += "[0-9]+";
      i = j;
    } else {
      p += RegexEscape(text[i]);
      ++i;
    }
  }
  return std::regex(p + " *$");
}

// Whether `actual` matches `expected` from positions i, j (a line "..."
// matches any run of lines).
bool Matches(const std::vector<std::string>& expected, const std::vector<std::regex>& patterns,
             const std::vector<std::string>& actual, size_t i, size_t j) {
  if (i == expected.size()) return j == actual.size();
  if (expected[i] == "...") {
    for (size_t k = j; k <= actual.size(); ++k) {
      if (Matches(expected, patterns, actual, i + 1, k)) return true;
    }
    return false;
  }
  return j < actual.size() && std::regex_match(actual[j], patterns[i]) &&
         Matches(expected, patterns, actual, i + 1, j + 1);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Runs the block's commands in one bash in `dir`; returns each command's output.
std::vector<std::string> RunBlock(const Block& b, const std::string& dir) {
  const std::string marker = "@@readme-test-step@@";
  std::string script = "exec 2>&1\ncd '" + dir + "' || exit 99\nexport PATH='" + std::string(FAULTLINE_BINARY_DIR) +
                       "':\"$PATH\"\nreadme_rc=0\n";
  // `$?` after the marker's echo is the previous command's status again, for `echo $?`.
  for (const Step& s : b.steps) {
    script += "echo '" + marker + "'\n(exit $readme_rc)\n" + s.command + "\nreadme_rc=$?\n";
  }
  fs::path file = fs::path(dir) / ".readme-block.sh";
  {
    std::ofstream out(file);
    out << script;
  }
  std::string text;
  FILE* p = popen(("bash '" + file.string() + "' < /dev/null").c_str(), "r");
  if (p == nullptr) return {};
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
  pclose(p);
  fs::remove(file);
  std::vector<std::string> outputs;
  for (const std::string& l : Lines(text)) {
    if (l == marker) outputs.emplace_back();
    else if (!outputs.empty()) outputs.back() += l + "\n";
  }
  return outputs;
}

TEST(ReadmeTest, MarkedExamplesPrintWhatTheReadmeShows) {
  std::string readme = ReadAll(std::string(FAULTLINE_SOURCE_DIR) + "/README.md");
  ASSERT_FALSE(readme.empty());
  std::vector<Block> blocks = MarkedBlocks(readme);
  ASSERT_GE(blocks.size(), kMinMarkedBlocks) << "README.md lost its <!-- readme-test --> marks";

  // Removes the blocks' directories however the test ends (declared before
  // the futures, so it runs after they have finished).
  struct Dirs {
    std::vector<std::string> list;
    ~Dirs() {
      for (const std::string& d : list) fs::remove_all(d);
    }
  } dirs;
  std::vector<std::future<std::vector<std::string>>> runs;
  for (const Block& b : blocks) {
    ASSERT_FALSE(b.steps.empty()) << "README.md:" << b.line << ": a marked block without a `$ ` command";
    std::string dir = TempDir("readme");
    ASSERT_FALSE(dir.empty());
    dirs.list.push_back(dir);
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "tests", ec);
    fs::copy(std::string(FAULTLINE_SOURCE_DIR) + "/tests/data", fs::path(dir) / "tests" / "data",
             fs::copy_options::recursive, ec);
    ASSERT_FALSE(ec) << ec.message();
    fs::create_directory_symlink(FAULTLINE_BINARY_DIR, fs::path(dir) / "build", ec);
    ASSERT_FALSE(ec) << ec.message();
    runs.push_back(std::async(std::launch::async, RunBlock, std::cref(b), dir));
  }
  for (size_t k = 0; k < blocks.size(); ++k) {
    const Block& b = blocks[k];
    std::vector<std::string> outputs = runs[k].get();
    ASSERT_EQ(outputs.size(), b.steps.size()) << "README.md:" << b.line;
    for (size_t s = 0; s < b.steps.size(); ++s) {
      const Step& step = b.steps[s];
      std::vector<std::regex> patterns;
      for (const std::string& e : step.expected) patterns.push_back(LinePattern(e, b.numbers_vary));
      std::vector<std::string> actual = Lines(outputs[s]);
      std::vector<std::string> expected = step.expected;
      // A trailing blank line in the block is layout, not output.
      while (!expected.empty() && expected.back().empty()) {
        expected.pop_back();
        patterns.pop_back();
      }
      EXPECT_TRUE(Matches(expected, patterns, actual, 0, 0))
          << "README.md:" << b.line << ": `" << step.command << "` printed:\n"
          << outputs[s] << "--- the README shows:\n"
          << [&] {
               std::string t;
               for (const auto& e : step.expected) t += e + "\n";
               return t;
             }();
    }
  }
}

// The rules themselves, on lines of their own: what is ignored and what is not.
TEST(ReadmeTest, MatchingRules) {
  auto match = [](const std::string& expected, const std::string& actual, bool vary = false) {
    return std::regex_match(actual, LinePattern(expected, vary));
  };
  EXPECT_TRUE(match("checked in 0.0s; results in store/x/20261126T083218.301/results.json",
                    "checked in 1.2s; results in store/x/20261206T210512.604/results.json"));
  EXPECT_TRUE(match("a.edn: invalid (rw-register, 2 txns, 0.000 s)", "a.edn: invalid (rw-register, 2 txns, 0.076 s)"));
  EXPECT_TRUE(match("faultline 0.1.0+ceff2b6", "faultline 0.1.0+1a804eb"));
  EXPECT_TRUE(match("  ringstore         .../build/ringstore", "  ringstore         /work/x/build/ringstore"));
  EXPECT_TRUE(match("recorded 938 events: ok 348", "recorded 1000 events: ok 368", true));
  // Not ignored: counts outside a "numbers vary" block, words, a trailing Z.
  EXPECT_FALSE(match("recorded 938 events: ok 348", "recorded 1000 events: ok 368"));
  EXPECT_FALSE(match("a.edn: invalid (3 txns)", "a.edn: valid (3 txns)"));
  EXPECT_FALSE(match("run dir store/x/20261126T083218.301Z", "run dir store/x/20261126T083218.301"));
  EXPECT_FALSE(match("5 workers", "6 workers"));
  std::vector<std::string> expected = {"a", "...", "z"};
  std::vector<std::regex> patterns = {LinePattern("a", false), LinePattern("...", false), LinePattern("z", false)};
  EXPECT_TRUE(Matches(expected, patterns, {"a", "z"}, 0, 0));
  EXPECT_TRUE(Matches(expected, patterns, {"a", "b", "c", "z"}, 0, 0));
  EXPECT_FALSE(Matches(expected, patterns, {"a", "b"}, 0, 0));
}

}  // namespace
}  // namespace faultline
