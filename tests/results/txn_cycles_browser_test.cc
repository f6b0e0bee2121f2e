// The cycle drawings in headless Chromium: `faultline check --model
// list-append --report DIR` on a history with five planted anomalies
// (tests/data/txn) writes DIR/anomalies.html, and a run's report.html with a
// list-append result carries the same figures. Each page loads without a
// console message; a script measures the drawn figures (every cycle has its
// boxes and arrows, no two boxes overlap, everything lies inside its SVG)
// and a screenshot is left in build/test-screenshots/ for a person to look at.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "checkers/list_append.h"
#include "harness/history/history_reader.h"
#include "results/report.h"
#include "tests/faultline_cli.h"
#include "tests/results/headless_chromium.h"
#include "tests/test_files.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace txn_cycles_browser_test {
namespace {
namespace fs = std::filesystem;

const std::string kFixture = std::string(FAULTLINE_SOURCE_DIR) + "/tests/data/txn/list-append-anomalies.jsonl";

// Measures every figure once the page has loaded: data-txn-figures="<svgs>",
// data-txn-boxes="<boxes>", data-txn-edges="<arrows with a visible path>",
// data-txn-overlaps="<box pairs overlapping>", data-txn-outside="<boxes or
// labels outside their svg>".
constexpr const char* kMeasure = R"JS(<script>
window.addEventListener('load', function () {
  var svgs = document.querySelectorAll('svg.txn-cycle'), boxes = 0, edges = 0, overlaps = 0, outside = 0;
  svgs.forEach(function (svg) {
    var s = svg.getBoundingClientRect(), rects = [];
    svg.querySelectorAll('g.txn-box rect').forEach(function (r) { rects.push(r.getBoundingClientRect()); });
    boxes += rects.length;
    svg.querySelectorAll('g.txn-edge path').forEach(function (p) { if (p.getTotalLength() > 10) edges++; });
    for (var i = 0; i < rects.length; i++) for (var j = i + 1; j < rects.length; j++) {
      var a = rects[i], b = rects[j];
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps++;
    }
    var inner = rects.slice();
    svg.querySelectorAll('text.txn-edge-label').forEach(function (t) { inner.push(t.getBoundingClientRect()); });
    inner.forEach(function (r) {
      if (r.left < s.left - 1 || r.right > s.right + 1 || r.top < s.top - 1 || r.bottom > s.bottom + 1) outside++;
    });
  });
  var h = document.documentElement;
  h.setAttribute('data-txn-figures', svgs.length);
  h.setAttribute('data-txn-boxes', boxes);
  h.setAttribute('data-txn-edges', edges);
  h.setAttribute('data-txn-overlaps', overlaps);
  h.setAttribute('data-txn-outside', outside);
});
</script>)JS";

// `page` with the measuring script, loaded; returns the DOM.
std::string LoadMeasured(const std::string& page) {
  std::string html = ReadAll(page);
  size_t end = html.rfind("</body>");
  EXPECT_NE(end, std::string::npos);
  html.insert(end, kMeasure);
  std::string copy = page + ".measured.html";
  std::ofstream(copy) << html;
  testing::ChromiumRun run = testing::LoadPage("file://" + copy);
  EXPECT_EQ(run.exit_code, 0) << run.err.substr(0, 2000);
  EXPECT_TRUE(run.console.empty()) << page << ": " << (run.console.empty() ? "" : run.console.front());
  EXPECT_FALSE(HasSubstr(run.out, " data-js-error=\"")) << page;
  fs::remove(copy);
  return run.out;
}

void Screenshot(const std::string& page, const std::string& name, int height) {
  std::string png = testing::ScreenshotPath(name);
  fs::remove(png);
  testing::ChromiumRun s = testing::Screenshot("file://" + page, png, 1280, height);
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_TRUE(s.console.empty());
  ASSERT_TRUE(fs::exists(png)) << png;
  EXPECT_GT(fs::file_size(png), 20000u) << png;  // a blank page is a few KB
}

class TxnCyclesBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::ChromiumBinary().empty()) GTEST_SKIP() << "chromium is not installed: run scripts/install-deps.sh";
    dir_ = TempDir("txn-cycles");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(TxnCyclesBrowserTest, CheckReportDrawsEveryCycle) {
  FaultlineOutput o = Faultline("check --model list-append --report " + dir_ + " " + kFixture);
  ASSERT_EQ(o.code, 1) << o.text;
  EXPECT_TRUE(HasSubstr(o.text, dir_ + "/anomalies.html")) << o.text;
  std::string page = dir_ + "/anomalies.html";
  ASSERT_TRUE(fs::exists(page));
  std::string dom = LoadMeasured(page);
  // G0, G-single and G-single-realtime (2 txns each), G-nonadjacent (4).
  EXPECT_TRUE(HasSubstr(dom, "data-txn-figures=\"4\"")) << dom.substr(0, 300);
  EXPECT_TRUE(HasSubstr(dom, "data-txn-boxes=\"10\""));
  EXPECT_TRUE(HasSubstr(dom, "data-txn-edges=\"10\""));
  EXPECT_TRUE(HasSubstr(dom, "data-txn-overlaps=\"0\""));
  EXPECT_TRUE(HasSubstr(dom, "data-txn-outside=\"0\""));
  EXPECT_TRUE(HasSubstr(dom, "G-nonadjacent 1: a cycle of 4 transactions"));
  Screenshot(page, "txn-cycles", 2600);
}

TEST_F(TxnCyclesBrowserTest, RunReportShowsTheSameFigures) {
  auto history = ReadHistoryFile(kFixture);
  ASSERT_TRUE(history.ok()) << history.status().message();
  auto r = CheckListAppend(*history, ListAppendOptions{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  json d = r->details;
  d["valid"] = ValidityToJson(r->valid);
  ReportInput in;
  in.run_dir = dir_;
  in.history = &*history;
  in.test = {{"name", "etcd-list-append"}, {"concurrency", 16}, {"seed", 7}};
  in.results = {{"valid", false}, {"list-append", d}};
  ASSERT_TRUE(WriteReport(in).ok());
  std::string dom = LoadMeasured(dir_ + "/report.html");
  EXPECT_TRUE(HasSubstr(dom, "data-txn-figures=\"4\""));
  EXPECT_TRUE(HasSubstr(dom, "data-txn-overlaps=\"0\""));
  EXPECT_TRUE(HasSubstr(dom, "data-txn-outside=\"0\""));
  EXPECT_TRUE(HasSubstr(dom, "data-timeline-drawn=\""));  // the rest of the report still works
  Screenshot(dir_ + "/report.html", "report-txn", 2400);
}

}  // namespace
}  // namespace txn_cycles_browser_test
}  // namespace faultline
