#include "results/store_pages.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness/core/bounded_json.h"
#include "harness/core/format_double.h"
#include "harness/core/html_escape.h"
#include "harness/core/url_encode.h"
#include "results/run_status.h"
#include "results/run_store.h"
#include "results/runs_index.h"
#include "results/timeline.h"

namespace faultline {
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxFilesListed = 1000;

const char* StateColour(const std::string& s) {
  if (s == "valid") return "#6DB6FE";
  if (s == "invalid") return "#FEB5DA";
  if (s == "unknown") return "#FFAA26";
  if (s == "crashed") return "#C8C8C8";
  if (s == "interrupted") return "#FFE0B2";
  if (s == "running") return "#B9F6CA";
  if (s == "stale") return "#E6EE9C";
  if (s == "aborted") return "#FFD180";
  return "#EEEEEE";
}

std::string Num(const json& e, const char* k, const char* fmt) {
  return e.is_object() && e.contains(k) && e[k].is_number() ? FormatDouble(fmt, e[k].get<double>()) : "&ndash;";
}

std::string Pct(const json& e, const char* k) {
  return e.is_object() && e.contains(k) && e[k].is_number() ? FormatDouble("%.1f%%", e[k].get<double>() * 100)
                                                            : "&ndash;";
}

std::string Str(const json& e, const char* k) {
  return e.is_object() && e.contains(k) && e[k].is_string() ? e[k].get<std::string>() : "";
}

// A URL path from a store-relative path: each segment %-encoded.
std::string UrlPath(const std::string& rel) {
  std::string out;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    out += (start ? "/" : "") + EncodePathSegment(rel.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string TestOf(const json& e) {
  std::string t = Str(e, "test");
  if (!t.empty()) return t;
  std::string r = Str(e, "run");
  return r.substr(0, r.find('/'));
}

constexpr const char* kStorePageStyle = R"(
body{font-family:sans-serif;margin:1.2em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.4em} h2{font-size:1.1em;margin:1.4em 0 .3em}
table{border-collapse:collapse} td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left;font-size:.92em}
.state{padding:.05em .5em;border-radius:3px} .caption{color:#666;font-size:.85em}
.verdict{padding:.6em 1em;font-size:1.2em;border-radius:4px} iframe{width:100%;height:80vh;border:1px solid #ccc}
section.group table{table-layout:fixed;width:88em} section.group td{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
form{margin:.6em 0} #live{background:#f3fff5;border:1px solid #9c9;padding:.5em 1em;white-space:pre-wrap}
)";

std::string Head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>" + HtmlEscape(title) + "</title>" +
         ErrorCatcherScript() + "<style>" + kStorePageStyle + "</style></head><body>\n";
}

}  // namespace

std::vector<json> ListRuns(const std::string& store_root) {
  std::vector<json> runs = ReadRunIndex(store_root);
  std::set<std::string> known;
  for (const json& e : runs) known.insert(e["run"].get<std::string>());
  std::vector<json> extra;
  std::error_code ec;
  for (const auto& t : fs::directory_iterator(store_root, ec)) {
    std::string test = t.path().filename().string();
    if (test.empty() || test[0] == '.' || test == "latest" || test == "campaigns" || !t.is_directory(ec) ||
        t.is_symlink(ec)) {
      continue;  // campaigns/ holds campaigns (ListCampaigns), not runs
    }
    for (const auto& r : fs::directory_iterator(t.path(), ec)) {
      std::string stamp = r.path().filename().string();
      if (stamp.empty() || stamp[0] == '.' || stamp == "latest" || r.is_symlink(ec)) continue;
      std::string key = test + "/" + stamp;
      if (known.count(key)) continue;
      extra.push_back({{"run", key}, {"test", test}, {"status", "unindexed"}, {"started", RunStartTime(stamp)}});
    }
  }
  // The index may also name runs deleted since: they stay listed (a cache can
  // be stale; checking each would cost a stat per run) and their pages are 404.
  if (extra.empty()) return runs;
  runs.insert(runs.end(), extra.begin(), extra.end());
  auto stamp = [](const json& e) {
    std::string r = e["run"].get<std::string>();
    return r.substr(r.find('/') + 1);
  };
  std::stable_sort(runs.begin(), runs.end(), [&](const json& a, const json& b) { return stamp(a) > stamp(b); });
  return runs;
}

std::vector<json> ListCampaigns(const std::string& store_root) {
  std::vector<json> out;
  std::error_code ec;
  for (const auto& c : fs::directory_iterator(fs::path(store_root) / "campaigns", ec)) {
    std::string name = c.path().filename().string();
    if (name.empty() || name[0] == '.' || !c.is_directory(ec) || c.is_symlink(ec)) continue;
    for (const auto& d : fs::directory_iterator(c.path(), ec)) {
      std::string stamp = d.path().filename().string();
      if (stamp.empty() || stamp[0] == '.' || stamp == "latest" || d.is_symlink(ec)) continue;
      std::ifstream in(d.path() / "campaign.json", std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      json record = ParseBoundedJsonOrDiscarded(text.str());
      json e = {{"campaign", name + "/" + stamp}, {"name", name}, {"stamp", stamp}};
      if (record.is_object()) {
        e["started"] = record.value("started", "");
        e["finished"] = record.value("finished", "");
        e["exit_code"] = record.value("exit_code", -1);
        std::map<std::string, int> counts;
        const json runs = record.value("runs", json::array());
        for (const auto& r : runs) {
          std::string st = r.value("status", "");
          if (st == "done") st = r.value("verdict", json()) == true ? "valid" : r.value("verdict", json()) == false ? "invalid" : "unknown";
          ++counts[st];
        }
        e["counts"] = counts;
      }
      out.push_back(std::move(e));
    }
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return a["stamp"] > b["stamp"]; });
  return out;
}

std::string DisplayState(const std::string& store_root, const json& e, double now) {
  std::string status = Str(e, "status");
  if (status == "crashed") return "crashed";
  if (status == "unindexed") return "unindexed";
  if (status == "aborted") return "aborted";
  if (status == "done" && e.value("interrupted", false) == true) return "interrupted";
  if (status == "running") {
    json st = ReadRunStatus(store_root + "/" + Str(e, "run"));
    double updated = st.is_object() && st.value("updated", json()).is_number() ? st["updated"].get<double>() : 0;
    return now - updated <= kStaleStatusS ? "running" : "stale";
  }
  const json v = e.value("valid", json("unknown"));
  if (v.is_boolean()) return v.get<bool>() ? "valid" : "invalid";
  return "unknown";
}

std::string HomePage(const std::string& store_root, const std::vector<json>& runs, const std::string& test,
                     const std::string& verdict, double now) {
  // Groups in order of their newest run (runs are newest first).
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<const json*, std::string>>> groups;
  size_t shown = 0;
  for (const json& e : runs) {
    std::string name = TestOf(e);
    if (!test.empty() && name.find(test) == std::string::npos) continue;
    std::string state = DisplayState(store_root, e, now);
    if (!verdict.empty() && state != verdict && !(verdict == "running" && state == "stale")) continue;
    if (!groups.count(name)) order.push_back(name);
    groups[name].emplace_back(&e, state);
    ++shown;
  }
  std::string h = Head("faultline runs");
  h += "<h1>faultline runs</h1>\n<p class=caption>store " + HtmlEscape(store_root) + ": " +
       std::to_string(runs.size()) + " runs, " + std::to_string(shown) + " shown, newest first, grouped by test</p>\n";
  h += "<form method=get action=\"/\">test name contains <input name=test id=fl-test value=\"" + HtmlEscape(test) +
       "\"> verdict <select name=verdict>";
  for (const char* v : {"", "valid", "invalid", "unknown", "interrupted", "crashed", "running", "aborted", "unindexed"}) {
    h += "<option value=\"" + std::string(v) + "\"" + (verdict == v ? " selected" : "") + ">" +
         (*v ? v : "any") + "</option>";
  }
  h += "</select> <button type=submit>filter</button></form>\n";
  std::vector<json> campaigns = ListCampaigns(store_root);
  if (!campaigns.empty()) {
    h += "<section class=campaigns><h2>campaigns <small>(" + std::to_string(campaigns.size()) +
         ")</small></h2>\n<table><tr><th>campaign</th><th>started</th><th>exit</th><th>runs</th></tr>\n";
    for (const json& c : campaigns) {
      const int code = c.value("exit_code", -1);
      const char* colour = code == 0 ? "#6DB6FE" : code == 1 ? "#FEB5DA" : code == 2 ? "#FFAA26" : "#BBBBBB";
      std::string counts;
      const json count_by_outcome = c.value("counts", json::object());  // a named copy: items() of a temporary dangles
      for (const auto& [k, v] : count_by_outcome.items()) {
        counts += (counts.empty() ? "" : ", ") + k + " " + v.dump();
      }
      std::string finished = c.value("finished", "");
      h += "<tr><td><a href=\"/files/campaigns/" + UrlPath(c.value("campaign", "")) + "/campaign.html\">" +
           HtmlEscape(c.value("campaign", "")) + "</a></td><td>" + HtmlEscape(c.value("started", "")) +
           (finished.empty() ? " (running)" : "") + "</td><td style=\"background:" + colour + "\">" +
           (code < 0 ? std::string("-") : std::to_string(code)) + "</td><td>" + HtmlEscape(counts) + "</td></tr>\n";
    }
    h += "</table></section>\n";
  }
  if (order.empty()) h += "<p>No runs" + std::string(runs.empty() ? " in this store yet." : " match.") + "</p>\n";
  for (const std::string& name : order) {
    h += "<section class=group data-test=\"" + HtmlEscape(name) + "\"><h2>" + HtmlEscape(name) + " <small>(" +
         std::to_string(groups[name].size()) + ")</small></h2>\n<table><colgroup><col style=\"width:17em\">"
         "<col style=\"width:12em\"><col style=\"width:6em\"><col style=\"width:6em\"><col style=\"width:5em\">"
         "<col style=\"width:15em\"><col style=\"width:5em\"><col style=\"width:22em\"></colgroup><tr><th>started</th><th>verdict</th>"
         "<th>duration</th><th>ops</th><th>ops/s</th><th>availability ops / time</th><th></th><th>settings</th></tr>\n";
    for (const auto& [e, state] : groups[name]) {
      std::string key = Str(*e, "run");
      std::string started = Str(*e, "started");
      // A crashed run that was checked since still has a verdict worth seeing.
      std::string shown = state;
      if ((state == "crashed" || state == "interrupted") && e->contains("valid")) {
        const json& v = (*e)["valid"];
        shown += std::string(" (prefix ") + (v.is_boolean() ? (v.get<bool>() ? "valid" : "invalid") : "unknown") + ")";
      }
      h += "<tr style=\"background:" + std::string(StateColour(state)) + "\"><td><a href=\"/run/" + UrlPath(key) +
           "\">" + HtmlEscape(started.empty() ? key : started) + "</a></td><td class=state>" + shown + "</td><td>" +
           Num(*e, "duration_s", "%.1f s") + "</td><td>" + Num(*e, "ops", "%.0f") + "</td><td>" +
           Num(*e, "ops_s", "%.0f") + "</td><td>" + Pct(*e, "availability") + " / " + Pct(*e, "time_availability") +
           "</td><td>" + (Str(*e, "status") == "done" || state == "crashed"
                              ? "<a href=\"/files/" + UrlPath(key) + "/report.html\">report</a>"
                              : std::string()) +
           "</td><td class=settings title=\"" + HtmlEscape(Str(*e, "settings")) + "\">" + HtmlEscape(Str(*e, "settings")) +
           "</td></tr>\n";
    }
    h += "</table></section>\n";
  }
  // Typing in the test box hides groups at once (the form filters on the server too).
  h += "<script>(function(){var i=document.getElementById('fl-test');i.addEventListener('input',function(){"
       "document.querySelectorAll('section.group').forEach(function(s){s.style.display="
       "s.dataset.test.indexOf(i.value)>=0?'':'none';});});"
       "document.documentElement.setAttribute('data-serve-ready',String(document.querySelectorAll('tr').length));"
       "})();</script>\n</body></html>\n";
  return h;
}

json RunLiveState(const std::string& store_root, const std::string& key, const json& entry, double now) {
  json e = entry.is_object() ? entry : json{{"run", key}, {"status", "unindexed"}};
  return {{"state", DisplayState(store_root, e, now)}, {"status", ReadRunStatus(store_root + "/" + key)}};
}

std::string RunPage(const std::string& store_root, const std::string& key, const json& entry, double now) {
  json e = entry.is_object() ? entry : json{{"run", key}, {"status", "unindexed"}};
  std::string dir = store_root + "/" + key;
  std::string state = DisplayState(store_root, e, now);
  std::error_code ec;
  bool has_report = fs::exists(dir + "/report.html", ec);
  if (state == "unindexed" && fs::exists(dir + "/results.json", ec)) {
    // Not in the index: this one page may read its results.
    auto loaded = LoadRun(dir, store_root);
    if (loaded.ok() && loaded->results.is_object()) {
      json d = DoneIndexEntry(key, loaded->test, loaded->results, loaded->history);
      for (auto it = d.begin(); it != d.end(); ++it) e[it.key()] = it.value();
      e["status"] = "unindexed";
      const json v = e.value("valid", json("unknown"));
      state = v.is_boolean() ? (v.get<bool>() ? "valid" : "invalid") : "unknown";
    }
  }
  if (fs::exists(dir + "/crashed.json", ec)) state = "crashed";
  std::string h = Head("faultline: " + key);
  h += "<p><a href=\"/\">&larr; all runs</a></p>\n<h1>" + HtmlEscape(TestOf(e)) + " <small>" +
       HtmlEscape(key.substr(key.find('/') + 1)) + "</small></h1>\n";
  h += "<div class=verdict style=\"background:" + std::string(StateColour(state)) + "\">" + state +
       (state == "stale" ? " &mdash; no status update for over 30 s: its controller may have died" : "") +
       (state == "crashed" ? " &mdash; its controller died; a later run healed what it left" : "") +
       (state == "aborted" ? " &mdash; not checked: " + HtmlEscape(Str(e, "error")) : std::string()) + "</div>\n";
  h += "<table><tr><th>started</th><td>" + HtmlEscape(Str(e, "started")) + "</td></tr><tr><th>duration</th><td>" +
       Num(e, "duration_s", "%.1f s") + "</td></tr><tr><th>ops</th><td>" + Num(e, "ops", "%.0f") + " (" +
       Num(e, "ops_s", "%.0f") + " ops/s)</td></tr><tr><th>availability</th><td>" + Pct(e, "availability") +
       " of ops, " + Pct(e, "time_availability") + " by time</td></tr></table>\n";
  if (state == "running" || state == "stale") {
    h += "<h2>Live status</h2><div id=live data-key=\"" + HtmlEscape(key) + "\">waiting for status&hellip;</div>\n";
    h += "<script>(function(){var n=0,el=document.getElementById('live');"
         "function show(j){var s=j.status;n++;document.documentElement.setAttribute('data-status-updated',String(n));"
         "if(!s){el.textContent='no status yet ('+j.state+')';return;}"
         "el.textContent=j.state+': phase '+s.phase+', '+Math.round(s.elapsed_s)+' s of '+Math.round(s.limit_s)+' s, '+"
         "Math.round(s.ops_s)+' ops/s\\nok '+s.ok+'  fail '+s.fail+'  info '+s.info+'\\nactive faults: '+"
         "(s.faults&&s.faults.length?s.faults.join(', '):'none')+(s.finished?'\\nphases done: checking; the report "
         "appears here when it is written':'');"
         "if(j.state!=='running'&&j.state!=='stale'){location.reload();}}"
         "function poll(){fetch('/status/" + UrlPath(key) + "').then(function(r){return r.json();}).then(show)"
         ".catch(function(){el.textContent='status unavailable';}).finally(function(){setTimeout(poll,1000);});}"
         "poll();})();</script>\n";
  }
  // Files: node logs apart, the rest by name.
  std::vector<std::pair<std::string, uintmax_t>> files, logs;
  size_t listed = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (++listed > kMaxFilesListed) break;
    if (!it->is_regular_file(ec)) continue;
    std::string rel = fs::relative(it->path(), dir, ec).generic_string();
    if (rel.empty() || rel[0] == '.' || rel.find(".tmp.") != std::string::npos) continue;
    (rel.starts_with("nodes/") ? logs : files).emplace_back(rel, it->file_size(ec));
  }
  std::sort(files.begin(), files.end());
  std::sort(logs.begin(), logs.end());
  auto list = [&](const std::vector<std::pair<std::string, uintmax_t>>& v) {
    std::string t = "<table>";
    for (const auto& [rel, size] : v) {
      t += "<tr><td><a href=\"/files/" + UrlPath(key + "/" + rel) + "\">" + HtmlEscape(rel) + "</a></td><td>" +
           FormatDouble("%.0f", static_cast<double>(size)) + " bytes</td></tr>";
    }
    return t + "</table>\n";
  };
  h += "<h2>Files</h2>\n" + list(files);
  h += "<h2>Node logs</h2>\n" + (logs.empty() ? std::string("<p>none downloaded</p>\n") : list(logs));
  if (has_report) {
    h += "<h2>Report</h2><p><a href=\"/files/" + UrlPath(key) + "/report.html\">open report.html</a></p>"
         "<iframe src=\"/files/" + UrlPath(key) + "/report.html\" title=report></iframe>\n";
  }
  h += "<script>document.documentElement.setAttribute('data-serve-ready','1');</script>\n</body></html>\n";
  return h;
}

}  // namespace faultline
