// Timeline: the report's interactive view of a whole history, made to stay
// smooth on 1,000,000-op histories.
//
// One lane per worker thread (process mod `threads`, the test's concurrency:
// a worker continues under process p + threads after an info, so its ops
// never overlap; threads 0 = one lane per process, or process mod 240 past
// 240 processes), lanes grouped by the node
// the worker talked to; one box per op from invocation to completion, coloured ok / fail / info
// (pending: never completed, drawn to the end of the run); nemesis faults as
// bands over the lanes, each fault kind in its own horizontal slice so that
// overlapping faults stack, labelled above the lanes with what they did
// (fault_labels.h; labels that would collide take further rows). The
// history is embedded once as a compact JSON array (11 small integers per
// op, strings interned in a table, times in microseconds); the script draws
// on one <canvas> only what is in view, merging boxes that fall on the same
// pixels, so no DOM node exists per op. Wheel zooms the time axis around the
// cursor, dragging pans (keys: + - arrows 0), hovering shows the op (f, key, value, result,
// error, node, times), clicking shows its history.jsonl lines: read from the
// history.jsonl beside the report when the page is served over HTTP
// (`faultline serve`; line n is the event with index n), else rebuilt from
// the embedded fields (times rounded to microseconds, values over 160
// characters cut, unknown extra fields left out).
//
// When it has drawn, the script writes data-timeline-drawn="<ops>" on <html>
// (tests and the benchmark wait for it). It exposes
// window.faultlineTimeline.show(history_indices, t0_s, t1_s): zoom to the
// window, highlight those ops, select (show the lines of) the first one and
// set data-timeline-marked="<ops highlighted>" (the counterexample links to it).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "checkers/fault_intervals.h"
#include "harness/core/op.h"

namespace faultline {

// The timeline section's HTML: controls, canvas, embedded data and script.
std::string RenderTimeline(const History& history, const std::vector<FaultInterval>& faults, int64_t threads);

// The embedded data alone (a JSON document), for tests.
std::string TimelineData(const History& history, const std::vector<FaultInterval>& faults, int64_t threads);

// The script that reports JavaScript errors into the page (data-js-error on
// <html> and a visible note): put it first in <head>.
std::string ErrorCatcherScript();

}  // namespace faultline
