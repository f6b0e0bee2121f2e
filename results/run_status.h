// RunStatus: <run_dir>/status.json, the live state of a running test, which
// the runner rewrites every second and `faultline serve` shows (serve never
// talks to the runner; it only reads this file).
//
//   {"phase": "main"|"final"|..., "elapsed_s", "limit_s", "ops_s", "ok",
//    "fail", "info", "faults": ["partition", ...], "updated": unix seconds,
//    "pid": the controller's pid, "finished": true once the phases are over}
//
// Written to a temporary name and renamed (a reader never sees half a file),
// without fsync: it is rewritten every second and worthless after a crash.
// Thread-safe.
#pragma once

#include <string>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

inline constexpr const char* kRunStatusFile = "status.json";

Status WriteRunStatus(const std::string& run_dir, const json& status);

// The status, or null when there is none or it cannot be parsed.
json ReadRunStatus(const std::string& run_dir);

}  // namespace faultline
