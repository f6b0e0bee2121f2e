// Report: renders one run as a self-contained report.html.
//
// Everything is inline (CSS, SVG, no scripts fetched, no fonts, no http(s)
// references), so the file can be opened offline or mailed around. Sections:
// verdict banner (Jepsen colours: valid #6DB6FE, invalid #FEB5DA, unknown
// #FFAA26), notes, each checker's verdict and details, a latency-over-time
// plot (one point per op coloured ok/fail/info, log scale, fault intervals
// shaded; large histories are sampled down, keeping fail/info points first),
// throughput over time, the availability table, the linearizability
// checker's explanation (the op that cannot be linearized, the end of the
// longest linearizable prefix with states, the concurrent ops; entries not
// in the checker's format are not explained, never crash), and the test spec. When the run directory holds
// other HTML files written by checkers (e.g. linearizability.html), the
// report links to them and embeds them in an iframe by relative path.
//
// `results` is results.json: {"valid": v, "<checker>": {"valid": v, ...}, ...}
// (ComposeChecker's details plus "valid"; a nested {"details": {...}} form is
// accepted too). Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

struct ReportInput {
  std::string run_dir;             // used for the title and to find extra HTML files
  json test = json::object();      // test.json
  const History* history = nullptr;  // required
  json results;                    // results.json (null: verdict unknown, "not checked")
  std::vector<std::string> notes;  // e.g. LoadedRun::notes
};

// The report as one HTML document.
std::string RenderReport(const ReportInput& input);

// Renders and writes <run_dir>/report.html atomically. When the results hold
// a "linearizable" entry that is not valid (and is in the checker's format),
// it first (re)writes <run_dir>/linearizability.html, the checker's diagram
// page, which the report embeds next to the checker's explanation. Error
// names the path.
Status WriteReport(const ReportInput& input);

}  // namespace faultline
