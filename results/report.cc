#include "results/report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "checkers/counterexample.h"
#include "checkers/fault_intervals.h"
#include "checkers/fault_summary.h"
#include "checkers/linearizable.h"
#include "checkers/op_pairs.h"
#include "harness/core/format_double.h"
#include "harness/core/html_escape.h"
#include "results/plots.h"
#include "results/run_store.h"
#include "results/set_html.h"
#include "results/timeline.h"
#include "results/txn_cycles_html.h"

namespace faultline {
namespace fs = std::filesystem;

namespace {

constexpr const char* kValidColour = "#6DB6FE";
constexpr const char* kInvalidColour = "#FEB5DA";
constexpr const char* kUnknownColour = "#FFAA26";
constexpr size_t kMaxJsonChars = 200000;   // per checker details block

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
  return FormatDouble("%.1f%%", a.get<double>() * 100.0);
}


std::string AvailabilityRow(const std::string& label, const json& a) {
  auto num = [](const json& j, const char* k) {
    return j.is_object() && j.contains(k) ? j[k].dump() : std::string("&ndash;");
  };
  auto pct = [](const json& j) { return j.is_object() && j.contains("availability") ? Percent(j["availability"]) : "&ndash;"; };
  json fault = a.value("fault", json()), healthy = a.value("healthy", json()), targeted = a.value("targeted", json());
  return "<tr><td>" + HtmlEscape(label) + "</td><td>" + num(a, "ok") + " / " + num(a, "completed") + "</td><td>" +
         pct(a) + "</td><td>" + Percent(a.value("time_availability", json())) + "</td><td>" + pct(fault) +
         " <small>(" + num(fault, "completed") + ")</small></td><td>" +
         (targeted.is_object() ? pct(targeted) + " <small>(" + num(targeted, "completed") + ")</small>" : "") +
         "</td><td>" + pct(healthy) + " <small>(" + num(healthy, "completed") + ")</small></td></tr>\n";
}

std::string AvailabilitySection(const json& a) {
  if (!a.is_object() || !a.contains("completed")) return "<p>No availability results.</p>";
  std::string out = "<p><small>During faults: ops overlapping any active fault, on every row, so the "
                    "nodes' rows add up to the overall one; of which targeted: the node's ops during a fault aimed "
                    "at that node itself; healthy: ops while no fault was active. Counts of completed ops in "
                    "brackets.</small></p>\n<table><tr><th></th><th>ok / completed</th><th>availability (ops)</th>"
                    "<th>by time</th><th>during faults</th><th>of which targeted</th><th>healthy</th></tr>\n";
  out += AvailabilityRow("overall", a);
  if (a.contains("by_node")) for (auto it = a["by_node"].begin(); it != a["by_node"].end(); ++it)
    out += AvailabilityRow("node " + it.key(), it.value());
  if (a.contains("by_f")) for (auto it = a["by_f"].begin(); it != a["by_f"].end(); ++it)
    out += AvailabilityRow("f " + it.key(), it.value());
  out += "</table>\n";
  if (a.contains("longest_outage")) {
    const json& lo = a["longest_outage"];
    out += "<p>Longest stretch without a successful op: <b>" + FormatDouble("%.2f s", lo.value("duration_s", 0.0)) +
           "</b> (" + FormatDouble("%.2f", lo.value("start_s", 0.0)) + "&ndash;" +
           FormatDouble("%.2f s", lo.value("end_s", 0.0)) + "). Fault time " +
           FormatDouble("%.2f s", a.value("fault_time_s", 0.0)) + ", healthy time " +
           FormatDouble("%.2f s", a.value("healthy_time_s", 0.0)) + ".</p>\n";
  }
  if (a.contains("recovery") && !a["recovery"].empty()) {
    std::set<std::string> nodes;
    for (const json& r : a["recovery"]) for (auto it = r["nodes"].begin(); it != r["nodes"].end(); ++it) nodes.insert(it.key());
    out += "<p>Seconds from each heal to the first successful op on each node:</p><table><tr><th>fault</th><th>healed at (s)</th>";
    for (const auto& n : nodes) out += "<th>" + HtmlEscape(n) + "</th>";
    out += "</tr>\n";
    for (const json& r : a["recovery"]) {
      out += "<tr><td>" + HtmlEscape(r.value("fault", "")) + "</td><td>" +
             FormatDouble("%.2f", r.value("heal_s", 0.0)) + "</td>";
      for (const auto& n : nodes) {
        const json& v = r["nodes"].contains(n) ? r["nodes"][n] : json();
        out += "<td>" + (v.is_number() ? FormatDouble("%.3f", v.get<double>()) : std::string("never")) + "</td>";
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

// One line on a checker's result for the report's checkers table: what it
// found (the linearizability sentence, anomaly counts, lost elements, the
// share of ops answered, ...) or why it could not decide. Reads the details
// defensively (they may come from a file).
std::string CheckerSummary(const json& d) {
  if (!d.is_object()) return "";
  auto str = [&](const json& j, const char* k) -> std::string {
    return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : "";
  };
  auto count = [&](const char* k) -> long long {
    return d.contains(k) && d[k].is_number_integer() ? d[k].get<long long>() : -1;
  };
  if (d.contains("error")) return d["error"].is_string() ? d["error"].get<std::string>() : d["error"].dump();
  if (d.contains("failure") && d["failure"].is_object()) {
    std::string s = str(d["failure"], "sentence");
    return s.empty() ? str(d["failure"], "message") : s;
  }
  if (d.contains("anomaly-counts") && d["anomaly-counts"].is_object() && !d["anomaly-counts"].empty()) {
    std::string s;
    for (auto it = d["anomaly-counts"].begin(); it != d["anomaly-counts"].end(); ++it) {
      s += (s.empty() ? "" : ", ") + it.key() + " (" + it.value().dump() + ")";
    }
    if (d.contains("not") && d["not"].is_array() && !d["not"].empty()) {
      std::string models;
      for (const json& m : d["not"]) models += (models.empty() ? "" : ", ") + (m.is_string() ? m.get<std::string>() : m.dump());
      s += "; not " + models;
    }
    return s;
  }
  // A checker's own one-line account (the bank checker's "N of M balance
  // reads wrong: ...") says more than a bare count.
  if (d.contains("message") && d["message"].is_string()) return d["message"].get<std::string>();
  std::string out;
  for (const char* k : {"lost_count", "unexpected_count", "stale_count", "error_count"}) {
    long long n = count(k);
    if (n > 0) {
      std::string word = k;
      word = word.substr(0, word.size() - 6);
      out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + word;
    }
  }
  if (!out.empty()) return out;
  if (std::string r = str(d, "reason"); !r.empty()) return r;
  if (d.contains("availability") && d["availability"].is_number() && d.contains("completed")) {
    return FormatDouble("%.1f%% of ", d["availability"].get<double>() * 100.0) + d["completed"].dump() +
           " completed ops answered";
  }
  return "";
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
  // increment(ec), not ++: a file that vanishes meanwhile ends the scan
  // instead of throwing out of the report.
  for (auto it = fs::recursive_directory_iterator(run_dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto& e = *it;
    if (!e.is_regular_file(ec) || e.path().extension() != ".html") continue;
    std::string rel = fs::relative(e.path(), run_dir, ec).string();
    if (rel == "report.html" || rel.starts_with("nodes/")) continue;
    out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Shell-quotes one argument (single quotes unless it is plainly safe).
std::string ShellQuote(const std::string& s) {
  bool safe = !s.empty();
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("@%_-+=:,./", c))) safe = false;
  }
  if (safe) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The commands that reproduce a run: test.json holds every setting and the
// seed, so `--spec` is exact; the flag form is the same run spelled out (node
// and rarely used settings stay in test.json).
std::vector<std::string> ReproduceCommands(const json& test, const std::string& run_dir) {
  std::vector<std::string> out;
  if (!test.is_object() || !test.contains("seed")) return out;
  out.push_back("faultline test --spec " + ShellQuote(run_dir + "/test.json"));
  std::string cmd = "faultline test";
  auto add = [&](const char* flag, const char* key) {
    if (!test.contains(key)) return;
    const json& v = test[key];
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    if (v.is_array()) {
      text.clear();
      for (const json& e : v) text += (text.empty() ? "" : ",") + (e.is_string() ? e.get<std::string>() : e.dump());
      if (text.empty()) return;
    }
    cmd += std::string(" --") + flag + " " + ShellQuote(text);
  };
  add("name", "name");
  add("target", "target");
  add("workload", "workload");
  add("time-limit", "time_limit");
  add("concurrency", "concurrency");
  add("rate", "rate");
  add("nemesis", "nemesis");
  if (test.contains("nemesis") && test["nemesis"].is_array() && !test["nemesis"].empty()) {
    add("nemesis-interval", "nemesis_interval");
  }
  for (const auto& [flag, key] : {std::pair{"target-opt", "target_opts"}, {"workload-opt", "workload_opts"}}) {
    if (test.contains(key) && test[key].is_object()) {
      for (const auto& [k, v] : test[key].items()) {
        cmd += std::string(" --") + flag + " " + ShellQuote(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
      }
    }
  }
  add("seed", "seed");
  out.push_back(cmd);
  return out;
}

// Links to the run's files that exist, and each node's downloaded logs.
std::string FileLinks(const std::string& run_dir) {
  std::string out;
  std::error_code ec;
  for (const char* f : {"history.jsonl", "results.json", "faultline.log", "test.json", "crashed.json"}) {
    if (run_dir.empty() || fs::exists(fs::path(run_dir) / f, ec)) {
      out += "<a href=\"" + std::string(f) + "\">" + f + "</a> ";
    }
  }
  std::vector<std::string> logs;
  fs::path nodes = fs::path(run_dir) / "nodes";
  if (!run_dir.empty() && fs::is_directory(nodes, ec)) {
    for (auto it = fs::recursive_directory_iterator(nodes, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec)) logs.push_back(fs::relative(it->path(), run_dir, ec).string());
      if (logs.size() > 200) break;
    }
  }
  std::sort(logs.begin(), logs.end());
  out = "<p class=files>Files: " + out + "</p>\n";
  if (!logs.empty()) {
    out += "<p class=files>Node logs:";
    for (const auto& l : logs) out += " <a href=\"" + HtmlEscape(l) + "\">" + HtmlEscape(l) + "</a>";
    out += "</p>\n";
  }
  return out;
}

constexpr const char* kReportStyle = R"(
body{font-family:sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.4em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
.verdict{padding:.8em 1em;font-size:1.3em;border-radius:4px}
.badge{padding:.1em .5em;border-radius:3px}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}
pre{background:#f6f6f6;padding:.6em;overflow:auto;max-height:30em;font-size:.85em}
.plot{width:100%;height:auto;font-size:11px} .caption{color:#666;font-size:.85em}
.note{background:#fff6e0;padding:.4em .8em} iframe{width:100%;height:30em;border:1px solid #ddd}
.facts th{background:#fafafa;width:9em} .cmd{display:flex;gap:.5em;align-items:flex-start}
.cmd pre{flex:1;margin:.2em 0;white-space:pre-wrap;word-break:break-all;user-select:all}
.files a{margin-right:.6em} .tl-wrap{width:100%;user-select:none} .tl-wrap canvas{display:block;cursor:crosshair}
.tl-tip{position:absolute;z-index:2;pointer-events:none;background:#fffff0;border:1px solid #999;max-width:320px;
 white-space:pre-wrap;font-size:12px;margin:0;box-shadow:1px 1px 4px #0003}
.tl-line{min-height:3em} .tl-controls{margin:.4em 0} .tl-controls .caption{color:#333}
.tl-key{display:inline-block;width:.9em;height:.9em;margin:0 .25em 0 .4em;vertical-align:-.1em;border:1px solid #0004}
.sentence{background:#fff0f6;border-left:4px solid #FEB5DA;padding:.5em .8em} .cx{overflow-x:auto}
.cx-legend span{display:inline-block;padding:2px 8px;margin-right:4px;border-radius:3px;font-size:.85em}
)";

// What each fault kind did (checkers/fault_summary.h), and every schedule
// step that had to wait for the previous fault op.
std::string FaultsRanSection(const History& history) {
  std::vector<FaultKindSummary> summary = SummarizeFaults(history);
  if (summary.empty()) return "";
  auto joined = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  std::string h =
      "<h2>Faults that ran</h2>\n<table><tr><th>fault</th><th>times</th><th>active</th><th>nodes</th>"
      "<th>targets</th><th>waited</th></tr>\n";
  for (const auto& s : summary) {
    h += "<tr><td>" + HtmlEscape(s.fault) + "</td><td>" + std::to_string(s.count) + "</td><td>" +
         FormatDouble("%.1f s", s.active_s) + "</td><td>" + HtmlEscape(joined(s.nodes)) + "</td><td>" +
         HtmlEscape(joined(s.targets)) + "</td><td>" +
         (s.waited ? std::to_string(s.waited) + FormatDouble(" (up to %.1f s)", s.waited_max_s) : std::string("0")) +
         "</td></tr>\n";
  }
  h += "</table>\n";
  std::string waits;
  for (const NemesisOp& nop : PairNemesisOps(history)) {
    const Op& op = *nop.invoke;
    if (!op.extra.is_object()) continue;
    const json& sch = op.extra.value("schedule", json());
    if (!sch.is_object() || !sch.contains("waited-s") || !sch["waited-s"].is_number()) continue;
    std::string step = sch.contains("step") ? "step " + sch["step"].dump() + " " : std::string();
    waits += "<li>" + HtmlEscape(step + op.f) + FormatDouble(" was due at %.1f s", sch.value("at", 0.0)) +
             FormatDouble(" and waited %.1f s", sch["waited-s"].get<double>()) + " for " +
             HtmlEscape(sch.value("waited-for", std::string("the previous fault op"))) + " to finish</li>\n";
  }
  if (!waits.empty()) h += "<p>Scheduled fault ops that waited for the previous one:</p><ul>" + waits + "</ul>\n";
  return h;
}

}  // namespace

std::string LinearizabilitySentence(const json& lin, const History& history) {
  if (!WellFormedLinearizable(lin) || !lin.contains("failure")) return "";
  try {
    return DescribeCounterexample(lin["failure"], history).sentence;
  } catch (const std::exception&) {
    return "";  // a failure the diagram cannot place: the checker's message stays
  }
}

std::string RenderReport(const ReportInput& in) {
  static const History kEmpty;
  const History& history = in.history ? *in.history : kEmpty;
  std::string name = in.test.is_object() && in.test.contains("name") && in.test["name"].is_string()
                         ? in.test["name"].get<std::string>()
                         : fs::path(in.run_dir).parent_path().filename().string();
  json valid = in.results.is_object() && in.results.contains("valid") ? in.results["valid"] : json("unknown");
  std::string word = in.results.is_null() ? "unknown" : VerdictWord(valid);
  json checkers = CheckerResults(in.results);
  checkers.erase("crashed");
  checkers.erase("interrupted");
  checkers.erase("faults");
  std::vector<FaultInterval> faults = FaultIntervals(history);
  const json availability = checkers.contains("availability") ? checkers["availability"] : json();

  std::string h = "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>faultline: " + HtmlEscape(name) +
                  " " + word + "</title>" + ErrorCatcherScript() + "<style>" + kReportStyle + TxnAnomaliesStyle() +
                  SetSectionStyle() + "</style></head><body>\n";
  h += "<h1>faultline run: " + HtmlEscape(name) + "</h1>\n";
  h += "<div class=verdict style=\"background:" + std::string(VerdictColour(word)) + "\">Verdict: <b>" +
       word + "</b>";
  if (in.results.is_null()) h += " (not checked)";
  if (in.results.is_object() && in.results.contains("crashed")) h += " &mdash; <b>crashed</b>: its controller died";
  if (in.results.is_object() && in.results.contains("interrupted")) {
    const json& i = in.results["interrupted"];
    h += " &mdash; <b>interrupted</b>: checked only the " +
         (i.is_object() && i.contains("events") ? i["events"].dump() + " " : std::string()) +
         "events recorded before the stop";
  }
  h += "</div>\n";

  // The facts of the run, and how to run it again.
  int64_t first = 0, last = 0;
  size_t client_ops = 0;
  for (const Op& op : history) {
    last = std::max(last, op.time);
    if (op.is_client() && !op.is_invoke()) ++client_ops;
  }
  if (!history.empty()) first = history.front().time;
  double duration = static_cast<double>(last - std::min(first, last)) / 1e9;
  h += "<table class=facts>";
  auto fact = [&](const std::string& k, const std::string& v) { h += "<tr><th>" + k + "</th><td>" + v + "</td></tr>"; };
  fact("test", HtmlEscape(name));
  if (in.test.is_object() && in.test.contains("seed")) fact("seed", HtmlEscape(in.test["seed"].dump()));
  std::string started = RunStartTime(in.run_dir);
  if (!started.empty()) fact("started", started);
  fact("duration", FormatDouble("%.1f s", duration));
  fact("client ops",
       std::to_string(client_ops) + " completed" +
           (duration > 0 ? FormatDouble(", %.0f ops/s", static_cast<double>(client_ops) / duration) : ""));
  if (availability.is_object() && availability.contains("availability")) {
    fact("availability", Percent(availability["availability"]) + " of ops, " +
                             Percent(availability.value("time_availability", json())) + " by time");
  }
  fact("run directory", HtmlEscape(in.run_dir));
  h += "</table>\n";
  std::vector<std::string> commands = ReproduceCommands(in.test, in.run_dir);
  if (!commands.empty()) {
    h += "<p>Reproduce (the same seed and settings):</p>\n";
    for (size_t i = 0; i < commands.size(); ++i) {
      h += "<div class=cmd><pre id=fl-cmd-" + std::to_string(i) + ">" + HtmlEscape(commands[i]) +
           "</pre><button type=button onclick=\"navigator.clipboard&&navigator.clipboard.writeText("
           "document.getElementById('fl-cmd-" + std::to_string(i) + "').textContent)\">copy</button></div>\n";
    }
  }
  h += FileLinks(in.run_dir);
  for (const auto& n : in.notes) h += "<p class=note>" + HtmlEscape(n) + "</p>\n";

  h += FaultsRanSection(history);

  h += "<h2>Checkers</h2>\n<table><tr><th>checker</th><th>verdict</th><th>summary</th></tr>\n";
  for (auto it = checkers.begin(); it != checkers.end(); ++it) {
    const json& d = it.value();
    std::string summary = CheckerSummary(d);
    h += "<tr><td><a href=\"#c-" + HtmlEscape(it.key()) + "\">" + HtmlEscape(it.key()) + "</a></td><td>" +
         Badge(d.value("valid", json("unknown"))) + "</td><td>" + HtmlEscape(summary) + "</td></tr>\n";
  }
  h += "</table>\n";

  if (checkers.contains("linearizable")) {
    const json& lin = checkers["linearizable"];
    h += "<h2>Linearizability</h2>\n<p>" + Badge(lin.value("valid", json("unknown"))) + "</p>\n";
    if (VerdictWord(lin.value("valid", json())) != "valid") {
      // The checker's own explanation: the op that cannot be linearized, the
      // end of the longest linearizable prefix with the states, the ops
      // concurrent with it (the counterexample); the diagram is in
      // linearizability.html below.
      std::string explanation = LinearizableExplanation(lin);
      if (!explanation.empty() && lin.contains("failure")) {
        // What to act on first: one sentence and the window on a time axis
        // with the faults active in it; its ops link to the timeline below.
        Counterexample cx = DescribeCounterexample(lin["failure"], history);
        h += "<p class=sentence><b>" + HtmlEscape(cx.sentence) + "</b></p>\n";
        if (cx.has_time) {
          std::string indices;
          for (int64_t i : cx.indices) indices += (indices.empty() ? "" : ",") + std::to_string(i);
          h += "<p><button type=button id=fl-cx-show data-indices=\"" + indices + "\" data-from=\"" +
               FormatDouble("%.6f", cx.from_s) + "\" data-to=\"" + FormatDouble("%.6f", cx.to_s) +
               "\">show the window on the timeline</button> <span class=caption>(or click an op in the "
               "diagram)</span></p>\n";
        }
        h += "<div class=cx>" + cx.svg + "</div>\n";
        h += "<details><summary>the checker's explanation</summary><pre class=explanation>" + HtmlEscape(explanation) +
             "</pre></details>\n";
      } else if (!explanation.empty()) {
        h += "<pre class=explanation>" + HtmlEscape(explanation) + "</pre>\n";
      } else {
        h += "<p>(no explanation: the linearizable results are not in the checker's format)</p>\n";
      }
    }
  }

  // Transactional checkers (list-append, rw-register): their anomalies, each
  // cycle drawn, as `faultline check --report` draws them.
  for (auto it = checkers.begin(); it != checkers.end(); ++it) {
    if (!IsTxnCheckResult(it.value())) continue;
    h += "<h2 id=\"txn-" + HtmlEscape(it.key()) + "\">Transactional anomalies: " + HtmlEscape(it.key()) + "</h2>\n" +
         TxnAnomaliesSection(it.value(), "fl-txn-" + it.key());
  }
  // Set checkers: the counts, and each lost / unexpected / stale element with
  // when it was added and last seen (Jepsen's set-full).
  for (auto it = checkers.begin(); it != checkers.end(); ++it) {
    if (!IsSetCheckResult(it.value())) continue;
    h += "<h2 id=\"set-" + HtmlEscape(it.key()) + "\">Set: " + HtmlEscape(it.key()) + " " +
         Badge(it.value().value("valid", json("unknown"))) + "</h2>\n" + SetSection(it.value(), history);
  }

  // The bank workload: every read's total over time (Jepsen's bank plot).
  if (checkers.contains("bank")) {
    const json& bank = checkers["bank"];
    h += "<h2 id=bank>Bank: totals of the balance reads</h2>\n<p>" + Badge(bank.value("valid", json("unknown"))) +
         " " + HtmlEscape(bank.value("reads", json(0)).dump()) + " reads, " +
         HtmlEscape(bank.value("error_count", json(0)).dump()) + " wrong; errors by type " +
         HtmlEscape(bank.value("error_counts", json::object()).dump()) + "</p>\n" + BankTotalsPlot(bank, faults);
  }

  int64_t threads = in.test.is_object() && in.test.value("concurrency", json()).is_number_integer()
                        ? std::max<int64_t>(0, in.test["concurrency"].get<int64_t>())
                        : 0;
  h += "<h2>Timeline</h2>\n" + RenderTimeline(history, faults, threads);
  h += "<h2>Latency</h2>\n" + LatencyPlot(history, faults) + LatencyQuantilePlot(history, faults);
  h += "<h2>Throughput</h2>\n" + ThroughputPlot(history, faults);
  // Only runs that changed membership get the section (most never do).
  if (!MembershipSteps(history).empty()) {
    h += "<h2 id=membership>Membership</h2>\n" + MembershipPlot(history, faults, static_cast<double>(last) / 1e9);
  }
  h += "<h2>Availability</h2>\n" +
       AvailabilityPlot(availability.is_object() ? availability.value("by_time", json()) : json(), faults,
                        static_cast<double>(last) / 1e9) +
       AvailabilitySection(availability);
  h += "<h2>Clock offsets</h2>\n" + ClockOffsetPlot(faults, static_cast<double>(last) / 1e9);

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
  // Counterexample ops -> the same ops on the timeline.
  h += "<script>(function(){var b=document.getElementById('fl-cx-show');if(!b||!window.faultlineTimeline)return;"
       "var from=+b.dataset.from,to=+b.dataset.to;"
       "b.onclick=function(){faultlineTimeline.show(b.dataset.indices.split(',').map(Number),from,to);};"
       "document.querySelectorAll('svg.counterexample g.op').forEach(function(g){g.style.cursor='pointer';"
       "g.addEventListener('click',function(){faultlineTimeline.show([+g.dataset.index],from,to);});});"
       "if(location.hash==='#counterexample')b.onclick();})();</script>\n";
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
    std::string title = input.test.is_object() && input.test.value("name", json()).is_string()
                            ? input.test["name"].get<std::string>() + " (" + fs::path(input.run_dir).filename().string() + ")"
                            : input.run_dir;
    Status s = WriteLinearizabilityHtml(ToCheckResult(checkers["linearizable"]), *input.history, title,
                                        input.run_dir + "/linearizability.html");
    if (!s.ok()) return s;
  }
  return WriteTextFile(input.run_dir + "/report.html", RenderReport(input));
}

}  // namespace faultline
