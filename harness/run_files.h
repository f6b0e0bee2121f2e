// Run directory files used by the runner and `analyze`: creating
// store/<test>/<timestamp>/ (+ the store/latest link), reading/writing JSON,
// reading a run's history (through harness/history_reader.h). Interim home of
// the directory functions until the results store (results/run_store.h)
// lands. Functions are thread-compatible.
#pragma once

#include <string>

#include "harness/op.h"
#include "harness/status.h"

namespace faultline {

// Creates <store>/<name>/<UTC timestamp>/ and points <store>/latest and
// <store>/<name>/latest at it. Returns the run directory path.
Result<std::string> CreateRunDir(const std::string& store, const std::string& name);
// "latest" -> store/latest's target; a directory path -> itself. Error when
// it is not a directory holding test.json.
Result<std::string> ResolveRunDir(const std::string& arg, const std::string& store = "store");
Status WriteJsonFile(const std::string& path, const json& j);
Result<json> ReadJsonFile(const std::string& path);
Status WriteRunResults(const std::string& run_dir, const json& results);
// Reads and validates run_dir/history.jsonl. A torn last line (a writer
// killed mid-line) is dropped; any other bad line is an error "path:line: reason".
Result<History> ReadRunHistory(const std::string& run_dir);

}  // namespace faultline
