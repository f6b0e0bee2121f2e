#include "checkers/counterexample.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "checkers/fault_intervals.h"
#include "checkers/fault_labels.h"
#include "checkers/op_pairs.h"
#include "harness/core/format_double.h"
#include "harness/core/html_escape.h"
#include "harness/core/nice_numbers.h"

namespace faultline {
namespace {

constexpr const char* kLinearized = "#6DB6FE";
constexpr const char* kFailing = "#FEB5DA";
constexpr const char* kPending = "#FFAA26";
constexpr const char* kOther = "#DDDDDD";
constexpr const char* kFaultFills[] = {"#9e9e9e", "#a1887f", "#90a4ae", "#ce93d8", "#80cbc4", "#c5e1a5"};
constexpr double kCharW = 6.6;  // px per character at font-size 11 (sans-serif, generous)
constexpr size_t kMaxWindowOps = 60;

std::string Short(const json& v, size_t max = 40) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

std::string ProcText(const json& op) {
  return op["process"].is_string() ? op["process"].get<std::string>() : std::to_string(op["process"].get<int64_t>());
}

int64_t IntOr(const json& op, const char* k, int64_t d) {
  return op.contains(k) && op[k].is_number() ? op[k].get<int64_t>() : d;
}

// The node the op talked to, from its invocation in the history.
std::string NodeOf(const json& op, const History& h) {
  int64_t i = IntOr(op, "index", -1);
  if (i >= 0 && static_cast<size_t>(i) < h.size()) {
    const Op& o = h[static_cast<size_t>(i)];
    if (!o.node.empty()) return o.node;
  }
  int64_t c = IntOr(op, "completion_index", -1);
  if (c >= 0 && static_cast<size_t>(c) < h.size()) return h[static_cast<size_t>(c)].node;
  return "";
}

// "read of k2 on n2", "write 3 to k2 on n1".
std::string OpPhrase(const json& op, const std::string& node) {
  std::string f = op["f"].get<std::string>();
  std::string key = op.contains("key") && !op["key"].is_null() ? Short(op["key"], 24) : "";
  std::string s = f;
  if (f == "write") s += " " + Short(op["value"]) + (key.empty() ? "" : " to " + key);
  else if (f == "cas") s += " " + Short(op["value"]) + (key.empty() ? "" : " on " + key);
  else if (!key.empty()) s += " of " + key;
  if (!node.empty()) s += " on " + node;
  return s;
}

// A node's clock offset (ms) at run time t_s, from the clock faults.
double ClockAt(const std::vector<ClockPoint>& pts, double t_s) {
  double v = 0;
  for (const auto& p : pts) {
    if (p.t_s <= t_s) v = p.offset_ms;
  }
  return v;
}

// The offset of largest magnitude a node's clock had while an op from a_s to
// b_s was in flight (the op took effect at some instant in between).
double ClockDuring(const std::vector<ClockPoint>& pts, double a_s, double b_s) {
  double v = ClockAt(pts, a_s);
  for (const auto& p : pts) {
    if (p.t_s > a_s && p.t_s < b_s && std::fabs(p.offset_ms) > std::fabs(v)) v = p.offset_ms;
  }
  return v;
}

std::string Offset(double ms) {
  return std::fabs(ms) >= 1000 ? FormatDouble("%+.1f s", ms / 1000) : FormatDouble("%+.0f ms", ms);
}

// "3.2 s" / "850 ms" (magnitude only).
std::string Magnitude(double ms) {
  return std::fabs(ms) >= 1000 ? FormatDouble("%.1f s", std::fabs(ms) / 1000) : FormatDouble("%.0f ms", std::fabs(ms));
}

// What a clock fault did to `node`'s clock while an op ran from a_s to b_s,
// as a relative clause: "whose clock was 3.2 s ahead at that time". Reads
// the clock nemesis' recorded values (bump: offsets-ms; strobe: offsets-ms
// and period-ms, the clock flipping between true time and the offset; drift:
// rates, the offset growing from the fault's start). Only offsets of sign
// `sign` count (+1 ahead, -1 behind: the direction that explains the
// failure). Of several clock faults on the node in that time, the one of
// largest offset. Empty when none.
std::string ClockClause(const std::vector<FaultInterval>& faults, const std::string& node, double a_s,
                        double b_s, int sign) {
  if (node.empty()) return "";
  double best = 0;
  std::string clause;
  for (const FaultInterval& iv : faults) {
    if (iv.fault != "clock" || !iv.value.is_object() ||
        !Overlaps(iv, static_cast<int64_t>(a_s * 1e9), static_cast<int64_t>(b_s * 1e9), node)) {
      continue;
    }
    const json& v = iv.value;
    std::string kind = v.value("kind", json()).is_string() ? v["kind"].get<std::string>() : "";
    double ms = 0;
    bool drift = false;
    if (v.contains("offsets-ms") && v["offsets-ms"].is_object() && v["offsets-ms"].contains(node) &&
        v["offsets-ms"][node].is_number()) {
      ms = v["offsets-ms"][node].get<double>();
    } else if (v.contains("rates") && v["rates"].is_object() && v["rates"].contains(node) &&
               v["rates"][node].is_number()) {
      double t = std::min(b_s, static_cast<double>(iv.end) / 1e9) - static_cast<double>(iv.start) / 1e9;
      ms = v["rates"][node].get<double>() * std::max(0.0, t) * 1000.0;
      drift = true;
    }
    if (ms * sign <= 0 || std::fabs(ms) <= std::fabs(best)) continue;
    best = ms;
    std::string way = Magnitude(ms) + (ms > 0 ? " ahead" : " behind");
    if (kind == "strobe") {
      clause =
          "whose clock was strobing between true time and " + way +
          (v.value("period-ms", json()).is_number() ? FormatDouble(" (every %.0f ms)", v["period-ms"].get<double>())
                                                    : "") +
          " at that time";
    } else if (drift) {
      clause = "whose clock was drifting, " + way + " at that time";
    } else {
      clause = "whose clock was " + way + " at that time";
    }
  }
  return clause;
}

}  // namespace

Counterexample DescribeCounterexample(const json& f, const History& history) {
  Counterexample out;
  const json& lin = f["linearized"];
  std::map<int64_t, int> lin_pos;  // invoke position -> 1-based order
  for (size_t i = 0; i < lin.size(); ++i) lin_pos[lin[i]["op"]["invoke_position"].get<int64_t>()] = static_cast<int>(i) + 1;
  std::vector<json> window;
  std::set<int64_t> in_window;
  auto add = [&](const json& op) {
    if (in_window.insert(op["invoke_position"].get<int64_t>()).second) window.push_back(op);
  };
  const bool has_op = f.contains("op");
  if (has_op) add(f["op"]);
  if (f.contains("concurrent")) {
    for (const auto& op : f["concurrent"]) {
      if (window.size() >= kMaxWindowOps) break;
      add(op);
    }
  }
  size_t last = std::min<size_t>(lin.size(), 10);
  for (size_t i = lin.size() - last; i < lin.size(); ++i) add(lin[i]["op"]);

  // Time axis: run time when every op has it, else event positions.
  bool use_time = !window.empty();
  for (const auto& op : window) {
    if (!op.contains("invoke_time") || (op.contains("complete_time") && op["complete_time"] < op["invoke_time"])) {
      use_time = false;
    }
  }
  out.has_time = use_time;
  auto start_of = [&](const json& op) {
    return use_time ? op["invoke_time"].get<double>() / 1e9 : op["invoke_position"].get<double>();
  };
  auto done_of = [&](const json& op) {
    return use_time ? op["complete_time"].get<double>() / 1e9 : op["complete_position"].get<double>();
  };
  auto completed = [](const json& op) { return op["type"] == "ok" && op.contains("complete_position"); };
  double lo = 1e300, hi = -1e300;
  for (const auto& op : window) {
    lo = std::min(lo, start_of(op));
    hi = std::max(hi, completed(op) ? done_of(op) : start_of(op));
  }
  if (window.empty()) lo = hi = 0;
  double pending_end = hi + (hi - lo) * 0.12 + (use_time ? 1e-3 : 1);
  auto end_of = [&](const json& op) { return completed(op) ? done_of(op) : pending_end; };
  if (use_time) {
    out.from_s = lo;
    out.to_s = hi;
  }
  for (const auto& op : window) out.indices.push_back(IntOr(op, "index", -1));

  // Faults active in the window (only meaningful on a time axis).
  // Every fault of the run too: a write's clock skew may predate the window.
  std::vector<FaultInterval> all_faults = use_time ? FaultIntervals(history) : std::vector<FaultInterval>{};
  std::vector<FaultInterval> active;
  for (const FaultInterval& iv : all_faults) {
    if (Overlaps(iv, static_cast<int64_t>(lo * 1e9), static_cast<int64_t>(hi * 1e9))) active.push_back(iv);
  }

  std::set<std::string> involved;  // nodes named in the sentence
  // "; the 2 it returned was written on n3 (write 2 to k2 by process 5, ok at
  // 1.911 s), whose clock was 3.2 s ahead at that time": of the writes (and
  // cas) of that value to that key invoked before the read completed, not
  // failed, the latest made on a node whose clock was ahead (its timestamp
  // then beats later writes under last-write-wins). Empty when none.
  auto ReturnedValueClause = [&](const json& read) -> std::string {
    const json key = read.contains("key") ? read["key"] : f.value("key", json());
    const json& value = read["value"];
    int64_t read_done = static_cast<int64_t>((completed(read) ? done_of(read) : hi) * 1e9);
    PairedOps paired = PairClientOps(history);
    for (size_t i = paired.pairs.size(); i-- > 0;) {
      const OpPair& p = paired.pairs[i];
      const Op& inv = history[p.invoke];
      if (inv.time > read_done || inv.key != key) continue;
      bool writes = (inv.f == "write" && inv.value == value) ||
                    (inv.f == "cas" && inv.value.is_array() && inv.value.size() == 2 && inv.value[1] == value);
      if (!writes || PairOutcome(history, p) == OpType::kFail) continue;
      const Op* done = p.completion ? &history[*p.completion] : nullptr;
      std::string node = !inv.node.empty() ? inv.node : done ? done->node : "";
      double a = static_cast<double>(inv.time) / 1e9;
      double b = done ? static_cast<double>(done->time) / 1e9 : static_cast<double>(read_done) / 1e9;
      std::string clause = ClockClause(all_faults, node, a, b, +1);
      if (clause.empty()) continue;
      std::string what = inv.f + " " + Short(inv.value) + (key.is_null() ? "" : " to " + Short(key, 24));
      involved.insert(node);
      return "; the " + Short(value) + " it returned was written on " + node + " (" + what + " by process " +
             std::to_string(inv.process) +
             (done && done->is_ok() ? FormatDouble(", ok at %.3f s", b)
                                    : std::string(done ? ", info" : ", never completed")) +
             "), " + clause;
    }
    return "";
  };

  // The sentence.
  std::string sentence;
  if (has_op) {
    const json& op = f["op"];
    std::string node = NodeOf(op, history);
    if (!node.empty()) involved.insert(node);
    sentence = OpPhrase(op, node);
    std::string fname = op["f"].get<std::string>();
    sentence += fname == "read" ? " returned " + Short(op["value"]) : " succeeded";
    if (completed(op))
      sentence += use_time ? FormatDouble(" (ok at %.3f s)", done_of(op)) : FormatDouble(" (event %.0f)", done_of(op));
    sentence += ", but ";
    const json states = f.value("states_before", json::array());
    if (states.is_array() && !states.empty()) {
      std::string vals;
      for (size_t i = 0; i < states.size() && i < 4; ++i) vals += (i ? (i + 1 == states.size() ? " or " : ", ") : "") + Short(states[i]);
      if (states.size() > 4) vals += ", ...";
      sentence += states.size() == 1 ? "the only state any linearization allows when it took effect is " + vals
                                     : "the states linearizations allow when it took effect are " + vals;
      // The last linearized write that made such a state.
      for (size_t i = lin.size(); i-- > 0;) {
        const json& w = lin[i]["op"];
        std::string wf = w["f"].get<std::string>();
        if (wf == "read") continue;
        bool made = std::find(states.begin(), states.end(), lin[i]["state"]) != states.end();
        if (!made) continue;
        std::string wn = NodeOf(w, history);
        if (!wn.empty()) involved.insert(wn);
        sentence += " (last write: " + OpPhrase(w, wn) + " by process " + ProcText(w) +
                    (completed(w) ? (use_time ? FormatDouble(", ok at %.3f s", done_of(w))
                                              : FormatDouble(", event %.0f", done_of(w)))
                                  : "");
        // A skewed clock on the write's node is the usual cause under
        // last-write-wins: a clock behind gives the write a timestamp older
        // than the value it should have replaced.
        if (use_time) {
          std::string clause = ClockClause(all_faults, wn, start_of(w), completed(w) ? done_of(w) : hi, -1);
          if (!clause.empty()) sentence += ", written on " + wn + ", " + clause;
        }
        sentence += ")";
        break;
      }
      // The write the read's value came from, when its node's clock was
      // skewed: under last-write-wins a clock ahead lets an older write win.
      if (use_time && fname == "read" && !op["value"].is_null()) sentence += ReturnedValueClause(op);
    } else {
      sentence += "no linearization of the ops before it allows it";
    }
  } else {
    sentence = f.value("message", std::string("no linearization exists"));
  }
  std::vector<std::string> fault_phrases;
  auto clocks = ClockOffsets(active);
  for (const FaultInterval& iv : active) {
    if (iv.fault == "clock" && !clocks.empty()) continue;  // said per node below
    fault_phrases.push_back(DescribeFault(iv));
  }
  if (!clocks.empty()) {
    double a = has_op ? start_of(f["op"]) : lo, b = has_op && completed(f["op"]) ? done_of(f["op"]) : hi;
    std::string c;
    // The involved nodes first, then the others that were skewed.
    std::vector<std::string> nodes(involved.begin(), involved.end());
    for (const auto& [n, pts] : clocks) {
      if (!involved.count(n)) nodes.push_back(n);
    }
    for (const auto& n : nodes) {
      if (!clocks.count(n)) continue;
      double ms = ClockDuring(clocks[n], a, b);
      if (ms == 0) continue;
      c += (c.empty() ? "" : ", ") + n + "'s clock was " + Offset(ms);
    }
    if (!c.empty()) fault_phrases.insert(fault_phrases.begin(), c);
  }
  if (!fault_phrases.empty()) {
    std::string fp;
    for (const auto& p : fault_phrases) fp += (fp.empty() ? "" : "; ") + p;
    sentence += " \u2014 at the time: " + fp + ".";
  } else if (use_time && !active.empty()) {
    // Only clock faults that had changed nothing by the time the op ran
    // (e.g. a bump healed before it): they are in the window's diagram.
    std::string fp;
    for (const FaultInterval& iv : active) fp += (fp.empty() ? "" : "; ") + DescribeFault(iv);
    sentence += " \u2014 no clock was skewed while it ran (earlier in the window: " + fp + ").";
  } else if (use_time) {
    sentence += " \u2014 no fault was active in the window.";
  } else {
    sentence += ".";
  }
  out.sentence = sentence;

  // The diagram.
  std::vector<std::string> procs;
  std::map<std::string, std::string> proc_node;
  for (const auto& op : window) {
    std::string p = ProcText(op);
    if (std::find(procs.begin(), procs.end(), p) == procs.end()) procs.push_back(p);
    if (proc_node[p].empty()) proc_node[p] = NodeOf(op, history);
  }
  std::sort(procs.begin(), procs.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  const double width = 1100, left = 150, right = 20, box_h = 18, label_h = 14, top_pad = 6;
  auto x = [&](double t) { return left + (t - lo) / std::max(1e-12, pending_end - lo) * (width - left - right); };
  // Fault label rows above the lanes.
  struct Placed { double x0, x1; int row; };
  std::vector<Placed> fault_place;
  std::vector<double> fault_rows;
  for (const FaultInterval& iv : active) {
    double x0 = std::max(left, x(static_cast<double>(iv.start) / 1e9)), x1 = std::min(width - right, x(static_cast<double>(iv.end) / 1e9));
    double lw = static_cast<double>(DescribeFault(iv).size()) * kCharW + 8;
    int row = 0;
    while (row < static_cast<int>(fault_rows.size()) && fault_rows[static_cast<size_t>(row)] > x0) ++row;
    if (row == static_cast<int>(fault_rows.size())) fault_rows.push_back(0);
    fault_rows[static_cast<size_t>(row)] = x0 + lw;
    fault_place.push_back({x0, x1, row});
  }
  double lanes_top = 24 + static_cast<double>(fault_rows.size()) * label_h;
  // Per lane: ops in time order, labels staggered into rows.
  struct Item { const json* op; double x0, x1; int row; std::string label; };
  std::map<std::string, std::vector<Item>> lanes;
  for (const auto& op : window) {
    double x0 = x(start_of(op)), x1 = std::max(x0 + 4, x(end_of(op)));
    int64_t ip = op["invoke_position"].get<int64_t>();
    std::string label = op["f"].get<std::string>() + " " + Short(op["value"], 24);
    if (lin_pos.count(ip)) label = "#" + std::to_string(lin_pos[ip]) + " " + label;
    lanes[ProcText(op)].push_back({&op, x0, x1, 0, label});
  }
  std::map<std::string, int> lane_rows;
  for (auto& [p, items] : lanes) {
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.x0 < b.x0; });
    std::vector<double> row_end;
    for (Item& it : items) {
      double lw = static_cast<double>(it.label.size()) * kCharW + 6;
      int row = 0;
      while (row < static_cast<int>(row_end.size()) && row_end[static_cast<size_t>(row)] > it.x0) ++row;
      if (row == static_cast<int>(row_end.size())) row_end.push_back(0);
      row_end[static_cast<size_t>(row)] = it.x0 + lw;
      it.row = row;
    }
    lane_rows[p] = std::max<int>(1, static_cast<int>(row_end.size()));
  }
  std::map<std::string, double> lane_y;
  double y = lanes_top;
  for (const auto& p : procs) {
    lane_y[p] = y;
    y += top_pad + box_h + lane_rows[p] * label_h + 6;
  }
  double height = y + 30;

  std::string s;
  s += "<p class=\"cx-legend\"><span style=\"background:" + std::string(kLinearized) +
       "\">linearized (#order)</span> <span style=\"background:" + kFailing +
       "\">cannot be linearized</span> <span style=\"background:" + kPending +
       "\">pending (info / never completed)</span> <span style=\"background:" + kOther +
       "\">not linearized yet</span> &mdash; x axis: " + (use_time ? "run time (s)" : "event position") + "</p>\n";
  s += "<svg class=counterexample viewBox=\"0 0 " + FormatDouble("%.0f", width) + " " + FormatDouble("%.0f", height) +
       "\" width=\"" + FormatDouble("%.0f", width) + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  std::map<std::string, const char*> fault_colour;
  for (size_t i = 0; i < active.size(); ++i) {
    const FaultInterval& iv = active[i];
    auto [it, added] = fault_colour.try_emplace(iv.fault, kFaultFills[fault_colour.size() % std::size(kFaultFills)]);
    const Placed& pl = fault_place[i];
    s += "<g class=fault><title>" + HtmlEscape(DescribeFault(iv)) + "</title><rect x=\"" + FormatDouble("%.1f", pl.x0) +
         "\" y=\"" + FormatDouble("%.1f", lanes_top - 2) + "\" width=\"" +
         FormatDouble("%.1f", std::max(2.0, pl.x1 - pl.x0)) + "\" height=\"" + FormatDouble("%.1f", y - lanes_top) +
         "\" fill=\"" + it->second + "\" fill-opacity=\"0.3\"/>" + "<text x=\"" +
         FormatDouble(
             "%.1f", std::max(left, std::min(pl.x0 + 3,
                                             width - right - static_cast<double>(DescribeFault(iv).size()) * kCharW))) +
         "\" y=\"" + FormatDouble("%.1f", 20 + pl.row * label_h) + "\">" + HtmlEscape(DescribeFault(iv)) +
         "</text></g>\n";
  }
  for (const auto& p : procs) {
    double ly = lane_y[p];
    std::string node = proc_node[p];
    s += "<text x=\"4\" y=\"" + FormatDouble("%.1f", ly + top_pad + 13) + "\">process " + HtmlEscape(p) +
         (node.empty() ? "" : " \u00b7 " + HtmlEscape(node)) + "</text>";
    s += "<line x1=\"0\" x2=\"" + FormatDouble("%.0f", width) + "\" y1=\"" + FormatDouble("%.1f", ly) + "\" y2=\"" +
         FormatDouble("%.1f", ly) + "\" stroke=\"#e4e4e4\"/>\n";
    for (const Item& it : lanes[p]) {
      const json& op = *it.op;
      int64_t ip = op["invoke_position"].get<int64_t>();
      bool failing = has_op && f["op"]["invoke_position"] == op["invoke_position"];
      const char* fill = failing ? kFailing : lin_pos.count(ip) ? kLinearized : !completed(op) ? kPending : kOther;
      std::string tip = "process " + ProcText(op) + (proc_node[p].empty() ? "" : " on " + proc_node[p]) + ": " +
                        op["f"].get<std::string>() + (op.contains("key") ? " " + Short(op["key"], 24) : "") + " " +
                        Short(op["value"], 80) + " (" + op["type"].get<std::string>() + ")" +
                        (use_time ? FormatDouble(", invoked %.4f s", start_of(op)) +
                                        (completed(op) ? FormatDouble(", completed %.4f s", done_of(op))
                                                       : std::string(", never completed"))
                                  : "") +
                        ", history index " + std::to_string(IntOr(op, "index", -1));
      double by = ly + top_pad;
      s += "<g class=op data-index=\"" + std::to_string(IntOr(op, "index", -1)) + "\"><title>" + HtmlEscape(tip) +
           "</title><rect x=\"" + FormatDouble("%.1f", it.x0) + "\" y=\"" + FormatDouble("%.1f", by) + "\" width=\"" +
           FormatDouble("%.1f", it.x1 - it.x0) + "\" height=\"" + FormatDouble("%.0f", box_h) + "\" rx=\"3\" fill=\"" +
           fill + "\" stroke=\"" + (failing ? "#c00" : "#777") + "\" stroke-width=\"" + (failing ? "2" : "1") + "\"/>" +
           "<text x=\"" + FormatDouble("%.1f", it.x0 + 1) + "\" y=\"" +
           FormatDouble("%.1f", by + box_h + 11 + it.row * label_h) + "\"" +
           (failing ? " font-weight=\"bold\" fill=\"#a00\"" : "") + ">" + HtmlEscape(it.label) + "</text></g>\n";
    }
  }
  // Time axis.
  double axis_y = y + 4;
  s += "<line x1=\"" + FormatDouble("%.0f", left) + "\" x2=\"" + FormatDouble("%.0f", width - right) + "\" y1=\"" +
       FormatDouble("%.1f", axis_y) + "\" y2=\"" + FormatDouble("%.1f", axis_y) + "\" stroke=\"#333\"/>";
  // Round steps (1, 2 or 5 x 10^k), with as many decimals as the step needs.
  double span = pending_end - lo;
  double step = std::max(NiceStep(span, 10), use_time ? 1e-9 : 1.0);
  for (double k = std::ceil(lo / step); k * step <= pending_end + step * 1e-9; k += 1) {
    double t = k * step;
    s += "<line x1=\"" + FormatDouble("%.1f", x(t)) + "\" x2=\"" + FormatDouble("%.1f", x(t)) + "\" y1=\"" +
         FormatDouble("%.1f", axis_y) + "\" y2=\"" + FormatDouble("%.1f", axis_y + 4) +
         "\" stroke=\"#333\"/><text x=\"" + FormatDouble("%.1f", x(t)) + "\" y=\"" + FormatDouble("%.1f", axis_y + 16) +
         "\" text-anchor=\"middle\">" + TickLabel(t, step) + (use_time ? " s" : "") + "</text>";
  }
  s += "\n</svg>\n";
  out.svg = s;
  return out;
}

}  // namespace faultline
