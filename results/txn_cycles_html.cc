#include "results/txn_cycles_html.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "harness/core/html_escape.h"

namespace faultline {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kBoxW = 250;     // a box fits kLineChars monospace characters
constexpr double kLineH = 15;
constexpr double kPad = 7;
constexpr size_t kLineChars = 36;
constexpr size_t kMaxMops = 6;    // micro-op lines per box; the rest is counted
constexpr size_t kKeyChars = 24;

const json& Field(const json& j, const char* k) {
  static const json kNull;
  return j.is_object() && j.contains(k) ? j[k] : kNull;
}

// Any value as display text: strings as themselves, the rest as JSON.
std::string Text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "?";
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// At most n bytes, cut at a UTF-8 character boundary, "…" when cut.
std::string Cut(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  size_t end = n - 1;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "\u2026";
}

// An element id from any text: characters other than [A-Za-z0-9_-] become
// '_', so it is safe in attributes and in url(#...).
std::string SafeId(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  }
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A read's list, Elle-style "[1 2 3]"; long lists as their ends and a count.
std::string ListText(const json& a) {
  std::string out = "[";
  auto add = [&](size_t i) { out += (out.size() > 1 ? " " : "") + Text(a[i]); };
  if (a.size() <= 6) {
    for (size_t i = 0; i < a.size(); ++i) add(i);
    return out + "]";
  }
  for (size_t i = 0; i < 3; ++i) add(i);
  out += " \u2026";
  for (size_t i = a.size() - 2; i < a.size(); ++i) add(i);
  return out + "] (" + std::to_string(a.size()) + ")";
}

// One micro-op as a line: "append 3 7", "r 3 [1 2 7]", "w 1 5", "r 2 nil".
std::string MopText(const json& m) {
  if (!m.is_array() || m.size() != 3) return Text(m);
  const json& v = m[2];
  std::string value = v.is_array() ? ListText(v) : v.is_null() ? "nil" : Text(v);
  return Text(m[0]) + " " + Text(m[1]) + " " + value;
}

// Fill of a box by the txn's outcome.
const char* TxnFill(const std::string& type) {
  if (type == "ok") return "#eef6ff";
  if (type == "fail") return "#fde7f1";
  return "#fff3df";  // info, or never completed
}

struct EdgeStyle {
  const char* colour;
  const char* dash;  // stroke-dasharray, "" for solid
};

// Data dependencies solid, orders (process, realtime) dashed.
EdgeStyle StyleOf(const std::string& kind) {
  if (kind == "ww") return {"#1f5fbf", ""};
  if (kind == "wr") return {"#23892f", ""};
  if (kind == "rw") return {"#c8262b", ""};
  if (kind == "realtime") return {"#7a4fb5", "6 4"};
  if (kind == "process") return {"#8a5a2b", "2 3"};
  return {"#555", "1 3"};
}

constexpr const char* kKinds[] = {"ww", "wr", "rw", "realtime", "process"};

struct Pt {
  double x = 0, y = 0;
};
Pt operator+(Pt a, Pt b) { return {a.x + b.x, a.y + b.y}; }
Pt operator-(Pt a, Pt b) { return {a.x - b.x, a.y - b.y}; }
Pt operator*(Pt a, double k) { return {a.x * k, a.y * k}; }
double Len(Pt a) { return std::hypot(a.x, a.y); }

struct Box {
  std::string name;
  std::vector<std::string> lines;  // after the title line
  std::string type;
  Pt c;  // centre
  double h = 0;
};

// Where the ray from box b's centre towards q leaves the box (plus a gap).
Pt Exit(const Box& b, Pt q) {
  Pt d = q - b.c;
  double l = Len(d);
  if (l < 1e-9) return b.c;
  double hw = kBoxW / 2, hh = b.h / 2;
  double t = std::min(std::abs(d.x) > 1e-9 ? hw / std::abs(d.x) : 1e18, std::abs(d.y) > 1e-9 ? hh / std::abs(d.y) : 1e18);
  if (t >= 1) return q;
  return b.c + d * t + d * (3 / l);
}

std::string EdgeLabel(const json& step) {
  std::string kind = Text(Field(step, "type"));
  std::string s = "<tspan font-weight=\"bold\">" + HtmlEscape(kind) + "</tspan>";
  const json& key = Field(step, "key");
  if (!key.is_null()) s += " key " + HtmlEscape(Cut(Text(key), kKeyChars));
  return s;
}

}  // namespace

bool IsTxnCheckResult(const json& details) {
  const json& model = Field(details, "model");
  return model.is_string() && (model == "list-append" || model == "rw-register") &&
         Field(details, "anomalies").is_object();
}

std::string TxnCycleSvg(const json& anomaly, const std::string& raw_id) {
  const std::string id = SafeId(raw_id);
  const json& txns = Field(anomaly, "txns");
  const json& steps = Field(anomaly, "steps");
  if (!txns.is_array() || !steps.is_array() || txns.empty() || steps.empty()) return "";

  std::vector<Box> boxes;
  std::map<std::string, size_t> by_name;
  for (const json& t : txns) {
    Box b;
    b.name = Text(Field(t, "name"));
    b.type = Field(t, "type").is_string() ? Field(t, "type").get<std::string>() : "?";
    b.lines.push_back("process " + Text(Field(t, "process")) + " \u00b7 " + b.type);
    const json& v = Field(t, "value");
    if (v.is_array()) {
      for (size_t i = 0; i < v.size() && i < kMaxMops; ++i) b.lines.push_back(Cut(MopText(v[i]), kLineChars));
      if (v.size() > kMaxMops) b.lines.push_back("\u2026 " + std::to_string(v.size() - kMaxMops) + " more");
    } else {
      b.lines.push_back(Cut(Text(v), kLineChars));
    }
    b.h = 2 * kPad + kLineH * static_cast<double>(b.lines.size() + 1);
    by_name.emplace(b.name, boxes.size());
    boxes.push_back(std::move(b));
  }
  const size_t n = boxes.size();
  double max_h = 0;
  for (const Box& b : boxes) max_h = std::max(max_h, b.h);

  // Boxes on a ring, clockwise from the top, in cycle order; two side by
  // side; adjacent boxes never overlap.
  Pt centre;
  if (n == 2) {
    boxes[0].c = {0, 0};
    boxes[1].c = {kBoxW + 170, 0};
    centre = {(kBoxW + 170) / 2, 0};
  } else if (n >= 3) {
    double r = std::max(150.0, (kBoxW + 80) / (2 * std::sin(kPi / static_cast<double>(n))));
    // Flatten the ring where the boxes leave room: their heights, not widths,
    // separate vertical neighbours.
    double ry = std::max(r * 0.7, (max_h + 60) / (2 * std::sin(kPi / static_cast<double>(n))));
    ry = std::min(ry, r);
    for (size_t i = 0; i < n; ++i) {
      double a = -kPi / 2 + 2 * kPi * static_cast<double>(i) / static_cast<double>(n);
      boxes[i].c = {r * std::cos(a), ry * std::sin(a)};
    }
  }

  struct Edge {
    std::string path, kind, from, to;
    Pt label;
    const json* step;
  };
  std::vector<Edge> edges;
  for (const json& s : steps) {
    auto f = by_name.find(Text(Field(s, "from")));
    auto t = by_name.find(Text(Field(s, "to")));
    if (f == by_name.end() || t == by_name.end()) continue;  // not one of the drawn txns
    Edge e;
    e.kind = Text(Field(s, "type"));
    e.from = f->first;
    e.to = t->first;
    e.step = &s;
    const Box& a = boxes[f->second];
    const Box& b = boxes[t->second];
    if (f->second == t->second) {  // a txn depending on itself: a loop over its top
      Pt p0 = a.c + Pt{-30, -a.h / 2}, p1 = a.c + Pt{30, -a.h / 2};
      e.path = "M" + Num(p0.x) + "," + Num(p0.y) + " C" + Num(p0.x - 20) + "," + Num(p0.y - 60) + " " +
               Num(p1.x + 20) + "," + Num(p1.y - 60) + " " + Num(p1.x) + "," + Num(p1.y - 2);
      e.label = a.c + Pt{0, -a.h / 2 - 52};
    } else {
      // A quadratic curve bowed away from the ring's centre (for two boxes,
      // each direction to its own side), leaving and entering the boxes
      // along its tangents.
      Pt d = b.c - a.c;
      double l = Len(d);
      Pt normal = Pt{-d.y, d.x} * (1 / l);
      Pt mid = (a.c + b.c) * 0.5;
      if (n >= 3 && (normal.x * (mid.x - centre.x) + normal.y * (mid.y - centre.y)) < 0) normal = normal * -1;
      Pt ctrl = mid + normal * (l * (n == 2 ? 0.28 : 0.16));
      Pt p0 = Exit(a, ctrl), p2 = Exit(b, ctrl);
      e.path = "M" + Num(p0.x) + "," + Num(p0.y) + " Q" + Num(ctrl.x) + "," + Num(ctrl.y) + " " + Num(p2.x) + "," +
               Num(p2.y);
      e.label = p0 * 0.25 + ctrl * 0.5 + p2 * 0.25;
    }
    edges.push_back(std::move(e));
  }

  // The drawing's extent: boxes, and room for labels around them.
  double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
  auto grow = [&](double x, double y) {
    x0 = std::min(x0, x);
    y0 = std::min(y0, y);
    x1 = std::max(x1, x);
    y1 = std::max(y1, y);
  };
  for (const Box& b : boxes) {
    grow(b.c.x - kBoxW / 2, b.c.y - b.h / 2);
    grow(b.c.x + kBoxW / 2, b.c.y + b.h / 2);
  }
  for (const Edge& e : edges) {
    grow(e.label.x - 70, e.label.y - 14);
    grow(e.label.x + 70, e.label.y + 10);
  }
  const double margin = 12, legend_h = 26;
  double w = x1 - x0 + 2 * margin, h = y1 - y0 + 2 * margin + legend_h;
  Pt shift{margin - x0, margin - y0 + legend_h};

  std::string s = "<svg class=\"txn-cycle\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(w) + "\" height=\"" +
                  Num(h) + "\" viewBox=\"0 0 " + Num(w) + " " + Num(h) + "\" data-txns=\"" + std::to_string(n) +
                  "\" data-edges=\"" + std::to_string(edges.size()) + "\" role=\"img\" aria-label=\"a cycle of " +
                  std::to_string(n) + " transactions\">\n<defs>";
  for (const char* k : kKinds) {
    s += "<marker id=\"" + id + "-arrow-" + k +
         "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" "
         "orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"" +
         StyleOf(k).colour + "\"/></marker>";
  }
  s += "<marker id=\"" + id +
       "-arrow-other\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" "
       "orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#555\"/></marker></defs>\n";
  // Legend: the edge kinds this cycle has.
  double lx = margin;
  for (const char* k : kKinds) {
    bool used = std::any_of(edges.begin(), edges.end(), [&](const Edge& e) { return e.kind == k; });
    if (!used) continue;
    EdgeStyle st = StyleOf(k);
    s += "<g class=\"txn-legend\"><line x1=\"" + Num(lx) + "\" y1=\"12\" x2=\"" + Num(lx + 28) +
         "\" y2=\"12\" stroke=\"" + st.colour + "\" stroke-width=\"2\"" +
         (*st.dash ? std::string(" stroke-dasharray=\"") + st.dash + "\"" : "") + "/><text x=\"" + Num(lx + 33) +
         "\" y=\"16\">" + k + "</text></g>";
    lx += 48 + 7 * static_cast<double>(std::char_traits<char>::length(k));
  }
  s += "\n<g transform=\"translate(" + Num(shift.x) + "," + Num(shift.y) + ")\">\n";
  for (const Edge& e : edges) {
    EdgeStyle st = StyleOf(e.kind);
    bool known = std::any_of(std::begin(kKinds), std::end(kKinds), [&](const char* k) { return e.kind == k; });
    // The label's background hides the arrow behind it (its width estimated:
    // ~7 px a character at the label's size; nothing is measured here).
    const json& key = Field(*e.step, "key");
    size_t chars = e.kind.size() + (key.is_null() ? 0 : 5 + std::min(Text(key).size(), kKeyChars));
    double lw = 7.0 * static_cast<double>(chars) + 10;
    s += "<g class=\"txn-edge\" data-kind=\"" + HtmlEscape(e.kind) + "\" data-from=\"" + HtmlEscape(e.from) +
         "\" data-to=\"" + HtmlEscape(e.to) + "\"><path d=\"" + e.path + "\" fill=\"none\" stroke=\"" + st.colour +
         "\" stroke-width=\"2\"" + (*st.dash ? std::string(" stroke-dasharray=\"") + st.dash + "\"" : "") +
         " marker-end=\"url(#" + id + "-arrow-" + (known ? HtmlEscape(e.kind) : "other") +
         ")\"/><rect class=\"txn-edge-bg\" x=\"" + Num(e.label.x - lw / 2) + "\" y=\"" + Num(e.label.y - 8) +
         "\" width=\"" + Num(lw) + "\" height=\"16\" rx=\"3\" fill=\"#fff\" fill-opacity=\"0.9\"/>" +
         "<text class=\"txn-edge-label\" x=\"" + Num(e.label.x) + "\" y=\"" + Num(e.label.y + 4) +
         "\" text-anchor=\"middle\" fill=\"" + st.colour + "\">" + EdgeLabel(*e.step) + "</text></g>\n";
  }
  for (const Box& b : boxes) {
    double bx = b.c.x - kBoxW / 2, by = b.c.y - b.h / 2;
    s += "<g class=\"txn-box\" data-name=\"" + HtmlEscape(b.name) + "\"><rect x=\"" + Num(bx) + "\" y=\"" + Num(by) +
         "\" width=\"" + Num(kBoxW) + "\" height=\"" + Num(b.h) + "\" rx=\"5\" fill=\"" + TxnFill(b.type) +
         "\" stroke=\"#445\" stroke-width=\"1.2\"/><text class=\"txn-name\" x=\"" + Num(bx + kPad) + "\" y=\"" +
         Num(by + kPad + 11) + "\">" + HtmlEscape(b.name) + "</text>";
    for (size_t i = 0; i < b.lines.size(); ++i) {
      s += "<text class=\"" + std::string(i == 0 ? "txn-meta" : "txn-mop") + "\" x=\"" + Num(bx + kPad) + "\" y=\"" +
           Num(by + kPad + 11 + kLineH * static_cast<double>(i + 1)) + "\">" + HtmlEscape(b.lines[i]) + "</text>";
    }
    s += "</g>\n";
  }
  s += "</g></svg>\n";
  return s;
}

const char* TxnAnomaliesStyle() {
  return R"(
.txn-anomalies .txn-cycle{max-width:100%;height:auto;display:block;margin:.4em 0}
.txn-cycle text{font-family:sans-serif;font-size:12px}
.txn-cycle .txn-name{font-weight:bold;font-size:13px} .txn-cycle .txn-meta{fill:#555}
.txn-cycle .txn-mop{font-family:monospace;font-size:11.5px}
.txn-cycle .txn-edge-label{font-size:12.5px}
.txn-anomaly{border:1px solid #ddd;border-radius:4px;padding:.3em .9em .6em;margin:.8em 0}
.txn-anomaly h4{margin:.4em 0}
.txn-steps li{margin:.2em 0} .txn-list td{font-family:monospace;font-size:.9em;word-break:break-all}
.txn-badge{padding:.1em .5em;border-radius:3px}
)";
}

std::string TxnAnomaliesSection(const json& details, const std::string& raw_id) {
  const std::string id = SafeId(raw_id);
  auto join = [](const json& a) {
    std::string out;
    if (!a.is_array()) return out;
    for (const json& x : a) out += (out.empty() ? "" : ", ") + HtmlEscape(Text(x));
    return out;
  };
  std::string h = "<div class=\"txn-anomalies\" id=\"" + id + "\">\n";
  const json& valid = Field(details, "valid");
  std::string word = valid.is_boolean() ? (valid.get<bool>() ? "valid" : "invalid") : "unknown";
  const char* colour = word == "valid" ? "#6DB6FE" : word == "invalid" ? "#FEB5DA" : "#FFAA26";
  const json& t = Field(details, "txns");
  auto count = [&](const char* k) { return Field(t, k).is_number_integer() ? Field(t, k).get<int64_t>() : 0; };
  h += "<p class=\"txn-summary\">" + std::to_string(count("ok") + count("info") + count("fail")) +
       " transactions (ok " + std::to_string(count("ok")) + ", info " + std::to_string(count("info")) + ", fail " +
       std::to_string(count("fail")) + ")";
  if (Field(details, "keys").is_number_integer()) h += " over " + Field(details, "keys").dump() + " keys";
  h += ", checked as " + HtmlEscape(Text(Field(details, "model"))) + " against " +
       join(Field(details, "consistency-models")) + ": <span class=\"txn-badge\" style=\"background:" + colour +
       "\">" + word + "</span></p>\n";
  if (Field(details, "reason").is_string()) {
    h += "<p>Unknown: " + HtmlEscape(Field(details, "reason").get<std::string>()) + "</p>\n";
  }
  const json& types = Field(details, "anomaly-types");
  const json& counts = Field(details, "anomaly-counts");
  const json& anomalies = Field(details, "anomalies");
  if (!types.is_array() || types.empty()) {
    h += "<p>No anomalies found.</p>\n</div>\n";
    return h;
  }
  std::string list;
  for (const json& ty : types) {
    list += (list.empty() ? "" : ", ") + std::string("<b>") + HtmlEscape(Text(ty)) + "</b> &times;" +
            HtmlEscape(Text(Field(counts, Text(ty).c_str())));
  }
  h += "<p>Anomalies: " + list + ".</p>\n";
  std::string models;
  if (Field(details, "not").is_array() && !Field(details, "not").empty()) {
    models += "Violates " + join(Field(details, "not")) + ". ";
  }
  if (Field(details, "weakest-violated").is_array() && !Field(details, "weakest-violated").empty()) {
    models += "Weakest model violated: " + join(Field(details, "weakest-violated")) + ". ";
  }
  if (Field(details, "strongest-satisfied").is_array() && !Field(details, "strongest-satisfied").empty()) {
    models += "Strongest models it may satisfy: " + join(Field(details, "strongest-satisfied")) + ".";
  }
  if (!models.empty()) h += "<p>" + models + "</p>\n";

  size_t drawn = 0;
  for (const json& ty : types) {
    const std::string type = Text(ty);
    const json& list_of = Field(anomalies, type.c_str());
    if (!list_of.is_array()) continue;
    const json& c = Field(counts, type.c_str());
    h += "<h3>" + HtmlEscape(type);
    if (c.is_number_unsigned() && c.get<size_t>() > list_of.size()) {
      h += " <small>(the first " + std::to_string(list_of.size()) + " of " + c.dump() + ")</small>";
    }
    h += "</h3>\n";
    for (size_t i = 0; i < list_of.size(); ++i) {
      const json& a = list_of[i];
      const json& steps = Field(a, "steps");
      const json& txns = Field(a, "txns");
      h += "<div class=\"txn-anomaly\" data-type=\"" + HtmlEscape(type) + "\">";
      if (steps.is_array()) {
        h += "<h4>" + HtmlEscape(type) + " " + std::to_string(i + 1) + ": a cycle of " +
             std::to_string(steps.size()) + " transactions</h4>\n";
        h += TxnCycleSvg(a, id + "-" + std::to_string(drawn++));
      } else {
        h += "<h4>" + HtmlEscape(type) + " " + std::to_string(i + 1) + "</h4>\n";
      }
      if (txns.is_array() && !txns.empty()) {
        h += "<table class=\"txn-list\"><tr><th>txn</th><th>process</th><th>outcome</th><th>micro-ops</th></tr>\n";
        for (const json& tx : txns) {
          h += "<tr><td>" + HtmlEscape(Text(Field(tx, "name"))) + "</td><td>" + HtmlEscape(Text(Field(tx, "process"))) +
               "</td><td>" + HtmlEscape(Text(Field(tx, "type"))) + "</td><td>" +
               HtmlEscape(Cut(Text(Field(tx, "value")), 2000)) + "</td></tr>\n";
        }
        h += "</table>\n";
      }
      if (steps.is_array()) {
        h += "<ol class=\"txn-steps\">";
        for (const json& s : steps) h += "<li>" + HtmlEscape(Text(Field(s, "why"))) + "</li>";
        h += "</ol>\n";
      } else if (Field(a, "why").is_string()) {
        h += "<p class=\"txn-why\">" + HtmlEscape(Field(a, "why").get<std::string>()) + "</p>\n";
      }
      h += "</div>\n";
    }
  }
  h += "</div>\n";
  return h;
}

std::string TxnAnomaliesPage(const json& details, const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>faultline: " + HtmlEscape(title) +
         "</title><style>body{font-family:sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222}"
         "h1{font-size:1.4em} h3{font-size:1.1em;margin-top:1.4em;border-bottom:1px solid #ddd}"
         "table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ddd;padding:.25em .6em;"
         "text-align:left}" +
         std::string(TxnAnomaliesStyle()) + "</style></head><body>\n<h1>" + HtmlEscape(title) + "</h1>\n" +
         TxnAnomaliesSection(details) + "</body></html>\n";
}

}  // namespace faultline
