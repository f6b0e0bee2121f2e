#include "results/plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

#include "checkers/fault_labels.h"
#include "checkers/op_pairs.h"
#include "harness/core/format_double.h"
#include "harness/core/html_escape.h"
#include "harness/core/nice_numbers.h"

namespace faultline {
namespace {

// Point colours as in Jepsen's perf plots.
constexpr const char* kOkPoint = "#81BFFC";
constexpr const char* kFailPoint = "#FF1E90";
constexpr const char* kInfoPoint = "#FFA400";
// Fault kinds, in order of first appearance (the timeline uses the same list):
// distinct hues that are none of the point colours.
constexpr const char* kFaultFills[] = {"#8d8d8d", "#26a69a", "#9575cd", "#a1887f", "#9ccc65", "#5c6bc0"};
// Line colours for series (nodes, quantiles).
constexpr const char* kSeries[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

struct Plot {
  double width = 900, height = 300, left = 64, right = 16, top = 16, bottom = 40;
  double x_max = 1;
  double PlotW() const { return width - left - right; }
  double PlotH() const { return height - top - bottom; }
  double X(double s) const { return left + PlotW() * std::clamp(s / x_max, 0.0, 1.0); }
};

// One horizontal slice of the plot area per fault kind (in order of first
// appearance), so faults that overlap in time are stacked, each in its own
// slice, instead of drawn over each other.
std::string FaultShading(const Plot& p, const std::vector<FaultInterval>& faults,
                         std::map<std::string, std::string>* colours) {
  std::map<std::string, size_t> slice;
  for (const FaultInterval& iv : faults) slice.try_emplace(iv.fault, slice.size());
  const double h = p.PlotH() / static_cast<double>(std::max<size_t>(1, slice.size()));
  std::string out;
  for (const FaultInterval& iv : faults) {
    auto [it, added] = colours->try_emplace(iv.fault, "");
    if (added) it->second = kFaultFills[slice[iv.fault] % std::size(kFaultFills)];
    double x0 = p.X(static_cast<double>(iv.start) / 1e9), x1 = p.X(static_cast<double>(iv.end) / 1e9);
    std::string nodes;
    for (const auto& n : iv.nodes) nodes += (nodes.empty() ? "" : ",") + n;
    out += "<rect class=fault data-fault=\"" + HtmlEscape(iv.fault) + "\" x=\"" + FormatDouble("%.1f", x0) + "\" y=\"" +
           FormatDouble("%.1f", p.top + h * static_cast<double>(slice[iv.fault])) + "\" width=\"" +
           FormatDouble("%.1f", std::max(1.0, x1 - x0)) + "\" height=\"" + FormatDouble("%.1f", h) + "\" fill=\"" +
           it->second + "\" fill-opacity=\"0.3\"><title>" + HtmlEscape(iv.fault) +
           (nodes.empty() ? "" : " on " + HtmlEscape(nodes)) +
           FormatDouble(" %.2fs", static_cast<double>(iv.start) / 1e9) +
           FormatDouble("&ndash;%.2fs", static_cast<double>(iv.end) / 1e9) + " " + HtmlEscape(DescribeFault(iv)) +
           "</title></rect>\n";
  }
  return out;
}

std::string Legend(const std::vector<std::pair<std::string, std::string>>& items, double x, double y) {
  std::string out;
  for (const auto& [label, colour] : items) {
    out += "<rect x=\"" + FormatDouble("%.0f", x) + "\" y=\"" + FormatDouble("%.0f", y - 9) +
           "\" width=\"10\" height=\"10\" fill=\"" + colour + "\"/><text x=\"" + FormatDouble("%.0f", x + 14) +
           "\" y=\"" + FormatDouble("%.0f", y) + "\">" + HtmlEscape(label) + "</text>";
    x += 24 + 7.0 * static_cast<double>(label.size());
  }
  return out;
}

std::string XAxis(const Plot& p) {
  std::string out = "<line x1=\"" + FormatDouble("%.1f", p.left) + "\" y1=\"" +
                    FormatDouble("%.1f", p.top + p.PlotH()) + "\" x2=\"" + FormatDouble("%.1f", p.left + p.PlotW()) +
                    "\" y2=\"" + FormatDouble("%.1f", p.top + p.PlotH()) + "\" stroke=\"#333\"/>";
  // Round steps (1, 2 or 5 x 10^k s), about one label per 80 px at most.
  double step = NiceStep(std::max(p.x_max, 1e-3), 10);
  for (double k = 0; k * step <= p.x_max * (1 + 1e-9); k += 1) {
    double t = k * step, x = p.X(t);
    out += "<line x1=\"" + FormatDouble("%.1f", x) + "\" y1=\"" + FormatDouble("%.1f", p.top + p.PlotH()) + "\" x2=\"" +
           FormatDouble("%.1f", x) + "\" y2=\"" + FormatDouble("%.1f", p.top + p.PlotH() + 4) + "\" stroke=\"#333\"/>";
    out += "<text x=\"" + FormatDouble("%.1f", x) + "\" y=\"" + FormatDouble("%.1f", p.top + p.PlotH() + 16) +
           "\" text-anchor=\"middle\">" + TickLabel(t, step) + "</text>";
  }
  out += "<text x=\"" + FormatDouble("%.1f", p.left + p.PlotW() / 2) + "\" y=\"" + FormatDouble("%.1f", p.height - 4) +
         "\" text-anchor=\"middle\">time (s)</text>";
  return out;
}

// A y axis: grid lines and labels at `ticks` (value, label), and its title.
std::string YAxis(const Plot& p, const std::vector<std::pair<double, std::string>>& ticks,
                  const std::function<double(double)>& y, const std::string& title) {
  std::string out;
  for (const auto& [v, label] : ticks) {
    double yy = y(v);
    out += "<line x1=\"" + FormatDouble("%.1f", p.left) + "\" y1=\"" + FormatDouble("%.1f", yy) + "\" x2=\"" +
           FormatDouble("%.1f", p.left + p.PlotW()) + "\" y2=\"" + FormatDouble("%.1f", yy) + "\" stroke=\"#ddd\"/>";
    out += "<text x=\"" + FormatDouble("%.1f", p.left - 6) + "\" y=\"" + FormatDouble("%.1f", yy + 4) +
           "\" text-anchor=\"end\">" + HtmlEscape(label) + "</text>";
  }
  out += "<text transform=\"translate(14," + FormatDouble("%.1f", p.top + p.PlotH() / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + HtmlEscape(title) + "</text>";
  return out;
}

std::vector<std::pair<double, std::string>> LogTicks(double dlo, double dhi) {
  std::vector<std::pair<double, std::string>> t;
  for (double d = dlo; d <= dhi + 1e-9; d += 1)
    t.emplace_back(std::pow(10.0, d), FormatDouble("%g", std::pow(10.0, d)));
  return t;
}

// Legend entries for outcomes, then one per fault colour.
std::vector<std::pair<std::string, std::string>> OutcomeLegend(const std::map<std::string, std::string>& faults) {
  std::vector<std::pair<std::string, std::string>> legend = {{"ok", kOkPoint}, {"info", kInfoPoint}, {"fail", kFailPoint}};
  for (const auto& [name, colour] : faults) legend.emplace_back(name, colour);
  return legend;
}

// A polyline per series; NaN values break the line.
std::string Polyline(const std::vector<std::pair<double, double>>& pts, const std::string& colour, double width = 1.5) {
  std::string out, cur;
  auto flush = [&] {
    if (!cur.empty())
      out += "<polyline fill=\"none\" stroke-width=\"" + FormatDouble("%.1f", width) + "\" stroke=\"" + colour +
             "\" points=\"" + cur + "\"/>\n";
    cur.clear();
  };
  for (const auto& [x, y] : pts) {
    if (std::isnan(y)) {
      flush();
      continue;
    }
    cur += FormatDouble("%.1f", x) + "," + FormatDouble("%.1f", y) + " ";
  }
  flush();
  return out;
}

struct OpPoint {
  double t_s;  // completion time, seconds
  double latency_ms;
  OpType type;
  int f;  // index into the f names, for the marker shape
};

std::vector<OpPoint> LatencyPoints(const History& history, size_t* total, std::vector<std::string>* fs) {
  std::vector<OpPoint> pts;
  std::map<std::string, int> f_ids;
  PairedOps paired = PairClientOps(history);
  for (const OpPair& p : paired.pairs) {
    if (!p.completion) continue;
    const Op& inv = history[p.invoke];
    const Op& done = history[*p.completion];
    auto [it, added] = f_ids.try_emplace(inv.f, static_cast<int>(fs->size()));
    if (added) fs->push_back(inv.f);
    pts.push_back({static_cast<double>(done.time) / 1e9,
                   std::max(1e-3, static_cast<double>(done.time - inv.time) / 1e6), done.type, it->second});
  }
  *total = pts.size();
  if (pts.size() <= kMaxLatencyPoints) return pts;
  // Keep fail/info points first (they are the interesting ones), then sample ok.
  std::vector<OpPoint> rare, ok;
  for (const auto& pt : pts) (pt.type == OpType::kOk ? ok : rare).push_back(pt);
  // Evenly spaced picks of `n` items from `v`.
  auto sample = [](const std::vector<OpPoint>& v, size_t n, std::vector<OpPoint>* out) {
    for (size_t j = 0; j < n && j < v.size(); ++j) out->push_back(v[j * v.size() / std::min(n, v.size())]);
  };
  std::vector<OpPoint> out;
  sample(rare, kMaxLatencyPoints / 2, &out);
  sample(ok, kMaxLatencyPoints - out.size(), &out);
  return out;
}

// Marker path at (x, y), about 3 px: square, triangle, diamond, plus, by f.
std::string Marker(int shape, double x, double y) {
  switch (shape % 4) {
    case 0:
      return "M" + FormatDouble("%.1f", x - 1) + " " + FormatDouble("%.1f", y - 1) + "h2v2h-2z";
    case 1:
      return "M" + FormatDouble("%.1f", x - 1.5) + " " + FormatDouble("%.1f", y + 1.2) + "l1.5 -2.6l1.5 2.6z";
    case 2:
      return "M" + FormatDouble("%.1f", x) + " " + FormatDouble("%.1f", y - 1.6) + "l1.6 1.6l-1.6 1.6l-1.6 -1.6z";
    default:
      return "M" + FormatDouble("%.1f", x - 0.5) + " " + FormatDouble("%.1f", y - 1.8) +
             "h1v1.3h1.3v1h-1.3v1.3h-1v-1.3h-1.3v-1h1.3z";
  }
}

const char* kShapeNames[] = {"square", "triangle", "diamond", "plus"};

// Time buckets for the over-time plots: about 150 across the run, at least 1 s... or less for short runs.
double BucketWidth(double t_max) { return std::max(0.1, std::ceil(t_max / 150.0 * 10) / 10); }

}  // namespace

std::string LatencyPlot(const History& history, const std::vector<FaultInterval>& faults) {
  size_t total = 0;
  std::vector<std::string> fs;
  std::vector<OpPoint> pts = LatencyPoints(history, &total, &fs);
  if (pts.empty()) return "<p>No completed client operations to plot.</p>";
  Plot p;
  double lo = 1e300, hi = 0;
  for (const auto& pt : pts) {
    p.x_max = std::max(p.x_max, pt.t_s);
    lo = std::min(lo, pt.latency_ms);
    hi = std::max(hi, pt.latency_ms);
  }
  for (const auto& iv : faults) p.x_max = std::max(p.x_max, static_cast<double>(iv.end) / 1e9);
  double dlo = std::floor(std::log10(lo)), dhi = std::ceil(std::log10(hi));
  if (dhi <= dlo) dhi = dlo + 1;
  auto y = [&](double ms) { return p.top + p.PlotH() * (1.0 - (std::log10(ms) - dlo) / (dhi - dlo)); };

  std::map<std::string, std::string> fault_colours;
  std::string svg = "<svg viewBox=\"0 0 900 300\" class=plot>\n";
  svg += FaultShading(p, faults, &fault_colours);
  svg += YAxis(p, LogTicks(dlo, dhi), y, "latency (ms)");
  svg += XAxis(p);
  // One path per outcome; the marker's shape says the f.
  std::map<OpType, std::string> paths;
  for (const auto& pt : pts) paths[pt.type] += Marker(pt.f, p.X(pt.t_s), y(pt.latency_ms));
  const std::pair<OpType, const char*> order[] = {
      {OpType::kOk, kOkPoint}, {OpType::kInfo, kInfoPoint}, {OpType::kFail, kFailPoint}};
  for (const auto& [type, colour] : order) {
    if (paths.count(type)) svg += "<path fill=\"" + std::string(colour) + "\" d=\"" + paths[type] + "\"/>\n";
  }
  svg += Legend(OutcomeLegend(fault_colours), p.left + 8, p.top + 12);
  svg += "</svg>\n";
  std::string caption = "<p class=caption>" + std::to_string(total) + " completed ops";
  if (pts.size() < total) caption += " (" + std::to_string(pts.size()) + " plotted: all fail/info first, ok sampled)";
  caption += "; marker shape by f:";
  for (size_t i = 0; i < fs.size(); ++i) caption += std::string(i ? "," : "") + " " + HtmlEscape(fs[i]) + " " + kShapeNames[i % 4];
  caption += "; shaded: faults active, each kind in its own horizontal slice.</p>";
  return svg + caption;
}

std::string LatencyQuantilePlot(const History& history, const std::vector<FaultInterval>& faults) {
  PairedOps paired = PairClientOps(history);
  double t_max = 0;
  for (const OpPair& pr : paired.pairs) {
    if (pr.completion) t_max = std::max(t_max, static_cast<double>(history[*pr.completion].time) / 1e9);
  }
  if (t_max <= 0) return "<p>No completed client operations to plot.</p>";
  double width_s = BucketWidth(t_max);
  size_t n = static_cast<size_t>(std::floor(t_max / width_s)) + 1;
  std::vector<std::vector<double>> buckets(n);
  double lo = 1e300, hi = 0;
  for (const OpPair& pr : paired.pairs) {
    if (!pr.completion) continue;
    const Op& done = history[*pr.completion];
    double ms = std::max(1e-3, static_cast<double>(done.time - history[pr.invoke].time) / 1e6);
    buckets[std::min(n - 1, static_cast<size_t>(static_cast<double>(done.time) / 1e9 / width_s))].push_back(ms);
    lo = std::min(lo, ms);
    hi = std::max(hi, ms);
  }
  Plot p;
  p.x_max = static_cast<double>(n) * width_s;
  double dlo = std::floor(std::log10(lo)), dhi = std::ceil(std::log10(hi));
  if (dhi <= dlo) dhi = dlo + 1;
  auto y = [&](double ms) { return p.top + p.PlotH() * (1.0 - (std::log10(ms) - dlo) / (dhi - dlo)); };
  const std::pair<double, const char*> qs[] = {{0.5, "p50"}, {0.95, "p95"}, {0.99, "p99"}, {1.0, "max"}};
  std::vector<std::vector<std::pair<double, double>>> lines(std::size(qs));
  for (size_t b = 0; b < n; ++b) {
    std::vector<double>& v = buckets[b];
    double x = p.X((static_cast<double>(b) + 0.5) * width_s);
    if (v.empty()) {
      for (auto& l : lines) l.emplace_back(x, NAN);
      continue;
    }
    std::sort(v.begin(), v.end());
    for (size_t q = 0; q < std::size(qs); ++q) {
      size_t at = std::min(v.size() - 1, static_cast<size_t>(std::ceil(qs[q].first * static_cast<double>(v.size()))) - (qs[q].first > 0 ? 1 : 0));
      lines[q].emplace_back(x, y(v[at]));
    }
  }
  std::map<std::string, std::string> fault_colours;
  std::string svg = "<svg viewBox=\"0 0 900 300\" class=plot>\n";
  svg += FaultShading(p, faults, &fault_colours);
  svg += YAxis(p, LogTicks(dlo, dhi), y, "latency (ms)");
  svg += XAxis(p);
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t q = 0; q < std::size(qs); ++q) {
    svg += Polyline(lines[q], kSeries[q]);
    legend.emplace_back(qs[q].second, kSeries[q]);
  }
  for (const auto& [name, colour] : fault_colours) legend.emplace_back(name, colour);
  svg += Legend(legend, p.left + 8, p.top + 12);
  svg += "</svg>\n<p class=caption>latency quantiles of the ops completed in each " + FormatDouble("%g", width_s) +
         " s bucket (all outcomes).</p>";
  return svg;
}

std::string AvailabilityPlot(const json& by_time, const std::vector<FaultInterval>& faults, double end_s) {
  if (!by_time.is_object() || !by_time.contains("nodes") || !by_time["nodes"].is_object() ||
      by_time["nodes"].empty() || !by_time.value("window_s", json()).is_number()) {
    return "<p>No availability over time (results.json has no availability \"by_time\").</p>";
  }
  double w = by_time["window_s"].get<double>(), start = by_time.value("start_s", 0.0);
  Plot p;
  size_t longest = 0;
  for (const auto& [node, v] : by_time["nodes"].items()) longest = std::max(longest, v.is_array() ? v.size() : 0);
  p.x_max = std::max({1e-3, start + static_cast<double>(longest) * w, end_s});
  for (const auto& iv : faults) p.x_max = std::max(p.x_max, static_cast<double>(iv.end) / 1e9);
  auto y = [&](double share) { return p.top + p.PlotH() * (1.0 - share); };
  std::map<std::string, std::string> fault_colours;
  std::string svg = "<svg viewBox=\"0 0 900 300\" class=plot>\n";
  svg += FaultShading(p, faults, &fault_colours);
  svg += YAxis(p, {{0, "0"}, {0.25, "25%"}, {0.5, "50%"}, {0.75, "75%"}, {1, "100%"}}, y, "answered");
  svg += XAxis(p);
  std::vector<std::pair<std::string, std::string>> legend;
  size_t i = 0;
  for (const auto& [node, v] : by_time["nodes"].items()) {
    if (!v.is_array()) continue;
    const char* colour = kSeries[i++ % std::size(kSeries)];
    // Steps: each window's share holds across the window (a line between
    // window centres would seem to fall before a fault began).
    std::vector<std::pair<double, double>> pts;
    for (size_t k = 0; k < v.size(); ++k) {
      double x0 = p.X(start + static_cast<double>(k) * w), x1 = p.X(start + static_cast<double>(k + 1) * w);
      double yy = v[k].is_number() ? y(v[k].get<double>()) : NAN;
      pts.emplace_back(x0, yy);
      pts.emplace_back(x1, yy);
    }
    svg += Polyline(pts, colour);
    legend.emplace_back(node, colour);
  }
  for (const auto& [name, colour] : fault_colours) legend.emplace_back(name, colour);
  svg += Legend(legend, p.left + 8, p.top + 12);
  svg += "</svg>\n<p class=caption>per node, the share of its ops answered in each " + FormatDouble("%g", w) +
         " s window, drawn as a step across the window (gaps: the node was asked nothing).</p>";
  return svg;
}

std::string ClockOffsetPlot(const std::vector<FaultInterval>& faults, double end_s) {
  auto series = ClockOffsets(faults);
  if (series.empty()) return "<p>No clock faults in this run.</p>";
  Plot p;
  p.x_max = std::max(p.x_max, end_s);
  double lim = 1;
  for (const auto& [node, pts] : series) {
    for (const auto& pt : pts) {
      p.x_max = std::max(p.x_max, pt.t_s);
      lim = std::max(lim, std::fabs(pt.offset_ms));
    }
  }
  for (const auto& iv : faults) p.x_max = std::max(p.x_max, static_cast<double>(iv.end) / 1e9);
  // Symmetric about 0, to a round number past the largest offset, ticks at round steps.
  const double step = NiceStep(lim, 3);
  lim = std::ceil(lim / step - 1e-9) * step;
  auto y = [&](double ms) { return p.top + p.PlotH() * (0.5 - ms / (2.2 * lim)); };
  std::vector<std::pair<double, std::string>> ticks;
  for (double k = -std::round(lim / step); k * step <= lim * (1 + 1e-9); k += 1) {
    ticks.emplace_back(k * step, (k > 0 ? "+" : "") + TickLabel(k * step, step));
  }
  std::map<std::string, std::string> fault_colours;
  std::string svg = "<svg viewBox=\"0 0 900 300\" class=plot>\n";
  svg += FaultShading(p, faults, &fault_colours);
  svg += YAxis(p, ticks, y, "clock offset (ms)");
  svg += XAxis(p);
  std::vector<std::pair<std::string, std::string>> legend;
  size_t i = 0;
  for (const auto& [node, pts] : series) {
    const char* colour = kSeries[i++ % std::size(kSeries)];
    // A step function starting at 0.
    std::vector<std::pair<double, double>> line = {{p.X(0), y(0)}};
    double cur = 0;
    for (const auto& pt : pts) {
      line.emplace_back(p.X(pt.t_s), y(cur));
      line.emplace_back(p.X(pt.t_s), y(pt.offset_ms));
      cur = pt.offset_ms;
    }
    line.emplace_back(p.X(p.x_max), y(cur));
    svg += Polyline(line, colour);
    legend.emplace_back(node, colour);
  }
  for (const auto& [name, colour] : fault_colours) legend.emplace_back(name, colour);
  svg += Legend(legend, p.left + 8, p.top + 12);
  svg += "</svg>\n<p class=caption>each node's clock offset as the clock nemesis recorded it (strobe drawn at its "
         "high value).</p>";
  return svg;
}

std::string ThroughputPlot(const History& history, const std::vector<FaultInterval>& faults) {
  PairedOps paired = PairClientOps(history);
  double t_max = 0;
  for (const OpPair& pr : paired.pairs) {
    if (pr.completion) t_max = std::max(t_max, static_cast<double>(history[*pr.completion].time) / 1e9);
  }
  if (t_max <= 0) return "<p>No completed client operations to plot.</p>";
  double width_s = std::max(1.0, std::ceil(t_max / 300.0));
  size_t n = static_cast<size_t>(std::floor(t_max / width_s)) + 1;
  std::map<OpType, std::vector<double>> rate;
  for (OpType t : {OpType::kOk, OpType::kFail, OpType::kInfo}) rate[t].assign(n, 0.0);
  for (const OpPair& pr : paired.pairs) {
    if (!pr.completion) continue;
    const Op& done = history[*pr.completion];
    size_t b = std::min(n - 1, static_cast<size_t>(static_cast<double>(done.time) / 1e9 / width_s));
    rate[done.type][b] += 1.0 / width_s;
  }
  double r_max = 1;
  for (auto& [t, v] : rate) for (double r : v) r_max = std::max(r_max, r);
  // The axis ends at a round number above the highest rate, ticks at round steps.
  const double r_step = NiceStep(r_max, 5);
  r_max = std::ceil(r_max / r_step - 1e-9) * r_step;
  Plot p;
  p.x_max = std::max(t_max, static_cast<double>(n) * width_s);
  auto y = [&](double r) { return p.top + p.PlotH() * (1.0 - r / r_max); };
  std::map<std::string, std::string> fault_colours;
  std::string svg = "<svg viewBox=\"0 0 900 300\" class=plot>\n";
  svg += FaultShading(p, faults, &fault_colours);
  for (double k = 0; k * r_step <= r_max * (1 + 1e-9); k += 1) {
    double r = k * r_step;
    svg += "<line x1=\"" + FormatDouble("%.1f", p.left) + "\" y1=\"" + FormatDouble("%.1f", y(r)) + "\" x2=\"" +
           FormatDouble("%.1f", p.left + p.PlotW()) + "\" y2=\"" + FormatDouble("%.1f", y(r)) + "\" stroke=\"#ddd\"/>";
    svg += "<text x=\"" + FormatDouble("%.1f", p.left - 6) + "\" y=\"" + FormatDouble("%.1f", y(r) + 4) +
           "\" text-anchor=\"end\">" + TickLabel(r, r_step) + "</text>";
  }
  svg += "<text transform=\"translate(14," + FormatDouble("%.1f", p.top + p.PlotH() / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">ops/s</text>";
  svg += XAxis(p);
  const std::pair<OpType, const char*> order[] = {
      {OpType::kOk, kOkPoint}, {OpType::kInfo, kInfoPoint}, {OpType::kFail, kFailPoint}};
  for (const auto& [type, colour] : order) {
    std::string pts;
    for (size_t i = 0; i < n; ++i) {
      pts += FormatDouble("%.1f", p.X((static_cast<double>(i) + 0.5) * width_s)) + "," +
             FormatDouble("%.1f", y(rate[type][i])) + " ";
    }
    svg += "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" + std::string(colour) + "\" points=\"" + pts + "\"/>\n";
  }
  svg += Legend(OutcomeLegend(fault_colours), p.left + 8, p.top + 12);
  svg += "</svg>\n<p class=caption>completions per second, " + FormatDouble("%g", width_s) + " s buckets.</p>";
  return svg;
}

std::string BankTotalsPlot(const json& bank, const std::vector<FaultInterval>& faults) {
  if (!bank.is_object() || !bank.contains("totals") || !bank["totals"].is_array() || bank["totals"].empty()) {
    return "<p>No balance reads to plot.</p>";
  }
  const double expected = bank.value("expected_total", json(0)).is_number() ? bank["expected_total"].get<double>() : 0;
  double lo = expected, hi = expected;
  Plot p;
  std::vector<std::pair<double, double>> pts;
  for (const json& t : bank["totals"]) {
    if (!t.is_array() || t.size() != 2 || !t[0].is_number() || !t[1].is_number()) continue;
    pts.emplace_back(t[0].get<double>(), t[1].get<double>());
    p.x_max = std::max(p.x_max, pts.back().first);
    lo = std::min(lo, pts.back().second);
    hi = std::max(hi, pts.back().second);
  }
  for (const auto& iv : faults) p.x_max = std::max(p.x_max, static_cast<double>(iv.end) / 1e9);
  const double pad = std::max(1.0, (hi - lo) * 0.1);
  lo -= pad;
  hi += pad;
  auto y = [&](double v) { return p.top + p.PlotH() * (1 - (v - lo) / (hi - lo)); };
  std::map<std::string, std::string> fault_colours;
  std::string svg = "<svg viewBox=\"0 0 900 300\" class=plot>\n";
  svg += FaultShading(p, faults, &fault_colours);
  std::vector<std::pair<double, std::string>> ticks = {{lo + pad, FormatDouble("%.0f", lo + pad)},
                                                       {expected, FormatDouble("%.0f", expected)},
                                                       {hi - pad, FormatDouble("%.0f", hi - pad)}};
  svg += YAxis(p, ticks, y, "total of balances");
  svg += XAxis(p);
  svg += Polyline({{p.X(0), y(expected)}, {p.X(p.x_max), y(expected)}}, "#6DB6FE", 1);
  size_t wrong = 0;
  for (const auto& [t, total] : pts) {
    const bool ok = total == expected;
    wrong += !ok;
    svg += "<circle cx=\"" + FormatDouble("%.1f", p.X(t)) + "\" cy=\"" + FormatDouble("%.1f", y(total)) + "\" r=\"" +
           (ok ? "1.8" : "2.6") + "\" fill=\"" + (ok ? "#1f77b4" : "#e7298a") + "\"><title>" +
           FormatDouble("%.3fs", t) + " total " + FormatDouble("%.0f", total) + "</title></circle>\n";
  }
  std::vector<std::pair<std::string, std::string>> legend = {{"expected total", "#6DB6FE"},
                                                             {"read: right total", "#1f77b4"},
                                                             {"read: wrong total", "#e7298a"}};
  for (const auto& [name, colour] : fault_colours) legend.emplace_back(name, colour);
  svg += Legend(legend, p.left + 8, p.top + 12);
  svg += "</svg>\n<p class=caption>" + std::to_string(pts.size()) +
         " balance reads plotted (right totals sampled when many): " + std::to_string(wrong) +
         " with a total other than the expected " + FormatDouble("%.0f", expected) + ".</p>";
  return svg;
}

namespace {

std::vector<std::string> Strings(const json& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const json& x : v) {
    if (x.is_string()) out.push_back(x.get<std::string>());
  }
  return out;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
  return out;
}

}  // namespace

std::vector<MemberStep> MembershipSteps(const History& history) {
  std::vector<MemberStep> steps;
  for (const NemesisOp& nop : PairNemesisOps(history)) {
    const Op& done = *nop.completion;
    if (done.f != "start-membership" && done.f != "stop-membership") continue;
    // Members unknown (the store did not answer after the change): no point.
    if (!done.value.is_object() || !done.value.contains("members") || !done.value["members"].is_array()) continue;
    MemberStep step;
    step.t_s = static_cast<double>(done.time) / 1e9;
    step.op = done.value.value("op", std::string());
    step.left = Strings(done.value.value("left", json()));
    step.joined = Strings(done.value.value("joined", json()));
    step.members = Strings(done.value["members"]);
    const json& results = done.value.value("results", json());
    if (results.is_array()) {
      for (const json& r : results) {
        if (r.is_object() && r.contains("epoch") && !r["epoch"].is_null()) step.epoch = r["epoch"];
      }
    }
    steps.push_back(std::move(step));
  }
  if (steps.empty()) return steps;
  std::sort(steps.begin(), steps.end(), [](const MemberStep& a, const MemberStep& b) { return a.t_s < b.t_s; });
  MemberStep before;
  before.op = "before";
  for (const auto& m : steps.front().members) {
    if (std::find(steps.front().joined.begin(), steps.front().joined.end(), m) == steps.front().joined.end()) {
      before.members.push_back(m);
    }
  }
  for (const auto& m : steps.front().left) before.members.push_back(m);
  std::sort(before.members.begin(), before.members.end());
  steps.insert(steps.begin(), std::move(before));
  return steps;
}

std::string MembershipPlot(const History& history, const std::vector<FaultInterval>& faults, double end_s) {
  std::vector<MemberStep> steps = MembershipSteps(history);
  if (steps.empty()) return "<p>No membership changes in this run.</p>";
  Plot p;
  p.height = 220;
  p.x_max = std::max(p.x_max, end_s);
  size_t most = 1;
  for (const auto& st : steps) {
    p.x_max = std::max(p.x_max, st.t_s);
    most = std::max(most, st.members.size());
  }
  for (const auto& iv : faults) p.x_max = std::max(p.x_max, static_cast<double>(iv.end) / 1e9);
  // Whole members only: 0 to one above the most, a tick at every count.
  const double top = static_cast<double>(most + 1);
  auto y = [&](double n) { return p.top + p.PlotH() * (1.0 - n / top); };
  std::vector<std::pair<double, std::string>> ticks;
  const double step = std::max(1.0, NiceStep(top, 5));
  for (double k = 0; k <= top + 1e-9; k += step) ticks.emplace_back(k, FormatDouble("%g", k));
  std::map<std::string, std::string> fault_colours;
  std::string svg = "<svg viewBox=\"0 0 900 " + FormatDouble("%.0f", p.height) + "\" class=\"plot membership\">\n";
  svg += FaultShading(p, faults, &fault_colours);
  svg += YAxis(p, ticks, y, "members");
  svg += XAxis(p);
  const char* colour = kSeries[0];
  std::vector<std::pair<double, double>> line;
  double cur = static_cast<double>(steps.front().members.size());
  line.emplace_back(p.X(0), y(cur));
  std::string marks;
  bool any_epoch = false;
  for (size_t i = 1; i < steps.size(); ++i) {
    const MemberStep& st = steps[i];
    const double n = static_cast<double>(st.members.size());
    line.emplace_back(p.X(st.t_s), y(cur));
    line.emplace_back(p.X(st.t_s), y(n));
    cur = n;
    std::string what = st.op;
    if (!st.left.empty()) what += ", left " + Joined(st.left);
    if (!st.joined.empty()) what += ", joined " + Joined(st.joined);
    marks += "<circle class=member-step cx=\"" + FormatDouble("%.1f", p.X(st.t_s)) + "\" cy=\"" + FormatDouble("%.1f", y(n)) +
             "\" r=\"4\" fill=\"" + colour + "\"><title>" + FormatDouble("%.2f s: ", st.t_s) + HtmlEscape(what) + " &rarr; " +
             std::to_string(st.members.size()) + " members (" + HtmlEscape(Joined(st.members)) + ")" +
             (st.epoch.is_null() ? "" : ", epoch " + HtmlEscape(st.epoch.dump())) + "</title></circle>\n";
    // The ring's epoch beside its step, where the store reports one.
    if (!st.epoch.is_null()) {
      any_epoch = true;
      marks += "<text class=epoch x=\"" + FormatDouble("%.1f", p.X(st.t_s) + 3) + "\" y=\"" + FormatDouble("%.1f", y(n) - 6) +
               "\" font-size=\"10\">e" + HtmlEscape(st.epoch.dump()) + "</text>\n";
    }
  }
  line.emplace_back(p.X(p.x_max), y(cur));
  svg += Polyline(line, colour, 2);
  svg += marks;
  std::vector<std::pair<std::string, std::string>> legend = {{"members", colour}};
  for (const auto& [name, colour2] : fault_colours) legend.emplace_back(name, colour2);
  svg += Legend(legend, p.left + 8, p.top + 12);
  svg += "</svg>\n<p class=caption>the store's member count after each membership change (dots; hover for the "
         "change and the members" +
         std::string(any_epoch ? "; eN: the ring's epoch after it" : "") +
         "), starting from the members before the first change.</p>";
  return svg;
}

}  // namespace faultline
