// RunsIndex: <store>/.runs-index.jsonl, one line per change of a run's state,
// so that `faultline serve` lists a store of 10,000 runs by reading one file
// instead of every run's results.json.
//
// Each line is a JSON object for one run ("run": "<test>/<timestamp>", the
// path under the store) with what is known at that point: "status"
// ("running" when its directory is made, "done" when it was checked,
// "aborted" (+ "error") when it ended unchecked, "crashed" when a later run
// found its controller dead), "test", "started"
// (UTC text), and once checked "valid" (true/false/"unknown"), "interrupted"
// (true when a SIGINT/SIGTERM cut the run short: only a prefix was checked), "duration_s",
// "ops", "ops_s", "availability", "time_availability". A later line for the
// same run overrides the fields it holds. Lines are appended with one
// write(2) on an O_APPEND descriptor, so runs of several processes never
// interleave within a line; a cut-off or malformed line (a writer killed
// mid-write) is skipped by the reader, and the next append starts a new line
// after it. The index is a cache: the run
// directories stay the truth, and a run missing from it is still listed.
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

inline constexpr const char* kRunsIndexFile = ".runs-index.jsonl";

// Appends `entry` (must hold "run") to <store_root>/.runs-index.jsonl.
// Error names the file and the OS reason.
Status AppendRunIndex(const std::string& store_root, const json& entry);

// The index's entries merged per run (later fields win), newest run first
// (by "run", whose timestamps sort in creation order within a test, then by
// the timestamp across tests). No file: empty.
std::vector<json> ReadRunIndex(const std::string& store_root);

// The "done" entry for a checked run: verdict and figures from its results
// and history. `run` is "<test>/<timestamp>".
// What tells runs of one test apart, in one line: target and workload
// options, the nemeses (or "no faults") and the seed, from test.json.
std::string RunSettings(const json& test);

json DoneIndexEntry(const std::string& run, const json& test, const json& results, const History& history);

// "<test>/<timestamp>" for a run directory under `store_root`, or "" when
// `run_dir` is not two levels under it.
std::string RunKey(const std::string& store_root, const std::string& run_dir);

}  // namespace faultline
