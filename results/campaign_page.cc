#include "results/campaign_page.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include "harness/core/html_escape.h"

namespace faultline {

using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Matrix {
  std::vector<std::string> rows, columns;
  std::map<std::pair<std::string, std::string>, std::vector<const json*>> cells;
};

Matrix Arrange(const json& record) {
  Matrix m;
  auto add = [](std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  static const json kNoRuns = json::array();
  // By reference: the cells point into the record (value() would copy).
  const json& runs = record.contains("runs") && record["runs"].is_array() ? record["runs"] : kNoRuns;
  for (const auto& r : runs) {
    std::vector<std::string> labels = r.value("labels", std::vector<std::string>{});
    std::string column = labels.empty() ? "" : labels.back();
    std::string row;
    for (size_t i = 0; i + 1 < labels.size(); ++i) row += (row.empty() ? "" : " · ") + labels[i];
    if (row.empty()) row = "all";
    add(m.rows, row);
    add(m.columns, column);
    m.cells[{row, column}].push_back(&r);
  }
  return m;
}

// "valid", "invalid", "unknown", "crashed", "not applicable", "pending", ...
std::string Outcome(const json& r) {
  const std::string status = r.value("status", "");
  if (status != "done") return status;
  const json& v = r["verdict"];
  return v == true ? "valid" : v == false ? "invalid" : "unknown";
}

// "invalid 3/3", "valid 2/3, unknown 1/3", "not applicable".
std::string CellSummary(const std::vector<const json*>& runs) {
  std::map<std::string, int> count;
  for (const json* r : runs) ++count[Outcome(*r)];
  std::string out;
  for (const char* k : {"invalid", "valid", "unknown", "crashed", "interrupted", "pending", "not applicable"}) {
    auto it = count.find(k);
    if (it == count.end()) continue;
    out += (out.empty() ? "" : ", ") + std::string(k);
    if (std::string(k) != "not applicable") out += " " + std::to_string(it->second) + "/" + std::to_string(runs.size());
  }
  return out;
}

const char* Colour(const std::string& outcome) {
  if (outcome == "valid") return "#6DB6FE";
  if (outcome == "invalid") return "#FEB5DA";
  if (outcome == "unknown") return "#FFAA26";
  if (outcome == "crashed") return "#BBBBBB";
  return "#F4F4F4";
}

}  // namespace

std::string CampaignPageHtml(const json& record, const std::string& campaign_dir) {
  Matrix m = Arrange(record);
  const std::string name = record.value("name", "campaign");
  std::string h;
  h += "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>campaign " + HtmlEscape(name) +
       "</title><style>"
       "body{font-family:sans-serif;margin:1.5em;color:#222}"
       "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:6px 8px;vertical-align:top}"
       "th{background:#f0f0f0;text-align:left;white-space:nowrap}.run{display:inline-block;margin:2px;padding:2px 6px;"
       "border-radius:3px;color:#000;text-decoration:none;font-size:13px}"
       ".na{border:1px dashed #999;color:#666}.sum{font-size:12px;color:#444;margin-top:3px}"
       ".exit{padding:4px 10px;border-radius:4px;display:inline-block}</style></head><body>";
  const int code = record.value("exit_code", 0);
  const char* exit_colour = code == 0 ? "#6DB6FE" : code == 1 ? "#FEB5DA" : code == 2 ? "#FFAA26" : "#BBBBBB";
  h += "<h1>campaign " + HtmlEscape(name) + "</h1><p><span class=\"exit\" style=\"background:" +
       exit_colour + "\">exit " + std::to_string(code) + "</span> started " +
       HtmlEscape(record.value("started", "")) + (record.contains("finished") ? ", finished " + HtmlEscape(record.value("finished", "")) : std::string(", running")) +
       " — file " + HtmlEscape(record.value("file", "")) + "</p>";
  h += "<table id=\"matrix\"><tr><th></th>";
  for (const auto& c : m.columns) h += "<th>" + HtmlEscape(c) + "</th>";
  h += "</tr>";
  for (const auto& row : m.rows) {
    h += "<tr><th>" + HtmlEscape(row) + "</th>";
    for (const auto& col : m.columns) {
      auto it = m.cells.find({row, col});
      h += "<td>";
      if (it != m.cells.end()) {
        for (const json* r : it->second) {
          const std::string outcome = Outcome(*r);
          std::string title = r->value("key", "") + ": " + outcome;
          if (r->contains("reason")) title += " — " + r->value("reason", "");
          if (r->contains("summary")) title += " — " + r->value("summary", "");
          if (r->contains("log_tail")) title += " — " + r->value("log_tail", "");
          if (r->contains("expectation_met")) title += (*r)["expectation_met"] == true ? " (as expected)" : " (NOT as expected)";
          std::string label = "seed " + std::to_string(r->value("seed", 0));
          if (r->contains("expectation_met") && (*r)["expectation_met"] == false) label += " ✗";
          std::string cls = outcome == "not applicable" ? "run na" : "run";
          std::string style = "background:" + std::string(Colour(outcome));
          if (r->contains("run_dir")) {
            std::error_code ec;
            std::string rel = fs::relative(r->value("run_dir", "") + "/report.html", campaign_dir, ec).string();
            if (ec || rel.empty()) rel = r->value("run_dir", "") + "/report.html";
            h += "<a class=\"" + cls + "\" style=\"" + style + "\" href=\"" + HtmlEscape(rel) + "\" title=\"" +
                 HtmlEscape(title) + "\">" + HtmlEscape(label) + "</a>";
          } else {
            h += "<span class=\"" + cls + "\" style=\"" + style + "\" title=\"" + HtmlEscape(title) + "\">" +
                 HtmlEscape(label) + "</span>";
          }
        }
        h += "<div class=\"sum\">" + HtmlEscape(CellSummary(it->second)) + "</div>";
      }
      h += "</td>";
    }
    h += "</tr>";
  }
  h += "</table><h2>Runs</h2><table><tr><th>#</th><th>run</th><th>cluster</th><th>outcome</th><th>expected</th>"
       "<th>availability</th><th>ops/s</th><th>p50 / p99 ms</th><th>took s</th><th>summary</th></tr>";
  auto num = [](const json& v, int digits) {
    if (!v.is_number()) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v.get<double>());
    return std::string(buf);
  };
  for (const auto& r : record.value("runs", json::array())) {
    const std::string outcome = Outcome(r);
    h += "<tr><td>" + std::to_string(r.value("index", 0)) + "</td><td>" + HtmlEscape(r.value("key", "")) +
         "</td><td>" + HtmlEscape(r.value("cluster", "")) + "</td><td style=\"background:" + Colour(outcome) +
         "\">" + HtmlEscape(outcome) + "</td><td>" + HtmlEscape(r["expect"].is_null() ? "-" : r["expect"].dump()) +
         "</td><td>" + num(r.value("availability", json()), 3) + "</td><td>" + num(r.value("ops_per_s", json()), 0) +
         "</td><td>" + num(r.value("latency_p50_ms", json()), 1) + " / " + num(r.value("latency_p99_ms", json()), 1) +
         "</td><td>" + num(r.value("took_s", json()), 1) + "</td><td>" +
         HtmlEscape(r.value("summary", r.value("reason", r.value("log_tail", "")))) + "</td></tr>";
  }
  h += "</table><script>document.body.dataset.drawn = 'yes';</script></body></html>\n";
  return h;
}

std::string CampaignMatrixText(const json& record) {
  Matrix m = Arrange(record);
  size_t row_width = 4;
  for (const auto& r : m.rows) row_width = std::max(row_width, r.size());
  std::vector<size_t> widths;
  std::map<std::pair<std::string, std::string>, std::string> text;
  for (const auto& c : m.columns) {
    size_t w = c.size();
    for (const auto& r : m.rows) {
      auto it = m.cells.find({r, c});
      std::string s = it == m.cells.end() ? "" : CellSummary(it->second);
      text[{r, c}] = s;
      w = std::max(w, s.size());
    }
    widths.push_back(w);
  }
  auto pad = [](const std::string& s, size_t w) { return s + std::string(w > s.size() ? w - s.size() : 0, ' '); };
  std::string out = pad("", row_width);
  for (size_t i = 0; i < m.columns.size(); ++i) out += "  " + pad(m.columns[i], widths[i]);
  out += "\n";
  for (const auto& r : m.rows) {
    out += pad(r, row_width);
    for (size_t i = 0; i < m.columns.size(); ++i) out += "  " + pad(text[{r, m.columns[i]}], widths[i]);
    out += "\n";
  }
  return out;
}

}  // namespace faultline
