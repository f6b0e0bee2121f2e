// Perf checker ("perf"): latency and throughput figures of the client ops.
// Informational: always valid (a history with no client ops is unknown).
//
// Latency = completion time - invocation time of each completed op (pairs by
// process, op_pairs.h); pending ops have no latency. Percentiles use the
// nearest-rank method. Throughput counts completions per bucket of
// `bucket_s` seconds of run time, from 0 to the last completion.
//
// details: {
//   "latency_ms": {"all": S, "by_f": {f: S + {"ok": S, "fail": S, "info": S}}},
//       where S = {"count", "mean", "p50", "p95", "p99", "max"} (milliseconds)
//   "throughput": {"bucket_s", "duration_s", "ops_per_s" (mean, completions),
//       "ok_per_s", "by_f": {f: ops_per_s},
//       "buckets": [{"t": seconds, "ok": n, "fail": n, "info": n}, ...]}}
// Stateless; thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "checkers/checker.h"

namespace faultline {

struct PerfOptions {
  double bucket_s = 1.0;  // throughput bucket width; <= 0 means 1
};

std::unique_ptr<Checker> MakePerfChecker(const PerfOptions& options = {});

// {"count","mean","p50","p95","p99","max"} of `values` (any unit; sorts them).
// Empty input gives {"count": 0}.
json SummarizeLatencies(std::vector<double>& values);

}  // namespace faultline
