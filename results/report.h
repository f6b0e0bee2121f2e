// Report: renders one run as a self-contained report.html.
//
// Everything is inline (CSS, SVG, hand-written script; nothing fetched, no
// fonts, no http(s) references), so the file can be opened offline or mailed
// around. Sections: the header (verdict in Jepsen's colours: valid #6DB6FE,
// invalid #FEB5DA, unknown #FFAA26; "crashed" when results hold a crash
// record; test, seed, start time, duration, ops/s, availability, the commands
// that reproduce the run, links to the run's files and node logs), notes, the
// checkers' verdicts, the linearizability counterexample when there is one
// (checkers/counterexample.h: the sentence, the window on a time axis with the
// faults in it, its ops linked to the timeline; entries not in the checker's
// format get no explanation, never a crash), a transactional checker's
// anomalies with each cycle drawn (txn_cycles_html.h), a set checker's lost /
// unexpected / stale elements with when each was added and last seen
// (set_html.h), the timeline (timeline.h), the
// plots (plots.h: latency points and quantiles, throughput, availability per
// node over time, clock offsets), the availability table (by ops and by time),
// other HTML pages checkers left in the run directory (linked and embedded
// by relative path), each checker's details and the test spec.
//
// `results` is results.json: {"valid": v, "<checker>": {"valid": v, ...}, ...}
// (ComposeChecker's details plus "valid"; a nested {"details": {...}} form is
// accepted too). `test` is test.json; its "concurrency" gives the timeline's
// worker lanes. Pure functions; thread-safe.
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

// The report's one-sentence account of an invalid linearizability result:
// `lin` is results.json's "linearizable" entry, `history` the checked one.
// Names the op, its node and time, what every linearization allows instead
// (the last write that produced it) and the faults active (checkers/
// counterexample.h). Empty when `lin` holds no well-formed failure.
std::string LinearizabilitySentence(const json& lin, const History& history);

// Renders and writes <run_dir>/report.html atomically. When the results hold
// a "linearizable" entry that is not valid (and is in the checker's format),
// it first (re)writes <run_dir>/linearizability.html, the counterexample page
// titled with the test name and run, which the report links and embeds.
// Error names the path.
Status WriteReport(const ReportInput& input);

}  // namespace faultline
