// Overlapping faults in the report: each fault kind is shaded in its own
// horizontal slice of a plot (stacked, never drawn over another kind), and
// the "Faults that ran" table lists each kind and the steps that waited.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "checkers/fault_intervals.h"
#include "results/plots.h"
#include "results/report.h"

namespace faultline {
namespace {

void Nemesis(History* h, const std::string& f, double t_s, json value, json schedule = nullptr) {
  Op op;
  op.type = OpType::kInfo;
  op.process = kNemesisProcess;
  op.f = f;
  op.time = static_cast<int64_t>(t_s * 1e9);
  if (!schedule.is_null()) op.extra = {{"schedule", schedule}};
  h->push_back(op);
  op.time += 200000000;
  op.value = std::move(value);
  h->push_back(op);
}

History Overlapping() {
  History h;
  Op read;
  read.type = OpType::kInvoke;
  read.process = 0;
  read.f = "read";
  read.time = 0;
  h.push_back(read);
  read.type = OpType::kOk;
  read.time = 1000000;
  h.push_back(read);
  Nemesis(&h, "start-partition", 2, {{"kind", "majority"}, {"nodes", {"n1", "n2", "n3"}}, {"cut-off", {"n3"}}});
  Nemesis(&h, "start-kill", 4, {{"targets", "one"}, {"nodes", {"n1"}}},
          {{"step", 1}, {"at", 3.5}, {"waited-s", 0.5}, {"waited-for", "start-partition"}});
  Nemesis(&h, "stop-partition", 6, {{"nodes", {"n1", "n2", "n3"}}});
  Nemesis(&h, "stop-kill", 9, {{"nodes", {"n1"}}});
  return h;
}

TEST(FaultBandsTest, OverlappingKindsAreStackedInTheirOwnSlices) {
  History h = Overlapping();
  std::string svg = LatencyPlot(h, FaultIntervals(h));
  std::regex rect("<rect class=fault data-fault=\"([a-z]+)\" x=\"([0-9.]+)\" y=\"([0-9.]+)\" width=\"([0-9.]+)\" "
                  "height=\"([0-9.]+)\"");
  std::map<std::string, std::pair<double, double>> band;  // kind -> (y, height)
  std::map<std::string, std::pair<double, double>> span;  // kind -> (x0, x1)
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect); it != std::sregex_iterator(); ++it) {
    band[(*it)[1]] = {std::stod((*it)[3]), std::stod((*it)[5])};
    span[(*it)[1]] = {std::stod((*it)[2]), std::stod((*it)[2]) + std::stod((*it)[4])};
  }
  ASSERT_EQ(band.size(), 2u) << svg;
  // They overlap in time ...
  EXPECT_LT(span["kill"].first, span["partition"].second);
  // ... and not in space: the partition (first to start) above the kill,
  // each half the plot's height, touching.
  EXPECT_DOUBLE_EQ(band["partition"].second, band["kill"].second);
  EXPECT_NEAR(band["partition"].first + band["partition"].second, band["kill"].first, 0.11);
}

TEST(FaultBandsTest, TheReportSaysWhatRanAndWhatWaited) {
  History h = Overlapping();
  ReportInput in;
  in.run_dir = "/tmp/none";
  in.history = &h;
  in.results = {{"valid", true}};
  std::string html = RenderReport(in);
  EXPECT_NE(html.find("<h2>Faults that ran</h2>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>partition</td><td>1</td><td>4.2 s</td><td>n3</td><td>majority</td><td>0</td></tr>"),
            std::string::npos)
      << html.substr(html.find("Faults that ran"), 800);
  EXPECT_NE(html.find("<li>step 1 start-kill was due at 3.5 s and waited 0.5 s for start-partition to finish</li>"),
            std::string::npos);
}

}  // namespace
}  // namespace faultline
