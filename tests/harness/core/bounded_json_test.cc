// Every parser of untrusted text refuses what would crash it: nesting past
// kMaxNesting, numbers out of range, oversized input — with one located line,
// never a crash (each case here once crashed or misreported; see issue 14).
#include "harness/core/bounded_json.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/history/edn.h"
#include "harness/history/history_reader.h"
#include "harness/run/test_spec.h"
#include "tests/faultline_cli.h"

#include <filesystem>
#include <fstream>

namespace faultline {
namespace {

std::string Deep(size_t n, char open = '[', char close = ']') {
  return std::string(n, open) + std::string(n, close);
}

TEST(BoundedJsonTest, NestingIsCountedOutsideStringsOnly) {
  EXPECT_TRUE(CheckJsonNesting(Deep(256)).ok());
  EXPECT_EQ(CheckJsonNesting(Deep(257)).message(), "nesting deeper than 256 (at byte 257)");
  EXPECT_EQ(CheckJsonNesting("{\"a\":[[", 2).message(), "nesting deeper than 2 (at byte 7)");
  // Brackets in strings, escaped quotes included, do not count.
  EXPECT_TRUE(CheckJsonNesting("[\"" + std::string(1000, '[') + "\\\"[[[\"]", 1).ok());
  EXPECT_TRUE(CheckJsonNesting("[1],[2],[3]", 1).ok());  // siblings, not nesting
}

TEST(BoundedJsonTest, ParseErrorsAreOneLineStatuses) {
  auto ok = ParseBoundedJson(R"({"a": [1, {"b": null}]})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["a"][1]["b"], nullptr);
  EXPECT_EQ(ParseBoundedJson(Deep(100000)).status().message(), "nesting deeper than 256 (at byte 257)");
  auto range = ParseBoundedJson("[1e999]");
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.status().message(), "number out of range (number overflow parsing '1e999')");
  JsonError e;
  auto syntax = ParseBoundedJson("{\"a\": ", JsonLimits{}, &e);
  ASSERT_FALSE(syntax.ok());
  EXPECT_TRUE(e.syntax);
  EXPECT_EQ(e.byte, 7u);
  EXPECT_EQ(syntax.status().message().rfind("malformed JSON (at byte 7: ", 0), 0u) << syntax.status().message();
  EXPECT_EQ(ParseBoundedJson("[1,2,3]", JsonLimits{kMaxNesting, 4}).status().message(),
            "7 bytes exceed the limit of 4");
  EXPECT_TRUE(ParseBoundedJsonOrDiscarded(Deep(300)).is_discarded());
  EXPECT_EQ(ParseBoundedJsonOrDiscarded("[2]"), json::parse("[2]"));
}

TEST(BoundedJsonTest, HistoryReadersRefuseHostileInputWithTheLine) {
  std::string op = R"({"type":"invoke","process":0,"f":"read","value":)";
  auto deep = ReadHistoryText(op + "1}\n" + op + Deep(200000) + "}\n", "d.jsonl");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().message(), "d.jsonl:2: nesting deeper than 256 (at byte 304)");
  auto num = ReadHistoryText(op + "1e999}\n", "n.jsonl");
  ASSERT_FALSE(num.ok());
  EXPECT_EQ(num.status().message(), "n.jsonl:1: number out of range (number overflow parsing '1e999')");
  // A float time past int64 (casting it would be undefined behaviour).
  auto time = ReadHistoryText(R"({"type":"invoke","process":0,"f":"read","time":1e300})" "\n", "t.jsonl");
  ASSERT_FALSE(time.ok());
  EXPECT_EQ(time.status().message(), "t.jsonl:1: field \"time\" is out of range");
  auto edn_time = ReadHistoryText("{:type :invoke :process 0 :f :read :time -1e300}", "t.edn");
  ASSERT_FALSE(edn_time.ok());
  EXPECT_EQ(edn_time.status().message(), "t.edn:1: :time is out of range");

  auto edn = ReadHistoryText("[{:type :invoke :process 0 :f :read :value " + Deep(100000) + "}]", "d.edn");
  ASSERT_FALSE(edn.ok());
  EXPECT_EQ(edn.status().message(), "d.edn:1: nesting deeper than 256");
  auto tags = ParseEdn(std::string(100000 * 3, ' ').replace(0, 0, [] {
                std::string t;
                for (int i = 0; i < 100000; ++i) t += "#a ";
                return t;
              }()) + "1");
  ASSERT_FALSE(tags.ok());
  EXPECT_EQ(tags.status().message(), "line 1: nesting deeper than 256");
  // A long run of #_ discards is a loop, not a recursion.
  std::string discards;
  for (int i = 0; i < 200000; ++i) discards += "#_ 1 ";
  auto d = ParseEdn("[" + discards + "2 " + discards + "]");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(*d, json::parse("[2]"));

  auto log = ReadHistoryText("INFO  jepsen.util - 3\t:invoke\t:read\t" + Deep(100000) + "\n", "d.log");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().message().rfind("d.log:1: cannot read the value of this :invoke :read op (line 1: "
                                         "nesting deeper than 256)", 0), 0u) << log.status().message();
}

TEST(BoundedJsonTest, SpecTextIsBounded) {
  auto deep = ParseSpecText("{\"target\": " + Deep(100000) + "}", "s.json");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().message(), "s.json: not a valid spec: nesting deeper than 256 (at byte 267)");
  auto big = ParseSpecText("{\"name\": \"" + std::string(kMaxSpecBytes, 'x') + "\"}", "b.json");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("exceed the limit of 1048576"), std::string::npos);
  auto num = ParseSpecText("{\"time_limit\": 1e999}", "n.json");
  ASSERT_FALSE(num.ok());
  EXPECT_NE(num.status().message().find("number out of range"), std::string::npos);
  EXPECT_EQ(ParseSpecText("[1]", "a.json").status().message(), "a.json: a test spec must be a JSON object");
  auto ok = ParseSpecText(R"({"target": "memory", "time_limit": 5})", "ok.json");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(SpecFromJson(*ok).ok());
}

TEST(BoundedJsonTest, FindsInvalidUtf8) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii, longer than eight bytes"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("abcdefghij\xff"), 10u);
  EXPECT_EQ(FindInvalidUtf8("\xc0\x80"), 0u);            // overlong NUL
  EXPECT_EQ(FindInvalidUtf8("x\xed\xa0\x80"), 1u);       // encoded surrogate U+D800
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);    // past U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ab\xe2\x82"), 2u);           // truncated
}

// Found by the three reader fuzzers: a string with invalid UTF-8 was read
// byte for byte (the JSONL fast path, EDN, Jepsen logs) and a later dump()
// of the op threw (an uncaught exception: abort in the fuzzer, "internal
// error" exit 4 in the CLI). Now the reader names the line and column.
TEST(BoundedJsonTest, HistoryReadersRefuseInvalidUtf8WithTheLine) {
  auto jsonl = ReadHistoryText(R"({"type":"invoke","process":0,"f":"read","value":null})" "\n"
                               "{\"type\":\"invoke\",\"process\":1,\"f\":\"r\xff\"}\n", "u.jsonl");
  ASSERT_FALSE(jsonl.ok());
  EXPECT_EQ(jsonl.status().message(), "u.jsonl:2: invalid UTF-8 (byte 0xFF at column 36)");
  auto edn = ReadHistoryText("[{:type :invoke :process 0\n :f :read\xc3}]", "u.edn");
  ASSERT_FALSE(edn.ok());
  EXPECT_EQ(edn.status().message(), "u.edn:2: invalid UTF-8 (byte 0xC3 at column 10)");
  auto log = ReadHistoryText("INFO  jepsen.util - 3\t:invoke\t:read\tnil\xfe\n", "u.log");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().message(), "u.log:1: invalid UTF-8 (byte 0xFE at column 40)");
  // An EDN \\u escape of a lone surrogate would produce invalid UTF-8 too.
  auto sur = ParseEdn("\"a\\ud83d\"");
  ASSERT_FALSE(sur.ok());
  EXPECT_EQ(sur.status().message(), "line 1: \\u escape of a UTF-16 surrogate \"\\ud83d\"");
  EXPECT_EQ(ParseEdn("\"\\u-001\"").status().message(), "line 1: bad \\u escape \"\\u-001\"");
  EXPECT_EQ(*ParseEdn("\"\\u00e9\""), "\xc3\xa9");
  EXPECT_EQ(ParseEdn(":k\xff").status().message(), "invalid UTF-8 at byte 3");
}

// The real binary: a 200,000-deep history line once died with SIGSEGV, and
// 1e999 once gave "internal error" (exit 4). Both are exit 3, one line.
TEST(BoundedJsonTest, CliAnswersHostileFilesWithExit3AndOneLine) {
  std::string dir = ::testing::TempDir() + "/bounded_json_cli_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string op = R"({"type":"invoke","process":0,"f":"read","value":)";
  std::ofstream(dir + "/deep.jsonl") << op << Deep(200000) << "}\n";
  std::ofstream(dir + "/num.jsonl") << op << "1e999}\n";
  std::ofstream(dir + "/deep-spec.json") << "{\"target\": " << Deep(200000) << "}";
  struct Case {
    std::string args, expected;
  } cases[] = {
      {"check " + dir + "/deep.jsonl",
       "faultline check: " + dir + "/deep.jsonl:1: nesting deeper than 256 (at byte 304)\n"},
      {"check " + dir + "/num.jsonl",
       "faultline check: " + dir + "/num.jsonl:1: number out of range (number overflow parsing '1e999')\n"},
      {"test --spec " + dir + "/deep-spec.json",
       "faultline test: " + dir + "/deep-spec.json: not a valid spec: nesting deeper than 256 (at byte 267)\n"},
  };
  for (const Case& c : cases) {
    FaultlineOutput out = Faultline(c.args);
    EXPECT_EQ(out.code, 3) << c.args << "\n" << out.text;
    EXPECT_EQ(out.text, c.expected);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace faultline
