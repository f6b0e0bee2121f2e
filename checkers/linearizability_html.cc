// linearizability.html: a self-contained page (inline CSS and SVG, no
// scripts or network) explaining a linearizability verdict. For an invalid
// history it draws the failure window per process on a time axis (invoke
// time to completion time; event positions when the history has no times),
// colours each op by its role, and lists the partial linearization with the
// state after each op and the states possible just before the failure.
#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "checkers/linearizable.h"
#include "harness/core/html_escape.h"

namespace faultline {
namespace {

constexpr const char* kValidColour = "#6DB6FE";
constexpr const char* kInvalidColour = "#FEB5DA";
constexpr const char* kUnknownColour = "#FFAA26";
constexpr const char* kOtherColour = "#DDDDDD";

std::string Short(const json& v, size_t max = 40) {
  std::string s = v.dump();
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

std::string ProcText(const json& op) {
  return op["process"].is_string() ? op["process"].get<std::string>() : std::to_string(op["process"].get<int64_t>());
}

std::string OpCell(const json& op) {
  std::string s = "process " + ProcText(op) + " :" + op["f"].get<std::string>();
  if (op.contains("key")) s += " [" + Short(op["key"], 20) + "]";
  s += " " + Short(op["value"], 60) + " (" + op["type"].get<std::string>() + ", event " +
       std::to_string(op["index"].get<int64_t>()) + ")";
  return HtmlEscape(s);
}

}  // namespace

Status WriteLinearizabilityHtml(const CheckResult& result, const History& history, const std::string& title,
                                const std::string& path) {
  const json& d = result.details;
  std::string verdict(ValidityName(result.valid));
  const char* colour = result.valid == Validity::kValid     ? kValidColour
                       : result.valid == Validity::kInvalid ? kInvalidColour
                                                            : kUnknownColour;
  std::string h;
  h += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>linearizability: " + HtmlEscape(title) +
       "</title>\n<style>body{font-family:sans-serif;margin:1.5em;color:#222}"
       "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
       ".verdict{display:inline-block;padding:4px 12px;border-radius:4px;font-weight:bold}"
       ".legend span{display:inline-block;padding:2px 8px;margin-right:6px;border-radius:3px}"
       "code{font-size:12px}</style></head><body>\n";
  h += "<h1>Linearizability of " + HtmlEscape(title) + "</h1>\n";
  h += "<p><span class=\"verdict\" style=\"background:" + std::string(colour) + "\">" + verdict + "</span> model <b>" +
       HtmlEscape(d.value("model", std::string("?"))) + "</b>, " + std::to_string(d.value("ops", 0)) + " ops, " +
       std::to_string(d.value("partitions", 0)) + " independent key(s), " +
       std::to_string(d.value("configurations", 0)) + " configurations explored, " +
       HtmlEscape(json(d.value("elapsed_s", 0.0)).dump()) + " s</p>\n";
  if (result.valid == Validity::kUnknown) {
    h += "<p>Reason: " + HtmlEscape(d.value("reason", d.value("error", std::string("?")))) + "</p>\n";
  }
  if (result.valid == Validity::kInvalid && d.contains("failure")) {
    const json& f = d["failure"];
    h += "<h2>Why</h2><p>" + HtmlEscape(f.value("message", std::string())) + "</p>\n";
    if (!f["key"].is_null()) h += "<p>Key: <code>" + HtmlEscape(f["key"].dump()) + "</code></p>\n";
    const json& lin = f["linearized"];
    // The ops in the window: the failing op, its concurrent ops, and the last
    // linearized ops before it.
    std::map<int64_t, int> lin_pos;  // invoke position -> 1-based order
    for (size_t i = 0; i < lin.size(); ++i) lin_pos[lin[i]["op"]["invoke_position"].get<int64_t>()] = i + 1;
    std::vector<json> window;
    std::set<int64_t> in_window;
    auto add = [&](const json& op) {
      if (in_window.insert(op["invoke_position"].get<int64_t>()).second) window.push_back(op);
    };
    if (f.contains("op")) add(f["op"]);
    if (f.contains("concurrent")) {
      for (const auto& op : f["concurrent"]) {
        if (window.size() >= 60) break;
        add(op);
      }
    }
    size_t last = std::min<size_t>(lin.size(), 10);
    for (size_t i = lin.size() - last; i < lin.size(); ++i) add(lin[i]["op"]);
    // Time axis: real times when every op has them, else event positions.
    bool use_time = true;
    for (const auto& op : window) {
      if (op.value("invoke_time", 0) <= 0 || (op.contains("complete_time") && op["complete_time"] < op["invoke_time"]))
        use_time = false;
    }
    auto start_of = [&](const json& op) {
      return use_time ? op["invoke_time"].get<double>() : op["invoke_position"].get<double>();
    };
    double lo = 1e300, hi = -1e300;
    for (const auto& op : window) {
      lo = std::min(lo, start_of(op));
      hi = std::max(hi, start_of(op));
      if (op.contains("complete_position") && op["type"] == "ok") {
        hi = std::max(hi, use_time ? op["complete_time"].get<double>() : op["complete_position"].get<double>());
      }
    }
    double pending_end = hi + (hi - lo) * 0.15 + 1;
    auto end_of = [&](const json& op) {
      if (op["type"] != "ok") return pending_end;
      return use_time ? op["complete_time"].get<double>() : op["complete_position"].get<double>();
    };
    std::vector<std::string> procs;
    for (const auto& op : window) {
      std::string p = ProcText(op);
      if (std::find(procs.begin(), procs.end(), p) == procs.end()) procs.push_back(p);
    }
    std::sort(procs.begin(), procs.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    const double width = 1100, left = 90, row = 34;
    double height = procs.size() * row + 50;
    auto x = [&](double t) { return left + (t - lo) / std::max(1e-9, pending_end - lo) * (width - left - 20); };
    h += "<h2>The failure window, per process</h2>\n<p class=\"legend\"><span style=\"background:" +
         std::string(kValidColour) + "\">linearized (number = order)</span><span style=\"background:" + kInvalidColour +
         "\">cannot be linearized</span><span style=\"background:" + kUnknownColour +
         "\">pending (info / never completed)</span><span style=\"background:" + kOtherColour +
         "\">not linearized yet</span> x axis: " + (use_time ? "time (ns since start)" : "event position") + "</p>\n";
    h += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(static_cast<int>(width)) +
         "\" height=\"" + std::to_string(static_cast<int>(height)) + "\" font-size=\"11\">\n";
    for (size_t i = 0; i < procs.size(); ++i) {
      double y = 20 + i * row;
      h += "<text x=\"4\" y=\"" + std::to_string(y + 20) + "\">process " + HtmlEscape(procs[i]) + "</text>";
      h += "<line x1=\"" + std::to_string(left) + "\" x2=\"" + std::to_string(width) + "\" y1=\"" +
           std::to_string(y + row - 2) + "\" y2=\"" + std::to_string(y + row - 2) + "\" stroke=\"#eee\"/>\n";
    }
    for (const auto& op : window) {
      size_t r = std::find(procs.begin(), procs.end(), ProcText(op)) - procs.begin();
      double y = 22 + r * row;
      double x0 = x(start_of(op)), x1 = std::max(x0 + 4, x(end_of(op)));
      int64_t ip = op["invoke_position"].get<int64_t>();
      bool failing = f.contains("op") && f["op"]["invoke_position"] == op["invoke_position"];
      std::string fill = failing ? kInvalidColour : lin_pos.count(ip) ? kValidColour
                                                  : op["type"] != "ok" ? kUnknownColour : kOtherColour;
      std::string label = ":" + op["f"].get<std::string>() + " " + Short(op["value"], 24);
      if (lin_pos.count(ip)) label = "#" + std::to_string(lin_pos[ip]) + " " + label;
      h += "<g><title>" + OpCell(op) + "</title><rect x=\"" + std::to_string(x0) + "\" y=\"" + std::to_string(y) +
           "\" width=\"" + std::to_string(x1 - x0) + "\" height=\"" + std::to_string(row - 8) + "\" rx=\"3\" fill=\"" +
           fill + "\" stroke=\"" + (failing ? "#c00" : "#888") + "\"/><text x=\"" + std::to_string(x0 + 3) +
           "\" y=\"" + std::to_string(y + 17) + "\">" + HtmlEscape(label) + "</text></g>\n";
    }
    h += "</svg>\n";
    if (f.contains("states_before")) {
      h += "<h2>States the model could be in when the op had to take effect</h2><ul>\n";
      for (const auto& s : f["states_before"]) h += "<li><code>" + HtmlEscape(s.dump()) + "</code></li>\n";
      h += "</ul>\n";
    }
    h += "<h2>Longest linearizable prefix (" + std::to_string(lin.size()) + " ops)</h2>\n";
    h += "<table><tr><th>#</th><th>op</th><th>state after</th></tr>\n";
    size_t from = lin.size() > 500 ? lin.size() - 500 : 0;
    if (from) h += "<tr><td colspan=\"3\">... " + std::to_string(from) + " earlier ops ...</td></tr>\n";
    for (size_t i = from; i < lin.size(); ++i) {
      h += "<tr><td>" + std::to_string(i + 1) + "</td><td style=\"background:" + kValidColour + "\">" +
           OpCell(lin[i]["op"]) + "</td><td><code>" + HtmlEscape(Short(lin[i]["state"], 200)) + "</code></td></tr>\n";
    }
    if (f.contains("op")) {
      h += "<tr><td>-</td><td style=\"background:" + std::string(kInvalidColour) + "\">" + OpCell(f["op"]) +
           "</td><td>cannot be linearized</td></tr>\n";
    }
    h += "</table>\n";
    if (f.contains("concurrent")) {
      h += "<h2>Ops concurrent with it (" + std::to_string(f["concurrent"].size()) + ")</h2><ul>\n";
      for (const auto& op : f["concurrent"]) h += "<li>" + OpCell(op) + "</li>\n";
      h += "</ul>\n";
    }
  }
  h += "<p style=\"color:#888\">faultline check; " + std::to_string(history.size()) + " events in the file.</p>\n";
  h += "</body></html>\n";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << h;
  out.close();
  if (!out) return Status::Error("cannot write " + path);
  return Status::Ok();
}

}  // namespace faultline
