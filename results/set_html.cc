#include "results/set_html.h"

#include <cstdio>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "checkers/op_pairs.h"
#include "harness/core/html_escape.h"

namespace faultline {
namespace {

// One op as the section shows it: times (seconds), outcome, node, process.
struct OpFacts {
  double invoke_s = 0;
  std::optional<double> complete_s;  // none: never completed
  std::string outcome;               // ok / fail / info / pending
  std::string node;
  int64_t process = 0;
};

// What the history says about one listed element.
struct ElementFacts {
  std::optional<OpFacts> add;        // its first set-add
  std::optional<OpFacts> last_seen;  // the last ok read (by completion) containing it
  int64_t seen_in = 0;               // how many ok reads contained it
};

std::string Secs(double s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

std::string Text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
}

const char* OutcomeName(OpType t) {
  switch (t) {
    case OpType::kOk: return "ok";
    case OpType::kFail: return "fail";
    case OpType::kInfo: return "info";
    default: return "pending";
  }
}

OpFacts Facts(const History& h, const OpPair& p) {
  const Op& inv = h[p.invoke];
  OpFacts f;
  f.invoke_s = static_cast<double>(inv.time) / 1e9;
  f.outcome = OutcomeName(PairOutcome(h, p));
  f.node = inv.node;
  f.process = inv.process;
  if (p.completion) {
    const Op& done = h[*p.completion];
    f.complete_s = static_cast<double>(done.time) / 1e9;
    if (f.node.empty()) f.node = done.node;
  }
  return f;
}

// "1.204–1.230 s (ok) on n2, process 4"
std::string DescribeAdd(const OpFacts& f) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", f.invoke_s);
  std::string s = f.complete_s ? buf + std::string("&ndash;") + Secs(*f.complete_s) : Secs(f.invoke_s) + ", never completed";
  s += " <span class=\"set-outcome set-" + f.outcome + "\">" + f.outcome + "</span>";
  if (!f.node.empty()) s += " on " + HtmlEscape(f.node);
  return s + ", process " + std::to_string(f.process);
}

// "read ok at 3.402 s on n1, process 7"
std::string DescribeRead(const OpFacts& f) {
  std::string s = "read ok at " + (f.complete_s ? Secs(*f.complete_s) : std::string("?"));
  if (!f.node.empty()) s += " on " + HtmlEscape(f.node);
  return s + ", process " + std::to_string(f.process);
}

// A fault that started: when (its completion), and what ("disk
// lose-unfsynced on n2, n4").
struct FaultStart {
  double at_s = 0;
  std::string what;
};

std::vector<FaultStart> FaultStarts(const History& h) {
  std::vector<FaultStart> out;
  for (const Op& op : h) {
    if (!op.is_nemesis() || op.is_invoke() || op.f.rfind("start-", 0) != 0 || !op.value.is_object()) continue;
    if (op.value.contains("blocked")) continue;  // did nothing (checkers/fault_intervals.h)
    std::string what = op.f.substr(6);
    if (op.value.contains("fault") && op.value["fault"].is_string()) what += " " + op.value["fault"].get<std::string>();
    if (op.value.contains("nodes") && op.value["nodes"].is_array() && !op.value["nodes"].empty()) {
      std::string nodes;
      for (const json& n : op.value["nodes"]) nodes += (nodes.empty() ? "" : ", ") + Text(n);
      what += " on " + nodes;
    }
    out.push_back({static_cast<double>(op.time) / 1e9, what});
  }
  return out;
}

// The faults that started in [from_s, to_s], for a lost element: what came
// between its acknowledgement and the read it is missing from.
std::string FaultsBetween(const std::vector<FaultStart>& faults, double from_s, double to_s) {
  std::string s;
  int shown = 0, more = 0;
  for (const FaultStart& f : faults) {
    if (f.at_s < from_s || f.at_s > to_s) continue;
    if (shown == 4) {
      ++more;
      continue;
    }
    s += (s.empty() ? "" : "; ") + HtmlEscape(f.what) + " at " + Secs(f.at_s);
    ++shown;
  }
  if (more) s += "; and " + std::to_string(more) + " more";
  return s.empty() ? "none" : s;
}

struct Category {
  const char* name;    // the details' list ("lost")
  const char* title;   // heading
  const char* what;    // one line: what it means
  bool problem;        // makes the result invalid (or unknown, for unread)
};

constexpr Category kCategories[] = {
    {"lost", "Lost", "acknowledged adds missing from the final read (completed before it began)", true},
    {"unexpected", "Unexpected", "elements in an ok read that no add attempted, or whose add failed", true},
    {"stale", "Stale", "an ok read missed an element whose add had been acknowledged before the read began",
     true},
    {"duplicated", "Duplicated", "elements a read listed twice", true},
    {"unread", "Unread", "acknowledged adds that completed after the final read began (no later read)", true},
    {"recovered", "Recovered", "adds that ended info or never completed, present in the final read", false},
};

long long Count(const json& d, const std::string& k) {
  return d.contains(k) && d[k].is_number_integer() ? d[k].get<long long>() : -1;
}

}  // namespace

bool IsSetCheckResult(const json& d) {
  return d.is_object() && d.contains("attempt_count") && d["attempt_count"].is_number() && d.contains("lost") &&
         d["lost"].is_array();
}

const char* SetSectionStyle() {
  return ".set-counts td{text-align:right}.set-counts td.set-bad{background:#FEB5DA;font-weight:bold}"
         ".set-outcome{padding:0 .3em;border-radius:2px;font-size:.85em}.set-ok{background:#6DB6FE}"
         ".set-fail{background:#FEB5DA}.set-info,.set-pending{background:#FFAA26}"
         ".set-table td{font-size:.9em;vertical-align:top}"
         ".set-scroll{max-height:30em;overflow:auto;border-bottom:1px solid #ddd}";
}

std::string SetSection(const json& d, const History& history) {
  if (!IsSetCheckResult(d)) return "<p>(not a set checker's result)</p>\n";

  // The elements and reads the details name.
  std::map<json, std::map<json, ElementFacts>> wanted;  // key -> element -> facts
  for (const Category& c : kCategories) {
    if (!d.contains(c.name) || !d[c.name].is_array()) continue;
    for (const json& e : d[c.name]) {
      if (e.is_object() && e.contains("element")) wanted[e.value("key", json())][e["element"]];
    }
  }
  PairedOps paired = PairClientOps(history);
  std::unordered_map<int64_t, size_t> pair_of_index;  // a completion's history index -> its pair
  for (size_t i = 0; i < paired.pairs.size(); ++i) {
    const OpPair& p = paired.pairs[i];
    const Op& inv = history[p.invoke];
    if (p.completion) pair_of_index[history[*p.completion].index] = i;
    auto k = wanted.find(inv.key);
    if (k == wanted.end()) continue;
    if (inv.f == "set-add") {
      auto e = k->second.find(inv.value);
      if (e != k->second.end() && !e->second.add) e->second.add = Facts(history, p);
    } else if (inv.f == "set-read" && p.completion && history[*p.completion].is_ok() &&
               history[*p.completion].value.is_array()) {
      const Op& done = history[*p.completion];
      for (const json& v : done.value) {
        auto e = k->second.find(v);
        if (e == k->second.end()) continue;
        ElementFacts& ef = e->second;
        ++ef.seen_in;
        if (!ef.last_seen || !ef.last_seen->complete_s ||
            static_cast<double>(done.time) / 1e9 >= *ef.last_seen->complete_s) {
          ef.last_seen = Facts(history, p);
        }
      }
    }
  }
  std::vector<FaultStart> faults = FaultStarts(history);
  auto read_time = [&](const json& entry, const char* field) -> std::optional<double> {
    if (!entry.contains(field) || !entry[field].is_number_integer()) return std::nullopt;
    auto it = pair_of_index.find(entry[field].get<int64_t>());
    if (it == pair_of_index.end()) return std::nullopt;
    return Facts(history, paired.pairs[it->second]).invoke_s;
  };
  auto read_at = [&](const json& entry, const char* field) -> std::string {
    if (!entry.contains(field) || !entry[field].is_number_integer()) return "?";
    auto it = pair_of_index.find(entry[field].get<int64_t>());
    if (it == pair_of_index.end()) return "? (history index " + entry[field].dump() + ")";
    return DescribeRead(Facts(history, paired.pairs[it->second]));
  };

  // Counts.
  std::string h = "<table class=set-counts><tr>";
  const std::pair<const char*, const char*> counts[] = {
      {"attempt_count", "attempted"}, {"acknowledged_count", "acknowledged"}, {"ok_count", "in the final read"},
      {"lost_count", "lost"},         {"unexpected_count", "unexpected"},     {"stale_count", "stale"},
      {"duplicated_count", "duplicated"}, {"recovered_count", "recovered"},   {"unread_count", "unread"}};
  std::string values;
  for (const auto& [k, label] : counts) {
    long long n = Count(d, k);
    if (n < 0) continue;
    bool bad = n > 0 && std::string(k) != "attempt_count" && std::string(k) != "acknowledged_count" &&
               std::string(k) != "ok_count" && std::string(k) != "recovered_count";
    h += std::string("<th>") + label + "</th>";
    values += std::string("<td") + (bad ? " class=set-bad" : "") + ">" + std::to_string(n) + "</td>";
  }
  h += "</tr><tr>" + values + "</tr></table>\n";
  if (d.contains("error") && d["error"].is_string()) {
    h += "<p>" + HtmlEscape(d["error"].get<std::string>()) + "</p>\n";
  }
  if (d.contains("never_read") && d["never_read"].is_array() && !d["never_read"].empty()) {
    h += "<p>Never read (no ok read of the key): " + HtmlEscape(Text(d["never_read"])) + "</p>\n";
  }
  bool keyed = d.value("keys", json()).is_number_integer() && d["keys"].get<long long>() > 1;

  // One table per listed category.
  for (const Category& c : kCategories) {
    if (!d.contains(c.name) || !d[c.name].is_array() || d[c.name].empty()) continue;
    const json& list = d[c.name];
    long long total = Count(d, std::string(c.name) + "_count");
    std::string head = std::string(c.title) + " (" + std::to_string(total >= 0 ? total : static_cast<long long>(list.size())) +
                       (total > static_cast<long long>(list.size()) ? ", the first " + std::to_string(list.size()) + " listed" : "") +
                       "): " + c.what;
    bool lost = std::string(c.name) == "lost";
    std::string table = "<table class=set-table><tr><th>element</th>" + std::string(keyed ? "<th>key</th>" : "") +
                        "<th>added (invoked&ndash;completed, outcome, node, process)</th><th>last seen</th><th>"
                        "why</th>" + (lost ? "<th>faults started after it was acknowledged</th>" : "") + "</tr>\n";
    for (const json& e : list) {
      if (!e.is_object() || !e.contains("element")) continue;
      json key = e.value("key", json());
      const ElementFacts* ef = nullptr;
      if (auto k = wanted.find(key); k != wanted.end()) {
        if (auto it = k->second.find(e["element"]); it != k->second.end()) ef = &it->second;
      }
      std::string added = ef && ef->add ? DescribeAdd(*ef->add) : "never added";
      std::string seen = ef && ef->last_seen ? DescribeRead(*ef->last_seen) +
                                                   (ef->seen_in > 1 ? " <small>(in " + std::to_string(ef->seen_in) +
                                                                          " reads)</small>" : "")
                                             : "never";
      std::string why;
      std::string name = c.name;
      if (name == "lost") why = "missing from the final read (" + read_at(e, "final_read_index") + ")";
      else if (name == "unread") why = "added after the final read began (" + read_at(e, "final_read_index") + ")";
      else if (name == "stale") why = "missing from the " + read_at(e, "read_index");
      else if (name == "duplicated") why = "listed twice by the " + read_at(e, "read_index");
      else if (name == "unexpected") why = HtmlEscape(e.value("reason", std::string("not added"))) + "; in the " + read_at(e, "read_index");
      else why = "present in the final read";
      table += "<tr><td>" + HtmlEscape(Text(e["element"])) + "</td>" + (keyed ? "<td>" + HtmlEscape(Text(key)) + "</td>" : "") +
               "<td>" + added + "</td><td>" + seen + "</td><td>" + why + "</td>";
      if (lost) {
        bool acked = ef && ef->add && ef->add->complete_s.has_value();
        double acked_s = acked ? ef->add->complete_s.value() : 0;
        std::optional<double> final_read = read_time(e, "final_read_index");
        table += "<td>" + (acked && final_read ? FaultsBetween(faults, acked_s, *final_read) : std::string("?")) + "</td>";
      }
      table += "</tr>\n";
    }
    table += "</table>\n";
    if (list.size() > 20) table = "<div class=set-scroll>" + table + "</div>\n";  // long lists scroll
    if (c.problem) {
      h += "<h3 class=set-" + std::string(c.name) + ">" + HtmlEscape(head) + "</h3>\n" + table;
    } else {
      h += "<details><summary>" + HtmlEscape(head) + "</summary>" + table + "</details>\n";
    }
  }
  return h;
}

}  // namespace faultline
