// TxnCyclesHtml: the anomalies a transactional checker (list-append,
// rw-register; checkers/list_append.h documents the result format) reported,
// as HTML — each cycle drawn as inline SVG: its transactions as boxes around
// a ring (name, process, outcome, micro-ops), an arrow for each dependency
// between them labelled with its kind (ww, wr, rw, realtime, process) and
// key, and under the drawing the checker's explanation of every step. Other
// anomalies (G1a, G1b, internal, incompatible-order, ...) are listed with
// their transactions and explanation.
//
// Shared by `faultline check --model ... --report DIR` (the page on its own,
// DIR/anomalies.html) and a run's report.html (the section, when results.json
// holds a transactional checker's result). Nothing is fetched (no script, no
// external asset); every text from the history or results is HTML-escaped.
// The details may come from a results.json on disk: fields of the wrong type
// are skipped or drawn as "?", never a crash. Pure functions; thread-safe.
#pragma once

#include <string>

#include "harness/core/op.h"

namespace faultline {

// True when `details` (one checker's entry of results.json) is a
// transactional checker's result: "model" list-append or rw-register and an
// "anomalies" object.
bool IsTxnCheckResult(const json& details);

// The SVG drawing of one cycle anomaly ({txns, steps}); `id` makes its
// element ids unique in the page (characters outside [A-Za-z0-9_-] become
// '_'). Empty when `anomaly` is not a cycle.
std::string TxnCycleSvg(const json& anomaly, const std::string& id);

// The section's HTML (no heading of its own): the summary (txns, models,
// anomaly types and counts, violated / satisfied models, why unknown), then
// every reported anomaly. `id` (made safe the same way) prefixes its element ids.
std::string TxnAnomaliesSection(const json& details, const std::string& id = "fl-txn");

// The CSS the section needs (class names start with "txn-").
const char* TxnAnomaliesStyle();

// A self-contained page of the section titled `title` (HTML-escaped here).
std::string TxnAnomaliesPage(const json& details, const std::string& title);

}  // namespace faultline
