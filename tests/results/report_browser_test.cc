// report.html and linearizability.html in headless Chromium: two real runs
// recorded on a local cluster (tests/data/runs), re-checked by the real
// `faultline analyze`, then opened in Chromium. Each page must run without a
// console message (no JavaScript error), draw its timeline (the script's
// data-timeline-drawn marker) and leaves a screenshot in
// build/test-screenshots/ for a person to look at.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/faultline_cli.h"
#include "tests/results/headless_chromium.h"
#include "tests/test_files.h"

namespace faultline {
namespace {
namespace fs = std::filesystem;

// A copy of tests/data/runs/<name> as a run of a temporary store, checked.
class RecordedRun {
 public:
  RecordedRun(const std::string& name, const std::string& stamp) {
    store_ = TempDir("report-browser");
    dir_ = store_ + "/" + name + "/" + stamp;
    fs::create_directories(dir_);
    fs::copy(std::string(FAULTLINE_SOURCE_DIR) + "/tests/data/runs/" + name, dir_, fs::copy_options::recursive);
    analyze_ = Faultline("analyze --store " + store_ + " " + dir_);
  }
  ~RecordedRun() { fs::remove_all(store_); }
  const std::string& dir() const { return dir_; }
  const FaultlineOutput& analyze() const { return analyze_; }

 private:
  std::string store_, dir_;
  FaultlineOutput analyze_;
};

size_t CountLines(const std::string& path) {
  std::string s = ReadAll(path);
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

// Loads `file` and checks: no console message, no script error, the timeline
// drawn with `ops` ops (0: the page has no timeline). Saves a screenshot.
void ExpectPageRenders(const std::string& file, size_t ops, const std::string& shot, std::string* dom = nullptr) {
  ASSERT_FALSE(testing::ChromiumBinary().empty()) << "chromium is not installed: run scripts/install-deps.sh";
  testing::ChromiumRun run = testing::LoadPage("file://" + file);
  ASSERT_EQ(run.exit_code, 0) << run.err.substr(0, 2000);
  EXPECT_TRUE(run.console.empty()) << file << ": " << (run.console.empty() ? "" : run.console.front());
  EXPECT_FALSE(HasSubstr(run.out, " data-js-error=\"")) << file;  // set by the page's error catcher
  if (ops > 0) {
    EXPECT_TRUE(HasSubstr(run.out, "data-timeline-drawn=\"" + std::to_string(ops) + "\"")) << file;
  }
  std::string png = testing::ScreenshotPath(shot);
  fs::remove(png);
  testing::ChromiumRun s = testing::Screenshot("file://" + file, png);
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_TRUE(s.console.empty());
  ASSERT_TRUE(fs::exists(png)) << png;
  EXPECT_GT(fs::file_size(png), 20000u) << png;  // a blank page is a few KB
  if (dom) *dom = run.out;
}

TEST(ReportBrowserTest, RealRunWithFaultsDrawsItsTimelineAndPlots) {
  RecordedRun run("ringstore-faults", "20261203T090946.979");
  ASSERT_EQ(run.analyze().code, 0) << run.analyze().text;
  size_t events = CountLines(run.dir() + "/history.jsonl");
  std::string dom;
  // Client ops = (events - nemesis records) / 2; the marker says how many it drew.
  std::string history = ReadAll(run.dir() + "/history.jsonl");
  size_t nemesis = 0;
  for (size_t p = history.find("\"process\":\"nemesis\""); p != std::string::npos;
       p = history.find("\"process\":\"nemesis\"", p + 1)) {
    ++nemesis;
  }
  ExpectPageRenders(run.dir() + "/report.html", (events - nemesis) / 2, "report-faults", &dom);
  EXPECT_TRUE(HasSubstr(dom, "partition (majority): n3 cut off"));
  EXPECT_TRUE(HasSubstr(dom, "clock strobe"));
  EXPECT_TRUE(HasSubstr(dom, "Verdict: <b>valid</b>"));
  EXPECT_TRUE(HasSubstr(dom, "nodes/n1/ringstore.log"));
}

// The timeline's handlers, driven by real DOM events from a script added to
// a copy of the report: the wheel zooms (the view in the status line
// narrows), a drag pans (it moves), the - key zooms out, hovering finds an op
// (the tip names its process), a click shows its history lines.
constexpr const char* kInteraction = R"JS(<script>
(function () {
  var c = document.getElementById('fl-tl-canvas'), r = c.getBoundingClientRect();
  var st = document.getElementById('fl-tl-status'), tip = document.getElementById('fl-tl-tip');
  var html = document.documentElement, before = st.textContent, zoomed;
  function later(f) { setTimeout(f, 300); }  // after the timeline's redraw (frame or 100 ms timer)
  c.dispatchEvent(new WheelEvent('wheel', {deltaY: -800, clientX: r.left + r.width / 2, clientY: r.top + 40,
                                           bubbles: true, cancelable: true}));
  later(function () {
    zoomed = st.textContent;
    html.setAttribute('data-test-zoom', zoomed !== before ? 'ok' : 'no');
    c.dispatchEvent(new MouseEvent('mousedown', {clientX: r.left + 700, clientY: r.top + 40, buttons: 1, bubbles: true}));
    c.dispatchEvent(new MouseEvent('mousemove', {clientX: r.left + 450, clientY: r.top + 40, buttons: 1, bubbles: true}));
    window.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    later(function () {
      html.setAttribute('data-test-pan', st.textContent !== zoomed ? 'ok' : 'no');
      var panned = st.textContent;
      c.dispatchEvent(new KeyboardEvent('keydown', {key: '-', bubbles: true, cancelable: true}));
      later(function () {
        html.setAttribute('data-test-key', st.textContent !== panned ? 'ok' : 'no');
        var found = null;
        for (var y = r.top + 20; y < r.bottom - 25 && !found; y += 3) {
          for (var x = r.left + 100; x < r.right; x += 2) {
            c.dispatchEvent(new MouseEvent('mousemove', {clientX: x, clientY: y, buttons: 0, bubbles: true}));
            if (tip.style.display === 'block' && /^process \d+ on n\d/.test(tip.textContent)) { found = [x, y]; break; }
          }
        }
        html.setAttribute('data-test-hover', found ? 'ok' : 'no');
        if (!found) return;
        c.dispatchEvent(new MouseEvent('click', {clientX: found[0], clientY: found[1], bubbles: true}));
        var line = document.getElementById('fl-tl-line').textContent;
        html.setAttribute('data-test-click', /history\.jsonl/.test(line) && /"index":\d+/.test(line) ? 'ok' : 'no');
      });
    });
  });
})();
</script>)JS";

TEST(ReportBrowserTest, TimelineZoomsPansHoversAndClicks) {
  RecordedRun run("ringstore-faults", "20261203T090946.979");
  ASSERT_EQ(run.analyze().code, 0) << run.analyze().text;
  std::string html = ReadAll(run.dir() + "/report.html");
  size_t end = html.rfind("</body>");
  ASSERT_NE(end, std::string::npos);
  html.insert(end, kInteraction);
  std::string page = run.dir() + "/report-interaction.html";
  std::ofstream(page) << html;
  testing::ChromiumRun r = testing::LoadPage("file://" + page, 3000);
  EXPECT_TRUE(r.console.empty()) << (r.console.empty() ? "" : r.console.front());
  for (const char* step : {"zoom", "pan", "hover", "click", "key"}) {
    EXPECT_TRUE(HasSubstr(r.out, std::string("data-test-") + step + "=\"ok\"")) << step;
  }
}

TEST(ReportBrowserTest, InvalidRunAndItsLinearizabilityPage) {
  RecordedRun run("ringstore-lww-clock", "20261203T091005.952");
  ASSERT_EQ(run.analyze().code, 1) << run.analyze().text;
  std::string dom;
  ExpectPageRenders(run.dir() + "/report.html", 0, "report-invalid", &dom);
  EXPECT_TRUE(HasSubstr(dom, "data-timeline-drawn=\""));
  EXPECT_TRUE(HasSubstr(dom, "Verdict: <b>invalid</b>"));
  // The counterexample: the sentence, with the nodes and the clock skew, and
  // the cause: the last write ran on n1 while the strobe set its clock back.
  EXPECT_TRUE(HasSubstr(dom, "read of k2 on n2 returned 2 (ok at 2.209 s), but the only state any linearization "
                             "allows when it took effect is 3 (last write: write 3 to k2 on n1 by process 3, ok at "
                             "2.178 s, written on n1, whose clock was strobing between true time and 2.6 s behind "
                             "(every 216 ms) at that time) \u2014 at the time: n1's clock was -2.6 s"))
      << dom.substr(0, 4000);
  // #counterexample shows the window's ops on the timeline (as the button does).
  testing::ChromiumRun linked = testing::LoadPage("file://" + run.dir() + "/report.html#counterexample");
  EXPECT_TRUE(linked.console.empty());
  EXPECT_TRUE(HasSubstr(linked.out, "data-timeline-marked=\"1")) << "the window's ops are highlighted";
  EXPECT_TRUE(HasSubstr(linked.out, "history.jsonl (rebuilt from the report"));
  EXPECT_TRUE(HasSubstr(linked.out, "\"index\":220,"));  // the failing read's invocation line
  ExpectPageRenders(run.dir() + "/linearizability.html", 0, "linearizability-invalid", &dom);
  EXPECT_TRUE(HasSubstr(dom, "cannot be linearized"));
  EXPECT_TRUE(HasSubstr(dom, "data-counterexample-drawn=\"1"));
  EXPECT_TRUE(HasSubstr(dom, "Linearizability of ringstore-lww-clock (20261203T091005.952)"));
  EXPECT_TRUE(HasSubstr(dom, "process 4 \u00b7 n2"));
}

}  // namespace
}  // namespace faultline
