// Benchmark of report.html on big histories (issue 11): writes the report of
// a generated history of N client ops (default 100,000 and 1,000,000) and
// measures its size, the time to render it, and the time headless Chromium
// takes to load the page and draw the timeline (until the script sets
// data-timeline-drawn). Goals: 1,000,000 ops under 40 MB and 5 s; 100,000
// ops under 5 MB.
//
// The history looks like a long faulty run: 10 workers on 5 nodes, 1-8 ms
// latencies, ~1.5% fail and ~0.5% info (a worker continues under a new
// process after an info), 100 keys, a partition every 20 s for 8 s and clock
// bumps, checked by the availability checker so the availability plot has
// data. Not run by ctest; prints one line per size and exits 1 when a goal
// is missed.
//
// Usage: report_bench [--ops N]... [--out DIR] [--keep]
//   --ops N   a size to measure (repeatable; default 100000 and 1000000)
//   --out DIR where the runs go (default a temporary directory, removed
//             unless --keep)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "checkers/availability_checker.h"
#include "results/report.h"
#include "results/run_store.h"
#include "tests/results/headless_chromium.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

History MakeHistory(size_t n_ops, uint64_t seed) {
  constexpr int kWorkers = 10;
  const char* nodes[] = {"n1", "n2", "n3", "n4", "n5"};
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  // Each worker: next invoke time, its process.
  std::vector<int64_t> next(kWorkers), process(kWorkers);
  for (int w = 0; w < kWorkers; ++w) {
    next[w] = w * 100000;
    process[w] = w;
  }
  History h;
  h.reserve(n_ops * 2 + 200);
  int64_t value = 0;
  for (size_t i = 0; i < n_ops; ++i) {
    int w = static_cast<int>(i % kWorkers);
    Op inv;
    inv.type = OpType::kInvoke;
    inv.process = process[w];
    double r = unit(rng);
    inv.f = r < 0.5 ? "read" : r < 0.9 ? "write" : "cas";
    inv.key = "k" + std::to_string(rng() % 100);
    inv.node = nodes[w % 5];
    if (inv.f == "write") inv.value = ++value % 5;
    if (inv.f == "cas") inv.value = json::array({rng() % 5, rng() % 5});
    inv.time = next[w];
    int64_t latency = static_cast<int64_t>((1 + 7 * unit(rng) * unit(rng)) * 1e6);
    Op done = inv;
    done.time = inv.time + latency;
    double o = unit(rng);
    done.type = o < 0.015 ? OpType::kFail : o < 0.02 ? OpType::kInfo : OpType::kOk;
    if (done.type == OpType::kFail) done.error = "no quorum: 2 of 3 replicas unreachable";
    if (done.type == OpType::kInfo) done.error = "timed out after 1 s";
    if (done.type == OpType::kOk && inv.f == "read") done.value = static_cast<int64_t>(rng() % 5);
    h.push_back(inv);
    h.push_back(done);
    next[w] = done.time + static_cast<int64_t>(unit(rng) * 2e5);
    if (done.type == OpType::kInfo) process[w] += kWorkers;
  }
  int64_t end = 0;
  for (const Op& op : h) end = std::max(end, op.time);
  // Faults: a partition every 20 s for 8 s; a clock bump on n3 every 30 s for 10 s.
  auto nemesis = [&](const std::string& f, json value, int64_t t) {
    Op a;
    a.process = kNemesisProcess;
    a.type = OpType::kInvoke;
    a.f = f;
    a.time = t;
    Op b = a;
    b.type = OpType::kInfo;
    b.time = t + 2000000;
    b.value = std::move(value);
    h.push_back(a);
    h.push_back(b);
  };
  for (int64_t t = 5'000'000'000; t + 8'000'000'000 < end; t += 20'000'000'000) {
    nemesis("start-partition", {{"kind", "majority"}, {"nodes", {"n1", "n2", "n3", "n4", "n5"}}, {"cut-off", {"n4", "n5"}}}, t);
    nemesis("stop-partition", {{"nodes", {"n1", "n2", "n3", "n4", "n5"}}}, t + 8'000'000'000);
  }
  for (int64_t t = 12'000'000'000; t + 10'000'000'000 < end; t += 30'000'000'000) {
    nemesis("start-clock", {{"kind", "bump"}, {"nodes", {"n3"}}, {"offsets-ms", {{"n3", 4200}}}}, t);
    nemesis("stop-clock", {{"nodes", {"n3"}}}, t + 10'000'000'000);
  }
  std::stable_sort(h.begin(), h.end(), [](const Op& a, const Op& b) { return a.time < b.time; });
  for (size_t i = 0; i < h.size(); ++i) h[i].index = static_cast<int64_t>(i);
  return h;
}

struct Figures {
  size_t ops = 0;
  double mb = 0, render_s = 0, chromium_wall_s = 0, page_ms = -1, script_ms = -1, draw_ms = -1;
  bool drawn = false;
  size_t console_lines = 0;
};

std::string AttrValue(const std::string& dom, const std::string& name) {
  size_t p = dom.find(name + "=\"");
  if (p == std::string::npos) return "";
  p += name.size() + 2;
  return dom.substr(p, dom.find('"', p) - p);
}

Figures Measure(size_t n, const std::string& store) {
  Figures f;
  f.ops = n;
  History h = MakeHistory(n, 11);
  auto dir = CreateRunDir(store, "bench-" + std::to_string(n));
  if (!dir.ok()) {
    std::fprintf(stderr, "%s\n", dir.status().message().c_str());
    std::exit(4);
  }
  json test = {{"name", "bench-" + std::to_string(n)}, {"seed", 11}, {"concurrency", 10}, {"target", "ringstore"},
               {"workload", "register"}, {"nemesis", {"partition", "clock"}}};
  CheckResult avail = (*MakeAvailabilityChecker())->Check({}, h);
  json results = {{"valid", true}, {"availability", avail.details}};
  results["availability"]["valid"] = true;
  ReportInput in;
  in.run_dir = *dir;
  in.test = test;
  in.history = &h;
  in.results = results;
  auto t0 = Clock::now();
  Status s = WriteReport(in);
  f.render_s = Since(t0);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    std::exit(4);
  }
  std::string path = *dir + "/report.html";
  f.mb = static_cast<double>(fs::file_size(path)) / 1e6;
  if (testing::ChromiumBinary().empty()) return f;
  auto t1 = Clock::now();
  testing::ChromiumRun run = testing::LoadPage("file://" + path, 0, 1280, 1600, 120);
  f.chromium_wall_s = Since(t1);
  std::string drawn = AttrValue(run.out, "data-timeline-drawn");
  f.drawn = drawn == std::to_string(n);
  std::string ms = AttrValue(run.out, "data-timeline-ms"), script = AttrValue(run.out, "data-timeline-script-ms");
  if (!ms.empty()) f.page_ms = std::atof(ms.c_str());
  if (!script.empty()) f.script_ms = std::atof(script.c_str());
  std::string draw = AttrValue(run.out, "data-timeline-draw-ms");
  if (!draw.empty()) f.draw_ms = std::atof(draw.c_str());
  f.console_lines = run.console.size();
  for (const auto& l : run.console) std::fprintf(stderr, "console: %s\n", l.c_str());
  return f;
}

int Main(int argc, char** argv) {
  std::vector<size_t> sizes;
  std::string out;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--ops" && i + 1 < argc) {
      sizes.push_back(static_cast<size_t>(std::atoll(argv[++i])));
    } else if (a == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (a == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr, "usage: report_bench [--ops N]... [--out DIR] [--keep]\n");
      return 3;
    }
  }
  if (sizes.empty()) sizes = {100000, 1000000};
  bool temp = out.empty();
  if (temp) out = TempDir("report-bench");
  if (testing::ChromiumBinary().empty()) std::printf("chromium not installed: sizes only\n");
  bool ok = true;
  for (size_t n : sizes) {
    Figures f = Measure(n, out);
    double page_s = f.page_ms / 1000;
    bool size_ok = n >= 1000000 ? f.mb < 40 : n >= 100000 ? f.mb < 5 : true;
    bool time_ok = f.drawn && page_s < 5 && f.console_lines == 0;
    std::printf("%8zu ops: report %.1f MB (%s), rendered in %.2f s; chromium: %s, page load+draw %.2f s "
                "(timeline script %.2f s, of which one full redraw %.0f ms), chromium wall %.2f s incl. start-up "
                "and dumping the DOM%s\n",
                n, f.mb, size_ok ? "ok" : "OVER GOAL", f.render_s, f.drawn ? "timeline drawn" : "NOT DRAWN",
                page_s, f.script_ms / 1000, f.draw_ms, f.chromium_wall_s, f.console_lines ? ", CONSOLE MESSAGES" : "");
    std::fflush(stdout);
    ok = ok && size_ok && (testing::ChromiumBinary().empty() || time_ok);
  }
  if (temp && !keep) fs::remove_all(out);
  if (!temp || keep) std::printf("runs in %s\n", out.c_str());
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) { return faultline::Main(argc, argv); }
