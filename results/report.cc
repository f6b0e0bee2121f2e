#include "results/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "checkers/fault_intervals.h"
#include "checkers/linearizable.h"
#include "checkers/op_pairs.h"
#include "harness/core/html_escape.h"
#include "results/run_store.h"

namespace faultline {
namespace fs = std::filesystem;

namespace {

constexpr const char* kValidColour = "#6DB6FE";
constexpr const char* kInvalidColour = "#FEB5DA";
constexpr const char* kUnknownColour = "#FFAA26";
// Point colours as in Jepsen's perf plots.
constexpr const char* kOkPoint = "#81BFFC";
constexpr const char* kFailPoint = "#FF1E90";
constexpr const char* kInfoPoint = "#FFA400";
constexpr size_t kMaxPoints = 20000;       // latency plot points
constexpr size_t kMaxJsonChars = 200000;   // per checker details block
constexpr const char* kFaultFills[] = {"#9e9e9e", "#a1887f", "#90a4ae", "#ce93d8", "#80cbc4", "#c5e1a5"};

std::string Fmt(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// "valid" / "invalid" / "unknown" from a results.json "valid" field.
std::string VerdictWord(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "valid" : "invalid";
  return "unknown";
}

const char* VerdictColour(const std::string& word) {
  if (word == "valid") return kValidColour;
  if (word == "invalid") return kInvalidColour;
  return kUnknownColour;
}

std::string Badge(const json& v) {
  std::string w = VerdictWord(v);
  return "<span class=badge style=\"background:" + std::string(VerdictColour(w)) + "\">" + w + "</span>";
}

std::string PrettyJson(const json& j) {
  std::string s = j.dump(2, ' ', false, json::error_handler_t::replace);
  if (s.size() > kMaxJsonChars) s = s.substr(0, kMaxJsonChars) + "\n... (truncated; see results.json)";
  return s;
}

// The checker results: {name: details} from either results.json shape.
json CheckerResults(const json& results) {
  json out = json::object();
  if (!results.is_object()) return out;
  const json& src = results.contains("details") && results["details"].is_object() ? results["details"] : results;
  for (auto it = src.begin(); it != src.end(); ++it) {
    if (it.key() != "valid" && it.value().is_object()) out[it.key()] = it.value();
  }
  return out;
}

std::string Percent(const json& a) {
  if (!a.is_number()) return "&ndash;";
  return Fmt("%.1f%%", a.get<double>() * 100.0);
}

struct Plot {
  double width = 900, height = 300, left = 64, right = 16, top = 16, bottom = 40;
  double x_max = 1;
  double PlotW() const { return width - left - right; }
  double PlotH() const { return height - top - bottom; }
  double X(double s) const { return left + PlotW() * std::clamp(s / x_max, 0.0, 1.0); }
};

std::string FaultShading(const Plot& p, const std::vector<FaultInterval>& faults,
                         std::map<std::string, std::string>* colours) {
  std::string out;
  for (const FaultInterval& iv : faults) {
    auto [it, added] = colours->try_emplace(iv.fault, "");
    if (added) it->second = kFaultFills[(colours->size() - 1) % std::size(kFaultFills)];
    double x0 = p.X(static_cast<double>(iv.start) / 1e9), x1 = p.X(static_cast<double>(iv.end) / 1e9);
    std::string nodes;
    for (const auto& n : iv.nodes) nodes += (nodes.empty() ? "" : ",") + n;
    out += "<rect x=\"" + Fmt("%.1f", x0) + "\" y=\"" + Fmt("%.1f", p.top) + "\" width=\"" +
           Fmt("%.1f", std::max(1.0, x1 - x0)) + "\" height=\"" + Fmt("%.1f", p.PlotH()) +
           "\" fill=\"" + it->second + "\" fill-opacity=\"0.25\"><title>" + HtmlEscape(iv.fault) +
           (nodes.empty() ? "" : " on " + HtmlEscape(nodes)) + Fmt(" %.2fs", static_cast<double>(iv.start) / 1e9) +
           Fmt("&ndash;%.2fs", static_cast<double>(iv.end) / 1e9) + "</title></rect>\n";
  }
  return out;
}

std::string Legend(const std::vector<std::pair<std::string, std::string>>& items, double x, double y) {
  std::string out;
  for (const auto& [label, colour] : items) {
    out += "<rect x=\"" + Fmt("%.0f", x) + "\" y=\"" + Fmt("%.0f", y - 9) +
           "\" width=\"10\" height=\"10\" fill=\"" + colour + "\"/><text x=\"" + Fmt("%.0f", x + 14) +
           "\" y=\"" + Fmt("%.0f", y) + "\">" + HtmlEscape(label) + "</text>";
    x += 24 + 7.0 * static_cast<double>(label.size());
  }
  return out;
}

std::string XAxis(const Plot& p) {
  std::string out = "<line x1=\"" + Fmt("%.1f", p.left) + "\" y1=\"" + Fmt("%.1f", p.top + p.PlotH()) +
                    "\" x2=\"" + Fmt("%.1f", p.left + p.PlotW()) + "\" y2=\"" +
                    Fmt("%.1f", p.top + p.PlotH()) + "\" stroke=\"#333\"/>";
  double step = std::pow(10.0, std::floor(std::log10(std::max(p.x_max, 1e-3))));
  if (p.x_max / step < 4) step /= 2;
  for (double t = 0; t <= p.x_max + 1e-9; t += step) {
    double x = p.X(t);
    out += "<line x1=\"" + Fmt("%.1f", x) + "\" y1=\"" + Fmt("%.1f", p.top + p.PlotH()) + "\" x2=\"" +
           Fmt("%.1f", x) + "\" y2=\"" + Fmt("%.1f", p.top + p.PlotH() + 4) + "\" stroke=\"#333\"/>";
    out += "<text x=\"" + Fmt("%.1f", x) + "\" y=\"" + Fmt("%.1f", p.top + p.PlotH() + 16) +
           "\" text-anchor=\"middle\">" + Fmt("%g", t) + "</text>";
  }
  out += "<text x=\"" + Fmt("%.1f", p.left + p.PlotW() / 2) + "\" y=\"" + Fmt("%.1f", p.height - 4) +
         "\" text-anchor=\"middle\">time (s)</text>";
  return out;
}

struct OpPoint {
  double t_s;       // completion time, seconds
  double latency_ms;
  OpType type;
};

std::vector<OpPoint> LatencyPoints(const History& history, size_t* total) {
  std::vector<OpPoint> pts;
  PairedOps paired = PairClientOps(history);
  for (const OpPair& p : paired.pairs) {
    if (!p.completion) continue;
    const Op& inv = history[p.invoke];
    const Op& done = history[*p.completion];
    pts.push_back({static_cast<double>(done.time) / 1e9,
                   std::max(1e-3, static_cast<double>(done.time - inv.time) / 1e6), done.type});
  }
  *total = pts.size();
  if (pts.size() <= kMaxPoints) return pts;
  // Keep fail/info points first (they are the interesting ones), then sample ok.
  std::vector<OpPoint> rare, ok;
  for (const auto& pt : pts) (pt.type == OpType::kOk ? ok : rare).push_back(pt);
  // Evenly spaced picks of `n` items from `v`.
  auto sample = [](const std::vector<OpPoint>& v, size_t n, std::vector<OpPoint>* out) {
    for (size_t j = 0; j < n && j < v.size(); ++j) out->push_back(v[j * v.size() / std::min(n, v.size())]);
  };
  std::vector<OpPoint> out;
  sample(rare, kMaxPoints / 2, &out);
  sample(ok, kMaxPoints - out.size(), &out);
  return out;
}

std::string LatencyPlot(const History& history, const std::vector<FaultInterval>& faults) {
  size_t total = 0;
  std::vector<OpPoint> pts = LatencyPoints(history, &total);
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
  for (double d = dlo; d <= dhi + 1e-9; d += 1) {
    double yy = y(std::pow(10.0, d));
    svg += "<line x1=\"" + Fmt("%.1f", p.left) + "\" y1=\"" + Fmt("%.1f", yy) + "\" x2=\"" +
           Fmt("%.1f", p.left + p.PlotW()) + "\" y2=\"" + Fmt("%.1f", yy) + "\" stroke=\"#ddd\"/>";
    svg += "<text x=\"" + Fmt("%.1f", p.left - 6) + "\" y=\"" + Fmt("%.1f", yy + 4) +
           "\" text-anchor=\"end\">" + Fmt("%g", std::pow(10.0, d)) + "</text>";
  }
  svg += "<text transform=\"translate(14," + Fmt("%.1f", p.top + p.PlotH() / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">latency (ms)</text>";
  svg += XAxis(p);
  // One path per outcome: each point is a 2x2 square.
  std::map<OpType, std::string> paths;
  for (const auto& pt : pts) {
    paths[pt.type] += "M" + Fmt("%.1f", p.X(pt.t_s) - 1) + " " + Fmt("%.1f", y(pt.latency_ms) - 1) + "h2v2h-2z";
  }
  const std::pair<OpType, const char*> order[] = {
      {OpType::kOk, kOkPoint}, {OpType::kInfo, kInfoPoint}, {OpType::kFail, kFailPoint}};
  for (const auto& [type, colour] : order) {
    if (paths.count(type)) svg += "<path fill=\"" + std::string(colour) + "\" d=\"" + paths[type] + "\"/>\n";
  }
  std::vector<std::pair<std::string, std::string>> legend = {
      {"ok", kOkPoint}, {"info", kInfoPoint}, {"fail", kFailPoint}};
  for (const auto& [name, colour] : fault_colours) legend.emplace_back(name, colour);
  svg += Legend(legend, p.left + 8, p.top + 12);
  svg += "</svg>\n";
  std::string caption = "<p class=caption>" + std::to_string(total) + " completed ops";
  if (pts.size() < total) caption += " (" + std::to_string(pts.size()) + " plotted: all fail/info first, ok sampled)";
  caption += "; shaded: faults active.</p>";
  return svg + caption;
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
  Plot p;
  p.x_max = std::max(t_max, static_cast<double>(n) * width_s);
  auto y = [&](double r) { return p.top + p.PlotH() * (1.0 - r / r_max); };
  std::map<std::string, std::string> fault_colours;
  std::string svg = "<svg viewBox=\"0 0 900 300\" class=plot>\n";
  svg += FaultShading(p, faults, &fault_colours);
  for (int i = 0; i <= 4; ++i) {
    double r = r_max * i / 4.0;
    svg += "<line x1=\"" + Fmt("%.1f", p.left) + "\" y1=\"" + Fmt("%.1f", y(r)) + "\" x2=\"" +
           Fmt("%.1f", p.left + p.PlotW()) + "\" y2=\"" + Fmt("%.1f", y(r)) + "\" stroke=\"#ddd\"/>";
    svg += "<text x=\"" + Fmt("%.1f", p.left - 6) + "\" y=\"" + Fmt("%.1f", y(r) + 4) +
           "\" text-anchor=\"end\">" + Fmt("%.0f", r) + "</text>";
  }
  svg += "<text transform=\"translate(14," + Fmt("%.1f", p.top + p.PlotH() / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">ops/s</text>";
  svg += XAxis(p);
  const std::pair<OpType, const char*> order[] = {
      {OpType::kOk, kOkPoint}, {OpType::kInfo, kInfoPoint}, {OpType::kFail, kFailPoint}};
  for (const auto& [type, colour] : order) {
    std::string pts;
    for (size_t i = 0; i < n; ++i) {
      pts += Fmt("%.1f", p.X((static_cast<double>(i) + 0.5) * width_s)) + "," + Fmt("%.1f", y(rate[type][i])) + " ";
    }
    svg += "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" + std::string(colour) + "\" points=\"" + pts + "\"/>\n";
  }
  std::vector<std::pair<std::string, std::string>> legend = {
      {"ok", kOkPoint}, {"info", kInfoPoint}, {"fail", kFailPoint}};
  for (const auto& [name, colour] : fault_colours) legend.emplace_back(name, colour);
  svg += Legend(legend, p.left + 8, p.top + 12);
  svg += "</svg>\n<p class=caption>completions per second, " + Fmt("%g", width_s) + " s buckets.</p>";
  return svg;
}

std::string AvailabilityRow(const std::string& label, const json& a) {
  auto num = [](const json& j, const char* k) {
    return j.is_object() && j.contains(k) ? j[k].dump() : std::string("&ndash;");
  };
  auto pct = [](const json& j) { return j.is_object() && j.contains("availability") ? Percent(j["availability"]) : "&ndash;"; };
  json fault = a.value("fault", json()), healthy = a.value("healthy", json());
  return "<tr><td>" + HtmlEscape(label) + "</td><td>" + num(a, "ok") + " / " + num(a, "completed") + "</td><td>" +
         pct(a) + "</td><td>" + pct(fault) + " <small>(" + num(fault, "completed") + ")</small></td><td>" +
         pct(healthy) + " <small>(" + num(healthy, "completed") + ")</small></td></tr>\n";
}

std::string AvailabilitySection(const json& a) {
  if (!a.is_object() || !a.contains("completed")) return "<p>No availability results.</p>";
  std::string out = "<table><tr><th></th><th>ok / completed</th><th>availability</th>"
                    "<th>during faults</th><th>healthy</th></tr>\n";
  out += AvailabilityRow("overall", a);
  if (a.contains("by_node")) for (auto it = a["by_node"].begin(); it != a["by_node"].end(); ++it)
    out += AvailabilityRow("node " + it.key(), it.value());
  if (a.contains("by_f")) for (auto it = a["by_f"].begin(); it != a["by_f"].end(); ++it)
    out += AvailabilityRow("f " + it.key(), it.value());
  out += "</table>\n";
  if (a.contains("longest_outage")) {
    const json& lo = a["longest_outage"];
    out += "<p>Longest stretch without a successful op: <b>" + Fmt("%.2f s", lo.value("duration_s", 0.0)) +
           "</b> (" + Fmt("%.2f", lo.value("start_s", 0.0)) + "&ndash;" + Fmt("%.2f s", lo.value("end_s", 0.0)) +
           "). Fault time " + Fmt("%.2f s", a.value("fault_time_s", 0.0)) + ", healthy time " +
           Fmt("%.2f s", a.value("healthy_time_s", 0.0)) + ".</p>\n";
  }
  if (a.contains("recovery") && !a["recovery"].empty()) {
    std::set<std::string> nodes;
    for (const json& r : a["recovery"]) for (auto it = r["nodes"].begin(); it != r["nodes"].end(); ++it) nodes.insert(it.key());
    out += "<p>Seconds from each heal to the first successful op on each node:</p><table><tr><th>fault</th><th>healed at (s)</th>";
    for (const auto& n : nodes) out += "<th>" + HtmlEscape(n) + "</th>";
    out += "</tr>\n";
    for (const json& r : a["recovery"]) {
      out += "<tr><td>" + HtmlEscape(r.value("fault", "")) + "</td><td>" + Fmt("%.2f", r.value("heal_s", 0.0)) + "</td>";
      for (const auto& n : nodes) {
        const json& v = r["nodes"].contains(n) ? r["nodes"][n] : json();
        out += "<td>" + (v.is_number() ? Fmt("%.3f", v.get<double>()) : std::string("never")) + "</td>";
      }
      out += "</tr>\n";
    }
    out += "</table>\n";
  }
  return out;
}

// Other HTML files a checker left in the run directory (not report.html).
// A checker's results.json entry back as a CheckResult.
CheckResult ToCheckResult(const json& details) {
  CheckResult r;
  std::string w = VerdictWord(details.value("valid", json()));
  r.valid = w == "valid" ? Validity::kValid : w == "invalid" ? Validity::kInvalid : Validity::kUnknown;
  r.details = details;
  return r;
}

// An op as the linearizable checker reports it (checkers/linearizable.h).
bool WellFormedOp(const json& op) {
  auto number = [&](const char* k, bool required) {
    return op.contains(k) ? op[k].is_number() : !required;
  };
  return op.is_object() && op.contains("process") &&
         (op["process"].is_string() || op["process"].is_number_integer()) && op.contains("f") &&
         op["f"].is_string() && op.contains("type") && op["type"].is_string() && op.contains("value") &&
         op.contains("index") && op["index"].is_number_integer() && op.contains("invoke_position") &&
         op["invoke_position"].is_number_integer() && number("completion_index", false) &&
         number("complete_position", false) && number("invoke_time", false) &&
         number("complete_time", false) &&
         (!op.contains("complete_position") || op.contains("complete_time"));
}

// True when `lin` (results.json's "linearizable" entry, possibly read from
// disk) has every field ExplainLinearizable / WriteLinearizabilityHtml read,
// with the right types: they index the JSON without checking.
bool WellFormedLinearizable(const json& lin) {
  if (!lin.is_object()) return false;
  for (const char* k : {"reason", "error", "model"}) {
    if (lin.contains(k) && !lin[k].is_string()) return false;
  }
  for (const char* k : {"ops", "partitions", "configurations", "elapsed_s"}) {
    if (lin.contains(k) && !lin[k].is_number()) return false;
  }
  if (!lin.contains("failure")) return true;
  const json& f = lin["failure"];
  if (!f.is_object() || !f.contains("key") || !f.contains("linearized") || !f["linearized"].is_array()) {
    return false;
  }
  if (f.contains("message") && !f["message"].is_string()) return false;
  if (f.contains("op") && !WellFormedOp(f["op"])) return false;
  for (const json& l : f["linearized"]) {
    if (!l.is_object() || !l.contains("op") || !WellFormedOp(l["op"]) || !l.contains("state")) return false;
  }
  for (const char* k : {"concurrent", "states_before"}) {
    if (f.contains(k) && !f[k].is_array()) return false;
  }
  if (f.contains("concurrent")) {
    for (const json& op : f["concurrent"]) {
      if (!WellFormedOp(op)) return false;
    }
  }
  return true;
}

// ExplainLinearizable for a well-formed entry; empty otherwise.
std::string LinearizableExplanation(const json& lin) {
  if (!WellFormedLinearizable(lin)) return "";
  try {
    return ExplainLinearizable(ToCheckResult(lin));
  } catch (const std::exception&) {
    return "";
  }
}

std::vector<std::string> ExtraHtmlFiles(const std::string& run_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (run_dir.empty() || !fs::is_directory(run_dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(run_dir, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".html") continue;
    std::string rel = fs::relative(e.path(), run_dir, ec).string();
    if (rel == "report.html" || rel.starts_with("nodes/")) continue;
    out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

constexpr const char* kStyle = R"(
body{font-family:sans-serif;margin:1.5em auto;max-width:960px;color:#222}
h1{font-size:1.4em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
.verdict{padding:.8em 1em;font-size:1.3em;border-radius:4px}
.badge{padding:.1em .5em;border-radius:3px}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}
pre{background:#f6f6f6;padding:.6em;overflow:auto;max-height:30em;font-size:.85em}
.plot{width:100%;height:auto;font-size:11px} .caption{color:#666;font-size:.85em}
.note{background:#fff6e0;padding:.4em .8em} iframe{width:100%;height:30em;border:1px solid #ddd}
)";

}  // namespace

std::string RenderReport(const ReportInput& in) {
  static const History kEmpty;
  const History& history = in.history ? *in.history : kEmpty;
  std::string name = in.test.is_object() && in.test.contains("name") && in.test["name"].is_string()
                         ? in.test["name"].get<std::string>()
                         : fs::path(in.run_dir).parent_path().filename().string();
  json valid = in.results.is_object() && in.results.contains("valid") ? in.results["valid"] : json("unknown");
  std::string word = in.results.is_null() ? "unknown" : VerdictWord(valid);
  json checkers = CheckerResults(in.results);
  std::vector<FaultInterval> faults = FaultIntervals(history);

  std::string h = "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>faultline: " +
                  HtmlEscape(name) + " " + word + "</title><style>" + kStyle + "</style></head><body>\n";
  h += "<h1>faultline run: " + HtmlEscape(name) + "</h1>\n<p>" + HtmlEscape(in.run_dir) + "</p>\n";
  h += "<div class=verdict style=\"background:" + std::string(VerdictColour(word)) + "\">Verdict: <b>" +
       word + "</b>";
  if (in.results.is_null()) h += " (not checked)";
  h += "</div>\n";
  for (const auto& n : in.notes) h += "<p class=note>" + HtmlEscape(n) + "</p>\n";

  h += "<h2>Checkers</h2>\n<table><tr><th>checker</th><th>verdict</th><th>summary</th></tr>\n";
  for (auto it = checkers.begin(); it != checkers.end(); ++it) {
    const json& d = it.value();
    std::string summary = d.contains("error") ? (d["error"].is_string() ? d["error"].get<std::string>() : d["error"].dump()) : "";
    h += "<tr><td><a href=\"#c-" + HtmlEscape(it.key()) + "\">" + HtmlEscape(it.key()) + "</a></td><td>" +
         Badge(d.value("valid", json("unknown"))) + "</td><td>" + HtmlEscape(summary) + "</td></tr>\n";
  }
  h += "</table>\n";

  h += "<h2>Latency</h2>\n" + LatencyPlot(history, faults);
  h += "<h2>Throughput</h2>\n" + ThroughputPlot(history, faults);
  h += "<h2>Availability</h2>\n" +
       AvailabilitySection(checkers.contains("availability") ? checkers["availability"] : json());

  if (checkers.contains("linearizable")) {
    const json& lin = checkers["linearizable"];
    h += "<h2>Linearizability</h2>\n<p>" + Badge(lin.value("valid", json("unknown"))) + "</p>\n";
    if (VerdictWord(lin.value("valid", json())) != "valid") {
      // The checker's own explanation: the op that cannot be linearized, the
      // end of the longest linearizable prefix with the states, the ops
      // concurrent with it (the counterexample); the diagram is in
      // linearizability.html below.
      std::string explanation = LinearizableExplanation(lin);
      if (!explanation.empty()) {
        h += "<pre class=explanation>" + HtmlEscape(explanation) + "</pre>\n";
      } else {
        h += "<p>(no explanation: the linearizable results are not in the checker's format)</p>\n";
      }
    }
  }
  std::vector<std::string> extra = ExtraHtmlFiles(in.run_dir);
  if (!extra.empty()) {
    h += "<h2>Checker pages</h2>\n";
    for (const auto& f : extra) {
      h += "<p><a href=\"" + HtmlEscape(f) + "\">" + HtmlEscape(f) + "</a></p><iframe src=\"" + HtmlEscape(f) +
           "\" title=\"" + HtmlEscape(f) + "\"></iframe>\n";
    }
  }

  h += "<h2>Checker details</h2>\n";
  for (auto it = checkers.begin(); it != checkers.end(); ++it) {
    h += "<details id=\"c-" + HtmlEscape(it.key()) + "\"" +
         (VerdictWord(it.value().value("valid", json())) == "valid" ? "" : " open") + "><summary>" +
         HtmlEscape(it.key()) + " " + Badge(it.value().value("valid", json("unknown"))) + "</summary><pre>" +
         HtmlEscape(PrettyJson(it.value())) + "</pre></details>\n";
  }
  h += "<h2>Test</h2>\n<pre>" + HtmlEscape(PrettyJson(in.test)) + "</pre>\n";
  h += "<p class=caption>" + std::to_string(history.size()) + " history events; " +
       std::to_string(faults.size()) + " fault intervals.</p>\n</body></html>\n";
  return h;
}

Status WriteReport(const ReportInput& input) {
  // The linearizability checker's diagram page for a run it did not find
  // valid, (re)written so that it matches these results; report.html embeds it.
  json checkers = CheckerResults(input.results);
  if (input.history != nullptr && checkers.contains("linearizable") &&
      VerdictWord(checkers["linearizable"].value("valid", json())) != "valid" &&
      WellFormedLinearizable(checkers["linearizable"])) {
    Status s = WriteLinearizabilityHtml(ToCheckResult(checkers["linearizable"]), *input.history,
                                        "linearizability", input.run_dir + "/linearizability.html");
    if (!s.ok()) return s;
  }
  return WriteTextFile(input.run_dir + "/report.html", RenderReport(input));
}

}  // namespace faultline
