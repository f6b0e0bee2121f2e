// The transactional anomalies as HTML (results/txn_cycles_html.h): a
// recorded history with five planted anomalies (tests/data/txn) checked by
// the real list-append checker, then drawn — one figure per cycle with a box
// per txn and an arrow per step, labelled with its kind and key; history
// text escaped; results.json entries of the wrong shape drawn without a
// crash; the run report carries the same section. In a browser:
// txn_cycles_browser_test.cc.
#include "results/txn_cycles_html.h"

#include <gtest/gtest.h>

#include <string>

#include "checkers/list_append.h"
#include "harness/core/html_escape.h"
#include "harness/history/history_reader.h"
#include "results/report.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

size_t Count(const std::string& s, const std::string& part) {
  size_t n = 0;
  for (size_t p = s.find(part); p != std::string::npos; p = s.find(part, p + 1)) ++n;
  return n;
}

// The fixture's check result, as results.json holds it (details + valid).
json FixtureDetails(const History** history_out = nullptr) {
  static History history;
  auto h = ReadHistoryFile(std::string(FAULTLINE_SOURCE_DIR) + "/tests/data/txn/list-append-anomalies.jsonl");
  EXPECT_TRUE(h.ok()) << h.status().message();
  if (!h.ok()) return json();
  history = *h;
  if (history_out) *history_out = &history;
  auto r = CheckListAppend(history, ListAppendOptions{});
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return json();
  json d = r->details;
  d["valid"] = ValidityToJson(r->valid);
  return d;
}

TEST(TxnCyclesHtmlTest, EachCycleIsDrawnWithItsTxnsAndLabelledSteps) {
  json d = FixtureDetails();
  ASSERT_TRUE(IsTxnCheckResult(d));
  // The planted anomalies, as the checker found them.
  ASSERT_EQ(d["anomaly-types"],
            json::parse(R"(["G-nonadjacent","G-single","G-single-realtime","G0","G1a"])"));
  std::string html = TxnAnomaliesSection(d);
  size_t cycles = 0;
  for (const auto& [type, list] : d["anomalies"].items()) {
    for (const json& a : list) {
      if (!a.contains("steps")) continue;
      ++cycles;
      std::string svg = TxnCycleSvg(a, "c");
      size_t n = a["steps"].size();
      EXPECT_EQ(Count(svg, "class=\"txn-box\""), a["txns"].size()) << type;
      EXPECT_EQ(Count(svg, "class=\"txn-edge\""), n) << type;
      EXPECT_TRUE(HasSubstr(svg, "data-txns=\"" + std::to_string(n) + "\"")) << type;
      for (const json& s : a["steps"]) {
        // The arrow from the step's txn to the next, of its kind.
        EXPECT_TRUE(HasSubstr(svg, "data-kind=\"" + s["type"].get<std::string>() + "\" data-from=\"" +
                                       s["from"].get<std::string>() + "\" data-to=\"" +
                                       s["to"].get<std::string>() + "\""))
            << type << ": " << s.dump();
        EXPECT_TRUE(HasSubstr(html, "<li>" + HtmlEscape(s["why"].get<std::string>()) + "</li>"))
            << "explanation of " << type;
      }
      // The section numbers its figures in order (fl-txn-0, fl-txn-1, ...).
      EXPECT_TRUE(HasSubstr(html, TxnCycleSvg(a, "fl-txn-" + std::to_string(cycles - 1))))
          << "the section draws " << type;
    }
  }
  EXPECT_EQ(cycles, 4u);
  EXPECT_EQ(Count(html, "<svg class=\"txn-cycle\""), cycles);
  // Labels name kind and key; G-nonadjacent alternates rw and wr.
  json gn = d["anomalies"]["G-nonadjacent"][0];
  std::string svg = TxnCycleSvg(gn, "gn");
  EXPECT_EQ(Count(svg, "data-kind=\"rw\""), 2u);
  EXPECT_EQ(Count(svg, "data-kind=\"wr\""), 2u);
  EXPECT_TRUE(HasSubstr(svg, "<tspan font-weight=\"bold\">rw</tspan> key x"));
  EXPECT_TRUE(HasSubstr(TxnCycleSvg(d["anomalies"]["G-single-realtime"][0], "rt"), "data-kind=\"realtime\""));
  // The non-cycle anomaly: its explanation, no figure.
  EXPECT_TRUE(HasSubstr(html, "<div class=\"txn-anomaly\" data-type=\"G1a\"><h4>G1a 1</h4>"));
  EXPECT_TRUE(HasSubstr(html, "which failed"));
  EXPECT_TRUE(HasSubstr(html, "Weakest model violated: read-uncommitted"));
}

TEST(TxnCyclesHtmlTest, HistoryTextIsEscapedEverywhere) {
  json d = FixtureDetails();
  std::string html = TxnAnomaliesPage(d, "check of <i>x</i>.jsonl");
  // The key <b>k&'"</b> appears, escaped, in labels, boxes and explanations.
  EXPECT_FALSE(HasSubstr(html, "<b>k&")) << "raw key markup in the page";
  EXPECT_FALSE(HasSubstr(html, "<i>x</i>"));
  EXPECT_TRUE(HasSubstr(html, "key &lt;b&gt;k&amp;&#39;&quot;&lt;/b&gt;"));
  EXPECT_TRUE(HasSubstr(html, "check of &lt;i&gt;x&lt;/i&gt;.jsonl"));
  // Self-contained: nothing fetched, no script.
  EXPECT_FALSE(HasSubstr(html, "<script"));
  EXPECT_FALSE(HasSubstr(html, "src="));
  EXPECT_FALSE(HasSubstr(html, "href="));
  EXPECT_EQ(Count(html, "http://"), Count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
}

TEST(TxnCyclesHtmlTest, ValidResultSaysNoAnomalies) {
  json d = {{"model", "rw-register"}, {"valid", true}, {"txns", {{"ok", 5}, {"info", 1}, {"fail", 0}}},
            {"keys", 2}, {"consistency-models", {"serializable"}}, {"anomaly-types", json::array()},
            {"anomalies", json::object()}};
  ASSERT_TRUE(IsTxnCheckResult(d));
  std::string html = TxnAnomaliesSection(d);
  EXPECT_TRUE(HasSubstr(html, "6 transactions (ok 5, info 1, fail 0) over 2 keys, checked as rw-register against "
                              "serializable"));
  EXPECT_TRUE(HasSubstr(html, ">valid</span>"));
  EXPECT_TRUE(HasSubstr(html, "No anomalies found."));
  EXPECT_FALSE(HasSubstr(html, "<svg"));
}

TEST(TxnCyclesHtmlTest, MalformedEntriesAreDrawnWithoutACrash) {
  EXPECT_FALSE(IsTxnCheckResult(json::parse(R"({"model":"kv","anomalies":{}})")));
  EXPECT_FALSE(IsTxnCheckResult(json::parse(R"({"model":"list-append","anomalies":[]})")));
  EXPECT_FALSE(IsTxnCheckResult(json("list-append")));
  for (const char* bad : {
           R"({"model":"list-append","anomalies":{"G0":[{"txns":[1,"x",null],"steps":[3,{"from":1}]}]},
               "anomaly-types":["G0"],"anomaly-counts":{"G0":"many"},"txns":[],"keys":"k"})",
           R"({"model":"list-append","anomalies":{"G0":"x","G1a":[{"why":7}]},"anomaly-types":["G0","G1a",3]})",
           R"({"model":"list-append","anomalies":{"G0":[{"txns":[{"name":"T1","value":{"a":1}}],
               "steps":[{"from":"T1","to":"T1","type":"ww","key":[1]}]}]},"anomaly-types":["G0"]})",
           R"({"model":"list-append","anomalies":{"G0":[{"txns":[],"steps":[]}]},"anomaly-types":["G0"],
               "not":"x","weakest-violated":[1,2]})",
       }) {
    json d = json::parse(bad);
    std::string html = TxnAnomaliesSection(d);
    EXPECT_TRUE(HasSubstr(html, "</div>")) << bad;
  }
  // A txn depending on itself (never produced by the checker, but readable
  // from disk) is a loop, not a division by zero.
  std::string loop = TxnCycleSvg(json::parse(R"({"txns":[{"name":"T1","process":0,"type":"ok","value":[]}],
      "steps":[{"from":"T1","to":"T1","type":"ww","key":1}]})"), "l");
  EXPECT_EQ(Count(loop, "class=\"txn-edge\""), 1u);
  EXPECT_FALSE(HasSubstr(loop, "nan"));
  EXPECT_EQ(TxnCycleSvg(json::parse(R"({"txns":[],"steps":[]})"), "e"), "");
  EXPECT_EQ(TxnCycleSvg(json::parse(R"({"txns":[{"name":"T1"}],"why":"G1a"})"), "e"), "");
}

TEST(TxnCyclesHtmlTest, RunReportHasTheSameSection) {
  const History* history = nullptr;
  json d = FixtureDetails(&history);
  ASSERT_NE(history, nullptr);
  ReportInput in;
  in.run_dir = "/nonexistent/etcd-list-append/20261203T120000.000";
  in.history = history;
  in.test = {{"name", "etcd-list-append"}, {"concurrency", 16}};
  in.results = {{"valid", false}, {"list-append", d}};
  std::string report = RenderReport(in);
  EXPECT_TRUE(HasSubstr(report, "<h2 id=\"txn-list-append\">Transactional anomalies: list-append</h2>"));
  EXPECT_TRUE(HasSubstr(report, TxnAnomaliesSection(d, "fl-txn-list-append")));
  EXPECT_TRUE(HasSubstr(report, ".txn-cycle"));  // its style
  // No section for other checkers.
  in.results = {{"valid", true}, {"linearizable", {{"valid", true}, {"model", "kv"}}}};
  EXPECT_FALSE(HasSubstr(RenderReport(in), "Transactional anomalies"));
}

}  // namespace
}  // namespace faultline
