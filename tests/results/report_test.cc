#include "results/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "checkers/availability_checker.h"
#include "checkers/checker.h"
#include "checkers/linearizable.h"
#include "checkers/perf_checker.h"
#include "checkers/set_checker.h"
#include "checkers/stats_checker.h"
#include "harness/core/html_escape.h"
#include "results/plots.h"
#include "results/run_store.h"
#include "results/timeline.h"
#include "tests/checkers/history_builder.h"
#include "tests/test_files.h"

namespace faultline {
namespace {
namespace fs = std::filesystem;
using testing::HistoryBuilder;

History SampleHistory() {
  HistoryBuilder b;
  for (int i = 0; i < 50; ++i) b.OkOp(1 + i % 3, "read", nullptr, i * 20.0, i * 20.0 + 3, "k", "n" + std::to_string(1 + i % 3));
  b.StartFault("partition", {"n2"}, 300);
  b.Invoke(9, "write", 1, 320, "k", "n2").Info(9, 800);
  b.Invoke(10, "write", 2, 330, "k", "n2").Fail(10, 340);
  b.StopFault("partition", 900);
  return b.history();
}

json ResultsFor(const History& h) {
  std::vector<std::unique_ptr<Checker>> cs;
  cs.push_back(MakeStatsChecker());
  cs.push_back(MakePerfChecker());
  auto availability = MakeAvailabilityChecker();
  cs.push_back(std::move(*availability));
  ComposeChecker all(std::move(cs));
  CheckResult r = all.Check({}, h);
  json results = r.details;
  results["valid"] = ValidityToJson(r.valid);
  return results;
}

CheckResult ToCheckResultForTest(const json& details) {
  CheckResult r;
  r.valid = details["valid"] == json(false) ? Validity::kInvalid : Validity::kValid;
  r.details = details;
  return r;
}

TEST(ReportTest, WritesSelfContainedReportWithVerdictPlotsAndTables) {
  std::string store = ::testing::TempDir() + "/report_test_" + std::to_string(::getpid());
  fs::remove_all(store);
  auto dir = CreateRunDir(store, "memory-register");
  ASSERT_TRUE(dir.ok()) << dir.status().message();
  History h = SampleHistory();
  ReportInput in;
  in.run_dir = *dir;
  in.test = {{"name", "memory-register"}, {"seed", 42}, {"note", "<script>alert(1)</script>"}};
  in.history = &h;
  in.results = ResultsFor(h);
  in.notes = {"history.jsonl:9: final line is cut off"};
  ASSERT_EQ(in.results["valid"], false);  // write never succeeded: stats is invalid
  std::ofstream(*dir + "/history.jsonl") << "\n";  // the report links the files that exist
  ASSERT_TRUE(WriteReport(in).ok());

  std::string html = ReadAll(*dir + "/report.html");
  EXPECT_NE(html.find("Verdict: <b>invalid</b>"), std::string::npos);
  EXPECT_NE(html.find("#FEB5DA"), std::string::npos);
  // Self-contained: no network references of any kind.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("alert(1)</script>"), std::string::npos);  // test spec text is escaped
  EXPECT_NE(html.find("&lt;script&gt;alert(1)"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);  // scripts are inline, none fetched
  // The only scripts: the error catcher, the timeline's data and its script,
  // and the counterexample's links to the timeline.
  size_t scripts = 0;
  for (size_t p = html.find("<script"); p != std::string::npos; p = html.find("<script", p + 1)) ++scripts;
  EXPECT_EQ(scripts, 4u);
  EXPECT_NE(html.find("<script type=\"application/json\" id=fl-tl-data>{\"n\":52,"), std::string::npos);
  // The header: seed, duration, and the commands that reproduce the run.
  EXPECT_NE(html.find("<th>seed</th><td>42</td>"), std::string::npos);
  EXPECT_NE(html.find("faultline test --spec " + *dir + "/test.json"), std::string::npos);
  EXPECT_NE(html.find("faultline test --name memory-register --seed 42"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"history.jsonl\">"), std::string::npos);
  // Latency (points, quantiles), throughput and availability-by-time plots,
  // with the partition shaded; no clock plot without clock faults.
  EXPECT_GE(std::count(html.begin(), html.end(), '<') , 50);
  size_t svgs = 0;
  for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 4u);
  EXPECT_NE(html.find("No clock faults in this run."), std::string::npos);
  EXPECT_NE(html.find("<th>by time</th>"), std::string::npos);
  EXPECT_NE(html.find("<title>partition on n2"), std::string::npos);
  // Every checker and the availability table appear.
  for (const char* s : {"stats", "perf", "availability", "node n2", "during faults", "final line is cut off"}) {
    EXPECT_NE(html.find(s), std::string::npos) << s;
  }
  fs::remove_all(store);
}

TEST(ReportTest, ValidAndUncheckedRunsAndCheckerPages) {
  std::string dir = ::testing::TempDir() + "/report_test2_" + std::to_string(::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  HistoryBuilder b;
  b.OkOp(1, "read", nullptr, 0, 1).OkOp(1, "write", 1, 2, 3);
  History h = b.history();
  ReportInput in;
  in.run_dir = dir;
  in.history = &h;
  in.results = ResultsFor(h);
  in.results["linearizable"] = {{"valid", false}, {"error", "op 7 read 3 cannot follow write 2"}};
  in.results["valid"] = false;
  std::ofstream(dir + "/linearizability.html") << "<p>explanation</p>";
  std::string html = RenderReport(in);
  EXPECT_NE(html.find("<h2>Linearizability</h2>"), std::string::npos);
  EXPECT_NE(html.find("op 7 read 3 cannot follow write 2"), std::string::npos);
  EXPECT_NE(html.find("href=\"linearizability.html\""), std::string::npos);
  EXPECT_NE(html.find("iframe src=\"linearizability.html\""), std::string::npos);

  in.results = ResultsFor(h);
  html = RenderReport(in);
  EXPECT_NE(html.find("Verdict: <b>valid</b>"), std::string::npos);
  EXPECT_NE(html.find("#6DB6FE"), std::string::npos);

  in.results = nullptr;
  html = RenderReport(in);
  EXPECT_NE(html.find("Verdict: <b>unknown</b> (not checked)"), std::string::npos);
  EXPECT_NE(html.find("#FFAA26"), std::string::npos);
  fs::remove_all(dir);
}

// A real linearizability violation: write 1 completes, then a read of the
// same key sees 2, which nobody wrote. The report embeds the checker's
// explanation (the failing op, the linearizable prefix with its state) and
// the checker's diagram page.
TEST(ReportTest, LinearizabilityFailureIsExplainedAndItsPageWritten) {
  std::string dir = ::testing::TempDir() + "/report_test3_" + std::to_string(::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  HistoryBuilder b;
  b.OkOp(1, "write", 1, 0, 1, "k", "n1");
  b.Invoke(2, "read", nullptr, 2, "k", "n2").Ok(2, 3, 2);
  History h = b.history();
  LinearizableOptions lo;
  lo.model = "kv";
  auto lin = MakeLinearizableChecker(lo);
  ASSERT_TRUE(lin.ok()) << lin.status().message();
  std::vector<std::unique_ptr<Checker>> cs;
  cs.push_back(std::move(*lin));
  cs.push_back(MakeStatsChecker());
  ComposeChecker all(std::move(cs));
  CheckResult r = all.Check({}, h);
  ASSERT_EQ(r.valid, Validity::kInvalid) << r.details.dump();
  ReportInput in;
  in.run_dir = dir;
  in.history = &h;
  in.results = r.details;
  in.results["valid"] = ValidityToJson(r.valid);
  ASSERT_TRUE(WriteReport(in).ok());
  EXPECT_TRUE(fs::exists(dir + "/linearizability.html"));
  std::string html = ReadAll(dir + "/report.html");
  size_t section = html.find("<h2>Linearizability</h2>");
  ASSERT_NE(section, std::string::npos);
  std::string explanation = ExplainLinearizable(ToCheckResultForTest(r.details["linearizable"]));
  ASSERT_FALSE(explanation.empty());
  // Each line of the checker's explanation is in the section, escaped.
  std::istringstream lines(explanation);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(html.find(HtmlEscape(line), section), std::string::npos) << line << "\n" << html.substr(section, 2000);
  }
  EXPECT_NE(html.find("longest linearizable prefix: 1 ops", section), std::string::npos);
  EXPECT_NE(html.find(":read of key k 2 (event 2-3) cannot be linearized", section), std::string::npos)
      << "the failing op is named";
  EXPECT_NE(html.find("iframe src=\"linearizability.html\""), std::string::npos);
  // The checkers table's summary says the sentence too (it was empty).
  std::string sentence = LinearizabilitySentence(r.details["linearizable"], h);
  ASSERT_FALSE(sentence.empty());
  in.results["linearizable"]["failure"]["sentence"] = sentence;
  html = RenderReport(in);
  size_t table = html.find("<h2>Checkers</h2>");
  ASSERT_NE(table, std::string::npos);
  EXPECT_NE(html.find("<td>" + HtmlEscape(sentence) + "</td>", table), std::string::npos)
      << html.substr(table, 1500);
  std::string page = ReadAll(dir + "/linearizability.html");
  EXPECT_NE(page.find("cannot be linearized"), std::string::npos);
  // The search's time reads as a duration ("checked in 1.31 ms"), not "0.001310502 s".
  EXPECT_TRUE(std::regex_search(page, std::regex("checked in [0-9]{1,3}(\\.[0-9]{1,2})? (\u00b5s|ms|s)</p>")))
      << page.substr(0, 1500);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);

  // A malformed linearizable entry (results.json from disk) neither crashes
  // nor is explained.
  for (json bad : {json("garbage"), json{{"key", "k"}, {"linearized", {1, 2}}},
                   json{{"key", "k"}, {"linearized", json::array()}, {"op", {{"f", 3}}}}}) {
    in.results["linearizable"]["failure"] = bad;
    html = RenderReport(in);
    EXPECT_NE(html.find("Verdict: <b>invalid</b>"), std::string::npos);
    EXPECT_NE(html.find("not in the checker's format"), std::string::npos) << bad.dump();
    EXPECT_TRUE(WriteReport(in).ok());
  }
  fs::remove_all(dir);
}

// The checkers table names what each checker found, not only its badge.
TEST(ReportTest, CheckersTableSummarisesEachResult) {
  History h = SampleHistory();
  ReportInput in;
  ScopedTempDir run_dir("report-run");  // its own: the report scans the run dir for .html files
  in.run_dir = run_dir.path();
  in.history = &h;
  in.results = {{"valid", false},
                {"set", {{"valid", false}, {"lost_count", 3}, {"unexpected_count", 1}, {"stale_count", 0}}},
                {"list-append", {{"valid", false}, {"anomaly-counts", {{"G-single", 2}, {"lost-update", 1}}},
                                 {"not", {"snapshot-isolation"}}}},
                {"counter", {{"valid", "unknown"}, {"reason", "no reads"}}},
                {"availability", {{"valid", true}, {"availability", 0.5}, {"completed", 10}}}};
  std::string html = RenderReport(in);
  size_t table = html.find("<h2>Checkers</h2>");
  ASSERT_NE(table, std::string::npos);
  std::string t = html.substr(table, html.find("</table>", table) - table);
  for (const char* want : {"3 lost, 1 unexpected</td>", "G-single (2), lost-update (1); not snapshot-isolation</td>",
                           "no reads</td>", "50.0% of 10 completed ops answered</td>"}) {
    EXPECT_NE(t.find(want), std::string::npos) << want << "\n" << t;
  }
}

// An invalid set run: the report has a set section (not only raw JSON) with
// the counts, and each lost / unexpected / stale element with when it was
// added (times, outcome, node, process) and when it was last seen.
TEST(ReportTest, InvalidSetRunHasASetSectionWithAddedAndLastSeen) {
  HistoryBuilder b;
  b.OkOp(1, "set-add", 1, 0, 5, "set", "n1");
  b.OkOp(2, "set-add", 2, 10, 15, "set", "n2");
  b.OkOp(3, "set-add", 3, 10, 20, "set", "n3");
  b.Invoke(4, "set-read", nullptr, 30, "set", "n1").Ok(4, 35, json::array({1, 2, 3}));
  b.Invoke(5, "set-read", nullptr, 40, "set", "n2").Ok(5, 45, json::array({1, 3, 99}));
  // A power cut on n2 after 2 was acknowledged (15 ms), and a kill before.
  b.StartFault("kill", {"n1"}, 2).StopFault("kill", 4);
  b.Nemesis(OpType::kInvoke, "start-disk", nullptr, 60)
      .Nemesis(OpType::kInfo, "start-disk", json{{"fault", "lose-unfsynced"}, {"nodes", {"n2", "n3"}}}, 61);
  // A membership change that was blocked did nothing: not a cause to show.
  b.Nemesis(OpType::kInvoke, "start-membership", nullptr, 70)
      .Nemesis(OpType::kInfo, "start-membership", json{{"blocked", "leave n3: no quorum"}, {"retry-after-s", 1}}, 71);
  b.Invoke(4, "set-read", nullptr, 100, "set", "n1").Ok(4, 110, json::array({1, 3}));
  History h = b.history();
  SetOptions o;
  o.linearizable = true;
  std::vector<std::unique_ptr<Checker>> cs;
  cs.push_back(MakeSetChecker(o));
  ComposeChecker all(std::move(cs));
  CheckResult r = all.Check({}, h);
  ASSERT_EQ(r.valid, Validity::kInvalid) << r.details.dump(2);
  ReportInput in;
  ScopedTempDir run_dir("report-run");  // its own: the report scans the run dir for .html files
  in.run_dir = run_dir.path();
  in.history = &h;
  in.results = r.details;
  in.results["valid"] = ValidityToJson(r.valid);
  std::string html = RenderReport(in);
  size_t at = html.find("<h2 id=\"set-set\">Set: set");
  ASSERT_NE(at, std::string::npos) << "no set section";
  std::string sec = html.substr(at, html.find("<h2>", at + 4) - at);
  // Counts at the top, the problems marked.
  EXPECT_NE(sec.find("<th>attempted</th><th>acknowledged</th><th>in the final read</th><th>lost</th>"
                     "<th>unexpected</th><th>stale</th>"), std::string::npos) << sec;
  EXPECT_NE(sec.find("<td>3</td><td>3</td><td>2</td><td class=set-bad>1</td><td class=set-bad>1</td>"
                     "<td class=set-bad>2</td>"), std::string::npos) << sec;
  auto row_of = [&](const std::string& heading, const std::string& element) {
    size_t t = sec.find(heading);
    if (t == std::string::npos) return std::string("(no " + heading + " table)");
    size_t r0 = sec.find("<tr><td>" + element + "</td>", t);
    if (r0 == std::string::npos || r0 > sec.find("</table>", t)) return std::string("(no row " + element + ")");
    return sec.substr(r0, sec.find("</tr>", r0) - r0);
  };
  // 2 was added on n2 by process 2 at 10-15 ms, last seen in process 4's read
  // on n1 (ok at 35 ms), missing from the final read (110 ms).
  std::string lost = row_of("Lost (1)", "2");
  EXPECT_NE(lost.find("0.010&ndash;0.015 s <span class=\"set-outcome set-ok\">ok</span> on n2, process 2"),
            std::string::npos) << lost;
  EXPECT_NE(lost.find("read ok at 0.035 s on n1, process 4"), std::string::npos) << lost;
  EXPECT_NE(lost.find("missing from the final read (read ok at 0.110 s on n1, process 4)"), std::string::npos) << lost;
  // What happened between its acknowledgement and that read: the power cut,
  // not the earlier kill.
  EXPECT_NE(lost.find("<td>disk lose-unfsynced on n2, n3 at 0.061 s</td>"), std::string::npos) << lost;
  EXPECT_EQ(lost.find("kill"), std::string::npos) << lost;
  EXPECT_EQ(lost.find("membership"), std::string::npos) << lost;
  // 99 was never added; process 5's read on n2 returned it.
  std::string unexpected = row_of("Unexpected (1)", "99");
  EXPECT_NE(unexpected.find("never added</td><td>read ok at 0.045 s on n2, process 5"), std::string::npos) << unexpected;
  // The same read missed 2, acknowledged at 15 ms, before it began (40 ms)
  // (and so did the final read: 2 stale entries).
  std::string stale = row_of("Stale (2)", "2");
  EXPECT_NE(stale.find("missing from the read ok at 0.045 s on n2, process 5"), std::string::npos) << stale;
}

// Axes read in round numbers (1, 2 or 5 x 10^k steps) and reach the run's
// end; availability is drawn as steps across its windows, so it does not
// seem to fall before a fault began.
TEST(PlotsTest, RoundTicksStepsAndTheRunsEnd) {
  auto labels = [](const std::string& svg, const std::string& anchor) {
    std::set<std::string> out;
    std::regex label("text-anchor=\"" + anchor + "\">([-+0-9.]+)</text>");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator(); ++it) {
      out.insert((*it)[1]);
    }
    return out;
  };
  // Throughput peaking at 86 ops/s: 0, 20, ... 100, not 0, 22, 43, 64, 86.
  HistoryBuilder b;
  for (int i = 0; i < 86; ++i) b.OkOp(i, "read", nullptr, i * 10.0, i * 10.0 + 1, "k", "n1");
  for (int i = 0; i < 30; ++i) b.OkOp(100 + i, "read", nullptr, 1000 + i * 30.0, 1000 + i * 30.0 + 1, "k", "n1");
  History h = b.history();
  std::string tp = ThroughputPlot(h, {});
  EXPECT_EQ(labels(tp, "end"), (std::set<std::string>{"0", "20", "40", "60", "80", "100"})) << tp;
  // A clock fault over 1-3 s of a 20 s run: the time axis reaches 20 s, the
  // offset axis ends at a round number past the 2573 ms offset.
  HistoryBuilder c;
  c.Nemesis(OpType::kInvoke, "start-clock", nullptr, 1000);
  c.Nemesis(OpType::kInfo, "start-clock", {{"kind", "bump"}, {"nodes", {"n1"}}, {"offsets-ms", {{"n1", 2573}}}},
            1001);
  c.StopFault("clock", 3000);
  std::vector<FaultInterval> faults = FaultIntervals(c.history());
  std::string clock = ClockOffsetPlot(faults, 20.0);
  EXPECT_TRUE(labels(clock, "middle").count("20")) << clock;
  EXPECT_EQ(labels(clock, "end"), (std::set<std::string>{"-3000", "-2000", "-1000", "0", "+1000", "+2000", "+3000"}))
      << clock;
  // Availability: each 1 s window's share held across the window.
  json by_time = {{"window_s", 1.0}, {"start_s", 0.0}, {"nodes", {{"n1", {1.0, 0.5, 1.0}}}}};
  std::string av = AvailabilityPlot(by_time, {}, 3.0);
  EXPECT_NE(av.find("points=\"64.0,16.0 337.3,16.0 337.3,138.0 610.7,138.0 610.7,16.0 884.0,16.0 \""),
            std::string::npos) << av;
}

TEST(ReportTest, LargeHistoriesAreSampledToABoundedSize) {
  HistoryBuilder b;
  for (int i = 0; i < 30000; ++i) b.OkOp(i % 16, "read", nullptr, i * 0.1, i * 0.1 + 0.05 + (i % 7) * 0.01);
  b.Invoke(99, "read", nullptr, 50).Info(99, 9000);
  History h = b.history();
  ReportInput in;
  in.history = &h;
  std::string html = RenderReport(in);
  EXPECT_LT(html.size(), 1'500'000u);
  EXPECT_NE(html.find("30001 completed ops (20000 plotted"), std::string::npos);
  EXPECT_NE(html.find("#FFA400\" d=\"M"), std::string::npos);  // the info point is kept
}

}  // namespace
}  // namespace faultline

namespace faultline {
namespace {

// The timeline's lanes: one per worker (process mod concurrency), grouped by
// node; without the concurrency one per process, capped at 240 lanes.
TEST(TimelineTest, LanesPerWorkerGroupedByNodeAndCapped) {
  testing::HistoryBuilder b;
  for (int p = 0; p < 600; ++p) b.OkOp(p, "read", nullptr, p * 2.0, p * 2.0 + 1, "k", "n" + std::to_string(1 + p % 3));
  History h = b.history();
  json by_worker = json::parse(TimelineData(h, {}, 6));
  EXPECT_EQ(by_worker["n"], 600);
  ASSERT_EQ(by_worker["lanes"].size(), 6u);
  EXPECT_EQ(by_worker["lanes"][0], json::array({0, "n1"}));  // n1's workers first: 0 and 3
  EXPECT_EQ(by_worker["lanes"][1], json::array({3, "n1"}));
  EXPECT_EQ(by_worker["lanes"][2], json::array({1, "n2"}));
  EXPECT_EQ(by_worker["ops"].size(), 600u * 11);
  json capped = json::parse(TimelineData(h, {}, 0));
  EXPECT_EQ(capped["lanes"].size(), 240u);
  json small = json::parse(TimelineData(testing::HistoryBuilder().OkOp(7, "read", nullptr, 0, 1).history(), {}, 0));
  EXPECT_EQ(small["lanes"], json::array({json::array({7, ""})}));
}

}  // namespace
}  // namespace faultline
