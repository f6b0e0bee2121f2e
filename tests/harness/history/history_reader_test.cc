#include "harness/history/history_reader.h"

#include <gtest/gtest.h>

#include "harness/history/edn.h"
#include "harness/history/jepsen_log.h"

namespace faultline {
namespace {

TEST(EdnTest, ReadsTheWholeNotation) {
  auto v = ParseEdn(R"({:a nil, :b true :c false :d -12 :e 1.5 :f 7N :g 2.5M :h 1/4
                       :s "x \"q\" {braces} \\ \n end" :k :ns/kw :sym foo.bar
                       :v [1 [2]] :l (1 2) :set #{3} :tagged #inst "2020" :disc [1 #_ 2 3]
                       :ch [\a \newline] ; comment {
                       "str-key" 1 [1 2] :vec-key})");
  ASSERT_TRUE(v.ok()) << v.status().message();
  const json& j = *v;
  EXPECT_TRUE(j["a"].is_null());
  EXPECT_EQ(j["b"], true);
  EXPECT_EQ(j["c"], false);
  EXPECT_EQ(j["d"], -12);
  EXPECT_EQ(j["e"], 1.5);
  EXPECT_EQ(j["f"], 7);
  EXPECT_EQ(j["g"], 2.5);
  EXPECT_EQ(j["h"], 0.25);
  EXPECT_EQ(j["s"], "x \"q\" {braces} \\ \n end");
  EXPECT_EQ(j["k"], "ns/kw");
  EXPECT_EQ(j["sym"], "foo.bar");
  EXPECT_EQ(j["v"], json::parse("[1,[2]]"));
  EXPECT_EQ(j["l"], json::parse("[1,2]"));
  EXPECT_EQ(j["set"], json::parse("[3]"));
  EXPECT_EQ(j["tagged"], "2020");
  EXPECT_EQ(j["disc"], json::parse("[1,3]"));
  EXPECT_EQ(j["ch"], json::parse(R"(["a","\n"])"));
  EXPECT_EQ(j["str-key"], 1);
  EXPECT_EQ(j["[1,2]"], "vec-key");
}

// Ratios: the numerator's end pointer once pointed into a destroyed
// temporary (found by the EDN fuzzer under ASan; gcc builds happened to work).
TEST(EdnTest, RatiosAndTheirErrors) {
  EXPECT_EQ(*ParseEdn("-1/2"), -0.5);
  EXPECT_EQ(*ParseEdn("[3/4 10/5]"), json::parse("[0.75, 2.0]"));
  EXPECT_EQ(ParseEdn("1x/2").status().message(), "line 1: bad ratio \"1x/2\"");
  EXPECT_EQ(ParseEdn("1/2y").status().message(), "line 1: bad ratio \"1/2y\"");
  EXPECT_EQ(ParseEdn("3/0").status().message(), "line 1: bad ratio \"3/0\"");
}

TEST(EdnTest, ErrorsNameTheLine) {
  auto v = ParseEdn("[1\n 2\n {:a 1");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("line 3"), std::string::npos) << v.status().message();
  EXPECT_NE(v.status().message().find("never closed"), std::string::npos) << v.status().message();
  auto s = ParseEdn("\"abc");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("string opened on line 1"), std::string::npos);
  EXPECT_FALSE(ParseEdn("[1 2)").ok());
  EXPECT_FALSE(ParseEdn("{:a}").ok());
}

TEST(HistoryReaderTest, ReadsEdnCollectionsStreamsAndTaggedOps) {
  const char* vec = R"(; a comment
[{:type :invoke, :f :write, :value 1, :process 0}
 {:type :ok, :f :write, :value 1, :process 0, :error "x {y}"}
 {:type :info, :f :start, :value nil, :process :nemesis}])";
  auto h = ReadHistoryText(vec, "h.edn");
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].f, "write");
  EXPECT_EQ((*h)[1].type, OpType::kOk);
  EXPECT_EQ((*h)[1].error, "x {y}");
  EXPECT_TRUE((*h)[2].is_nemesis());
  EXPECT_EQ((*h)[2].index, 2);

  const char* stream = "#jepsen.history.Op{:index 0 :time 5 :type :invoke :process 1 :f :read :value nil :key :k}\n"
                       "#jepsen.history.Op{:index 1 :time 9 :type :ok :process 1 :f :read :value 3 :key :k :extra 1}\n";
  auto s = ReadHistoryText(stream, "s.edn");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[1].value, 3);
  EXPECT_EQ((*s)[1].key, "k");
  EXPECT_EQ((*s)[1].time, 9);
  EXPECT_EQ((*s)[1].extra["extra"], 1);
}

// Nested list values (transactions) take a fast path; it must agree with
// nlohmann on every value, and leave anything unusual to the slow path.
TEST(HistoryReaderTest, NestedListValuesReadAsNlohmannDoes) {
  const char* values[] = {
      R"([["append",3,7],["r",4,[1,2]],["r",5,null]])", R"([ [ 1 , 2 ] , null , [] ])", R"([[[[-3]]],"x",[]])",
      R"([["a\"b",1]])", R"([[1.5,2]])", R"([[true]])", R"([["é",{"k":1}]])", R"([[99999999999999999999]])",
  };
  for (const char* v : values) {
    std::string line = std::string(R"({"type":"invoke","process":0,"f":"txn","value":)") + v + "}\n";
    auto h = ReadHistoryText(line, "t.jsonl", HistoryFormat::kJsonl);
    if (std::string(v).find("99999999999999999999") != std::string::npos) continue;  // slow path's call; no crash
    ASSERT_TRUE(h.ok()) << v << ": " << h.status().message();
    EXPECT_EQ((*h)[0].value, json::parse(v)) << v;
  }
  for (const char* bad : {R"([[1,2],])", R"([[1,2])", R"([["x",01x]])"}) {
    std::string line = std::string(R"({"type":"invoke","process":0,"f":"txn","value":)") + bad + "}\n";
    auto h = ReadHistoryText(line, "t.jsonl", HistoryFormat::kJsonl);
    EXPECT_FALSE(h.ok()) << bad;
    if (!h.ok()) {
      EXPECT_EQ(h.status().message().rfind("t.jsonl:1: malformed JSON", 0), 0u) << h.status().message();
    }
  }
}

// Found by fuzzing: an unknown type with an escaped newline made a two-line error.
TEST(HistoryReaderTest, UnknownTypeErrorStaysOneLine) {
  auto h = ReadHistoryText(R"({"type":"in\nvoke","process":0,"f":"read"})" "\n", "t.jsonl", HistoryFormat::kJsonl);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().message().find('\n'), std::string::npos) << h.status().message();
  EXPECT_NE(h.status().message().find("in\\x0Avoke"), std::string::npos) << h.status().message();
}

TEST(HistoryReaderTest, ReadsJsonlAndKeepsExtraFields) {
  const char* text =
      R"({"index":0,"time":1,"type":"invoke","process":3,"f":"cas","key":"k7","value":[1,4],"node":"n2","trace":"t"})"
      "\n"
      R"({"index":1,"time":2,"type":"ok","process":3,"f":"cas","key":"k7","value":[1,4],"node":"n2"})"
      "\n\n";
  auto h = ReadHistoryText(text, "h.jsonl");
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].extra["trace"], "t");
  EXPECT_EQ(OpToJson((*h)[0])["trace"], "t");
  EXPECT_EQ((*h)[1].node, "n2");
}

// The reader has a fast path for canonical lines; every line must read
// exactly as the general JSON parser + OpFromJson reads it.
TEST(HistoryReaderTest, JsonlFastPathMatchesTheGeneralParser) {
  std::vector<std::string> lines = {
      R"({"index":0,"time":1,"type":"invoke","process":3,"f":"cas","key":"k7","value":[1,4]})",
      R"({"index":1,"time":2,"type":"ok","process":3,"f":"cas","key":"k7","value":[1, 4 ]})",
      R"( { "type" : "invoke" , "process" : 4 , "f" : "write" , "value" : -17 } )",
      R"({"type":"ok","process":4,"f":"write","value":-17,"node":"n1","trace":{"a":[1,{"b":"}"}]}})",
      R"({"type":"invoke","process":5,"f":"append","key":["k",1],"value":"a\"b\\c\u00e9"})",
      R"({"type":"info","process":5,"f":"append","key":["k",1],"value":"x","error":{"why":"timeout"}})",
      R"({"type":"invoke","process":6,"f":"read","value":null,"time":1.5e3})",
      R"({"type":"ok","process":6,"f":"read","value":[null,2,[3]]})",
      R"({"type":"info","process":"nemesis","f":"start-partition","value":{"n1":["n2"]},"error":"e"})",
      R"({"type":"invoke","process":7,"f":"set-read","value":[]})",
      R"({"type":"ok","process":7,"f":"set-read","value":[1,"two",3.5,true]})",
  };
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  auto h = ReadHistoryText(text, "fast.jsonl", HistoryFormat::kJsonl);
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    auto slow = OpFromJson(json::parse(lines[i]));
    ASSERT_TRUE(slow.ok()) << lines[i];
    if (slow->index < 0) slow->index = static_cast<int64_t>(i);
    EXPECT_EQ(OpToJson((*h)[i]), OpToJson(*slow)) << lines[i];
    EXPECT_EQ((*h)[i].value, slow->value) << lines[i];
    EXPECT_EQ((*h)[i].key, slow->key) << lines[i];
    EXPECT_EQ((*h)[i].error, slow->error) << lines[i];
  }
  // Almost-canonical lines with errors still get the general parser's message.
  auto bad = ReadHistoryText(R"({"type":"invoke","process":1,"f":"cas","value":[1,]})" "\n", "b.jsonl");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("b.jsonl:1: malformed JSON", 0), 0u) << bad.status().message();
  auto dup = ReadHistoryText(R"({"type":"invoke","process":1,"process":-2,"f":"read"})" "\n", "d.jsonl");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("negative"), std::string::npos) << dup.status().message();
}

TEST(HistoryReaderTest, ReadsJepsenLogs) {
  const char* text =
      "2017-03-16 08:53:13,617{GMT}\tINFO\t[jepsen worker 3] jepsen.util: 3\t:invoke\t:read\tnil\n"
      "INFO  jepsen.core - Running test\n"
      "INFO  jepsen.util - 4     :invoke   :cas    [1 4]\n"
      "INFO  jepsen.util - 3\t:ok\t:read\t2\n"
      "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
      "INFO  jepsen.util - 4\t:info\t:cas\t[1 4]\tindeterminate: timed out\n";
  auto h = ReadHistoryText(text, "jepsen.log");
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->size(), 5u);
  EXPECT_EQ((*h)[1].value, json::parse("[1,4]"));
  EXPECT_EQ((*h)[2].value, 2);
  EXPECT_TRUE((*h)[3].is_nemesis());
  EXPECT_EQ((*h)[4].error, "indeterminate: timed out");
  auto bad = ReadHistoryText("INFO  jepsen.util - 3\t:ok\t:read\t[1 2\n", "j.log", HistoryFormat::kJepsenLog);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("j.log:1: ", 0), 0u) << bad.status().message();
}

TEST(HistoryReaderTest, ValidationErrorsAreOneLineWithTheLocation) {
  std::string text =
      R"({"type":"invoke","process":3,"f":"read","value":null})" "\n"
      R"({"type":"invoke","process":4,"f":"read","value":null})" "\n"
      R"({"type":"invoke","process":3,"f":"write","value":1})" "\n";
  auto h = ReadHistoryText(text, "h.jsonl");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().message(), "h.jsonl:3: process 3 invoked :write while its :read (line 1) is still open");

  auto orphan = ReadHistoryText("[{:type :ok :f :read :value 1 :process 2}]", "o.edn");
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.status().message(), "o.edn:1: process 2 completed :read (:ok) without a matching invoke");

  auto mismatch = ReadHistoryText("[{:type :invoke :f :read :process 2}\n{:type :ok :f :write :process 2}]", "m.edn");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("m.edn:2: "), std::string::npos) << mismatch.status().message();

  auto crashed = ReadHistoryText(
      "[{:type :invoke :f :read :process 2}\n{:type :info :f :read :process 2}\n{:type :invoke :f :read :process 2}]",
      "c.edn");
  ASSERT_FALSE(crashed.ok());
  EXPECT_NE(crashed.status().message().find("c.edn:3: process 2 invoked :read after its :read (line 1) ended with :info"),
            std::string::npos)
      << crashed.status().message();
}

// A sink that takes values it likes ("[...]" of one line) as text.
class RecordingSink : public HistorySink {
 public:
  bool TakeValue(std::string_view text) override {
    if (text.empty() || text[0] != '[') return false;
    taken_text_ = std::string(text);
    return true;
  }
  Status OnOp(Op&& op, int line, bool value_taken) override {
    seen.push_back({op.index, line, value_taken ? "taken:" + taken_text_ : op.value.dump()});
    return Status::Ok();
  }
  struct Seen {
    int64_t index;
    int line;
    std::string value;
    bool operator==(const Seen& o) const { return index == o.index && line == o.line && value == o.value; }
  };
  std::vector<Seen> seen;

 private:
  std::string taken_text_;
};

TEST(HistoryReaderTest, StreamingHandsEachOpToTheSinkWithItsLine) {
  std::string text =
      R"({"type":"invoke","process":3,"f":"txn","value":[["r",1,null]]})" "\n\n"
      R"({"type":"ok","process":3,"f":"txn","value":[["r",1,[2]]],"extr\u0061":1})" "\n"  // leaves the fast path
      R"({"index":7,"type":"info","process":"nemesis","f":"start","value":{"n1":["n2"]}})" "\n";
  RecordingSink sink;
  ASSERT_TRUE(StreamHistoryText(text, "h.jsonl", HistoryFormat::kAuto, &sink).ok());
  EXPECT_EQ(sink.seen, (std::vector<RecordingSink::Seen>{{0, 1, "taken:[[\"r\",1,null]]"},
                                                          {1, 3, "[[\"r\",1,[2]]]"},
                                                          {7, 4, "{\"n1\":[\"n2\"]}"}}));
  // EDN: every value as json.
  RecordingSink edn;
  ASSERT_TRUE(StreamHistoryText("[{:type :invoke :f :txn :value [[:r 1 nil]] :process 0}]", "h.edn",
                                HistoryFormat::kAuto, &edn)
                  .ok());
  EXPECT_EQ(edn.seen, (std::vector<RecordingSink::Seen>{{0, 1, "[[\"r\",1,null]]"}}));
}

// A sink that records the reader's progress reports.
class ProgressSink : public HistorySink {
 public:
  void OnProgress(size_t done, size_t total) override { reports.push_back({done, total}); }
  Status OnOp(Op&& op, int, bool) override {
    ops += !op.is_nemesis();
    return Status::Ok();
  }
  std::vector<std::pair<size_t, size_t>> reports;
  size_t ops = 0;
};

// JSON Lines of some MB: the sink hears how far the reader is, every few
// MB, in order, each short of the whole text's size (that is how the txn
// loader sizes its arrays once); a small text reports nothing.
TEST(HistoryReaderTest, StreamingReportsProgressEveryFewMegabytes) {
  std::string text;
  const std::string pair = R"({"type":"invoke","process":1,"f":"read","value":null})" "\n"
                           R"({"type":"ok","process":1,"f":"read","value":12345})" "\n";
  while (text.size() < (size_t{13} << 20)) text += pair;
  ProgressSink sink;
  ASSERT_TRUE(StreamHistoryText(text, "big.jsonl", HistoryFormat::kAuto, &sink).ok());
  ASSERT_EQ(sink.reports.size(), 3u);  // past 4, 8 and 12 MB
  for (size_t i = 0; i < sink.reports.size(); ++i) {
    EXPECT_EQ(sink.reports[i].second, text.size());
    EXPECT_GE(sink.reports[i].first, (i + 1) * (size_t{4} << 20));
    EXPECT_LT(sink.reports[i].first, text.size());
  }
  EXPECT_EQ(sink.ops, text.size() / pair.size() * 2);
  ProgressSink small;
  ASSERT_TRUE(StreamHistoryText(pair, "small.jsonl", HistoryFormat::kAuto, &small).ok());
  EXPECT_TRUE(small.reports.empty());
}

TEST(HistoryReaderTest, StreamingReportsErrorsAsTheWholeReader) {
  // A process-model violation (line 2), then a malformed line (3): both
  // readers name the malformed line; without it, the violation.
  std::string violation =
      R"({"type":"invoke","process":3,"f":"read","value":null})" "\n"
      R"({"type":"invoke","process":3,"f":"read","value":null})" "\n";
  for (const std::string& text : {violation + "{\"type\":\n", violation}) {
    RecordingSink sink;
    Status streamed = StreamHistoryText(text, "h.jsonl", HistoryFormat::kAuto, &sink);
    auto whole = ReadHistoryText(text, "h.jsonl");
    ASSERT_FALSE(streamed.ok());
    ASSERT_FALSE(whole.ok());
    EXPECT_EQ(streamed.message(), whole.status().message());
    EXPECT_EQ(streamed.message().substr(0, 10), text.size() > violation.size() ? "h.jsonl:3:" : "h.jsonl:2:");
  }
}

TEST(HistoryReaderTest, OpenInvocationsAtTheEndAreKept) {
  auto h = ReadHistoryText("[{:type :invoke :f :write :value 1 :process 0}]", "open.edn");
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->size(), 1u);
  EXPECT_TRUE((*h)[0].is_invoke());
}

TEST(HistoryReaderTest, TruncatedAndGarbageInputIsRejectedWithTheLine) {
  auto trunc = ReadHistoryText("[{:type :invoke, :f :write, :value 1, :process 0}\n {:type :ok, :f :wr", "t.edn");
  ASSERT_FALSE(trunc.ok());
  EXPECT_EQ(trunc.status().message().rfind("t.edn:2: ", 0), 0u) << trunc.status().message();
  EXPECT_EQ(trunc.status().message().find('\n'), std::string::npos);

  auto tjson = ReadHistoryText(R"({"type":"invoke","process":0,"f":"read"})" "\n" R"({"type":"ok","pro)", "t.jsonl");
  ASSERT_FALSE(tjson.ok());
  EXPECT_EQ(tjson.status().message(), "t.jsonl:2: truncated or malformed JSON (at byte 18 of the line)");

  auto garbage = ReadHistoryText(R"({"type":"invoke","process":0,"f":"read"})" "\nhello world\n", "g.jsonl");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().message().rfind("g.jsonl:2: malformed JSON", 0), 0u) << garbage.status().message();

  auto missing = ReadHistoryText(R"({"type":"invoke","f":"read"})" "\n", "m.jsonl");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "m.jsonl:1: missing field \"process\"");

  auto edn_garbage = ReadHistoryText("[{:type :invoke :f :read :process 0} 42]", "e.edn");
  ASSERT_FALSE(edn_garbage.ok());
  EXPECT_NE(edn_garbage.status().message().find("expected an op map"), std::string::npos);

  auto unknown = ReadHistoryText("hello\nworld\n", "x.txt");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("cannot tell the history format"), std::string::npos);
}

TEST(HistoryReaderTest, FormatNamesAndFiles) {
  EXPECT_EQ(*ParseHistoryFormat("jepsen-log"), HistoryFormat::kJepsenLog);
  EXPECT_FALSE(ParseHistoryFormat("xml").ok());
  auto missing = ReadHistoryFile("/nonexistent/history.jsonl");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message().rfind("/nonexistent/history.jsonl: cannot open", 0), 0u);
}

}  // namespace
}  // namespace faultline
