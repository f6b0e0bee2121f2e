// linearizability.html: a self-contained page (inline CSS and SVG, no
// network) explaining a linearizability verdict. For an invalid history it
// says what went wrong in one sentence and draws the failure window
// (checkers/counterexample.h: per process with its node, on a time axis, with
// the faults active in it), then lists the partial linearization with the
// state after each op and the states possible just before the failure. Its
// one line of script marks the page drawn (data-counterexample-drawn on
// <html>, the number of ops in the window) for tests.
#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "checkers/counterexample.h"
#include "checkers/linearizable.h"
#include "harness/core/html_escape.h"
#include "harness/core/nice_numbers.h"

namespace faultline {
namespace {

constexpr const char* kValidColour = "#6DB6FE";
constexpr const char* kInvalidColour = "#FEB5DA";
constexpr const char* kUnknownColour = "#FFAA26";

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
       "code{font-size:12px}.sentence{background:#fff0f6;border-left:4px solid #FEB5DA;padding:.5em .8em;max-width:1100px}"
       ".cx-legend span{display:inline-block;padding:2px 8px;margin-right:4px;border-radius:3px}</style></head><body>\n";
  h += "<h1>Linearizability of " + HtmlEscape(title) + "</h1>\n";
  h += "<p><span class=\"verdict\" style=\"background:" + std::string(colour) + "\">" + verdict + "</span> model <b>" +
       HtmlEscape(d.value("model", std::string("?"))) + "</b>, " + std::to_string(d.value("ops", 0)) + " ops, " +
       std::to_string(d.value("partitions", 0)) + " independent key(s), " +
       std::to_string(d.value("configurations", 0)) + " configurations explored, " +
       "checked in " + FormatDuration(d.value("elapsed_s", 0.0)) + "</p>\n";
  if (result.valid == Validity::kUnknown) {
    h += "<p>Reason: " + HtmlEscape(d.value("reason", d.value("error", std::string("?")))) + "</p>\n";
  }
  if (result.valid == Validity::kInvalid && d.contains("failure")) {
    const json& f = d["failure"];
    h += "<h2>Why</h2><p>" + HtmlEscape(f.value("message", std::string())) + "</p>\n";
    if (!f["key"].is_null()) h += "<p>Key: <code>" + HtmlEscape(f["key"].dump()) + "</code></p>\n";
    const json& lin = f["linearized"];
    // The sentence and the window on a time axis, with the faults active in it.
    Counterexample cx = DescribeCounterexample(f, history);
    h += "<p class=\"sentence\"><b>" + HtmlEscape(cx.sentence) + "</b></p>\n";
    h += "<h2>The failure window</h2>\n" + cx.svg;
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
  h += "<script>document.documentElement.setAttribute('data-counterexample-drawn',"
       "String(document.querySelectorAll('svg.counterexample g.op').length));</script>\n";
  h += "<p style=\"color:#888\">faultline check; " + std::to_string(history.size()) + " events in the file.</p>\n";
  h += "</body></html>\n";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << h;
  out.close();
  if (!out) return Status::Error("cannot write " + path);
  return Status::Ok();
}

}  // namespace faultline
