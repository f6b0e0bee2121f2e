// CampaignSpec: a campaign file (`faultline campaign FILE`) — a matrix of
// test settings times seeds — and its expansion into runs.
//
//   {"name": "cap-matrix",
//    "defaults": {"time_limit": 30, ...},                 any test.json keys
//    "matrix": {"target": [{"target": "ringstore", "target_opts": {"mode": "paxos"}}, ...],
//               "workload": ["register", "set"],          a string means {"<dimension>": s}
//               "nemesis": ["none", "partition"]},
//    "seeds": [1, 2, 3],
//    "expect": [{"match": {"target_opts": {"mode": "paxos"}}, "valid": true}]}
//
// Every combination of one entry per dimension (dimensions in file order,
// the last varying fastest) times every seed is one run, whose spec is
// `defaults` with each entry's keys laid over it (objects such as
// target_opts merged key by key), plus "seed". `expect`: the first rule whose
// `match` is contained in a run's spec gives its expected verdict (true,
// false or "unknown"); a run without one is expected nothing.
// A combination that resolves (harness/run/test_spec.h) only as a whole fails
// (e.g. clock on a target without a clock file, faults on an in-process
// target) is "not applicable", with the reason: listed, not run.
// Errors are one line naming the file and the JSON path of the problem
// ("cap.json: matrix.nemesis[2]: unknown nemesis \"partitoin\"").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace faultline {

struct CampaignRun {
  size_t index = 0;                  // in expansion order
  std::string key;                   // "<combination>#<seed>": identifies it across --resume
  std::vector<std::string> labels;   // one per dimension, e.g. "ringstore mode=paxos", "register"
  uint64_t seed = 0;
  nlohmann::json spec;               // the test.json the run gets
  nlohmann::json expect;             // true, false, "unknown", or null (no expectation)
  std::string not_applicable;        // why it cannot run; "" when it can
};

struct CampaignSpec {
  std::string file;
  std::string name;
  nlohmann::json text;  // the file as given
  std::vector<std::string> dimensions;
  std::vector<CampaignRun> runs;
};

// Reads and expands `path`. `only` (k=v pairs, from --only) keeps the runs
// whose spec has setting k with value v. k is a test.json key ("workload",
// "seed"), a dotted path ("target_opts.mode") or an option of target_opts,
// workload_opts or nemesis_opts ("mode"); v matches a string equal to it, a
// number equal as a number ("seed=1" matches 1), a boolean by name, or a
// list holding a match ("nemesis=partition" matches ["partition"]).
Result<CampaignSpec> LoadCampaign(const std::string& path,
                                  const std::vector<std::pair<std::string, std::string>>& only = {});

}  // namespace faultline
