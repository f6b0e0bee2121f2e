// TestSpec: every setting of one `faultline test` run, as flags or as a JSON
// file (--spec FILE; the same names, see SpecFromJson), stored as test.json.
//
// Resolution (ResolveSpec) turns names into parts — target, workload, nemeses —
// and checks everything that can be checked before deploying anything: unknown
// workload/target/nemesis, bad options, ops the workload needs that the target
// lacks, negative or zero limits. Its errors are one line each (exit 3).
// Plain values; not thread-safe for concurrent mutation.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/flags.h"
#include "harness/control/nodes.h"
#include "harness/core/op.h"
#include "harness/core/status.h"
#include "harness/run/schedule_file.h"
#include "nemesis/nemesis.h"
#include "targets/target.h"
#include "workloads/workload.h"

namespace faultline {

struct TestSpec {
  std::string name;                       // default "<target>-<workload>"
  std::string target = "ringstore";
  std::string target_spec;                // --target-spec FILE for target "external" (absolute)
  std::map<std::string, std::string> target_opts;
  std::string workload = "register";
  std::map<std::string, std::string> workload_opts;
  double time_limit_s = 60;
  int64_t concurrency = 5;
  double rate = 100;                      // total client ops/s; 0 = unthrottled
  uint64_t seed = 0;
  bool seed_set = false;                  // false: pick one at random
  std::vector<std::string> nemeses;       // empty = none
  double nemesis_interval_s = 10;
  // "overlap" (each fault kind on its own random schedule), "alternate" (one
  // fault at a time) or a schedule file (harness/run/schedule_file.h; its
  // fault kinds join `nemeses`). --nemesis-schedule; "nemesis_schedule".
  std::string nemesis_schedule = "overlap";
  std::map<std::string, std::string> nemesis_opts;
  bool leave_db_running = false;
  int64_t test_count = 1;
  std::string store = "store";
  double op_timeout_s = 10;
  double recovery_s = 5;                  // wait after healing, before final reads
  double final_time_limit_s = 30;         // bound on the final phase
  double min_availability = -1;           // < 0: availability does not affect the verdict
  NodeOptions nodes;                      // node flags (harness/control/nodes.h); none = local cluster
};

// The spec as test.json stores it (every field, the seed included).
json SpecToJson(const TestSpec& spec);
// Reads a spec; unknown keys and wrongly typed values are errors naming the key.
// Missing keys keep their defaults.
Result<TestSpec> SpecFromJson(const json& j);

// A spec file's text as a JSON object (what SpecFromJson takes). Error, one
// line starting with `name`: not JSON, nested deeper than kMaxNesting, over
// kMaxSpecBytes, or not an object.
inline constexpr size_t kMaxSpecBytes = size_t{1} << 20;  // a spec is a few hundred bytes
Result<json> ParseSpecText(std::string_view text, const std::string& name);

// Raw values of the `faultline test` flags.
struct TestFlagValues {
  std::string spec_file, name, target, target_spec, workload, store, nemesis, clock_strategy, partition,
      fault_targets, consistency_models, nemesis_schedule;
  std::vector<std::string> target_opts, workload_opts, nemesis_opts;
  double time_limit = 0, rate = 0, nemesis_interval = 0, op_timeout = 0, recovery_time = 0,
         final_time_limit = 0, min_availability = 0, packet_loss = 0, clock_max_skew_ms = 0;
  long long concurrency = 0, seed = 0, test_count = 0;
  bool leave_db_running = false, linearizable = false;
  NodeOptions nodes;  // --nodes, --nodes-file, --username, ... (AddNodeFlags)
};

// Registers every `faultline test` flag on `flags`, writing into `overrides`
// (SpecFromFlags lays the flags that were given over the --spec file).
void AddTestFlags(Flags& flags, TestFlagValues* values);

// Builds the spec: the --spec file (if any), then the flags that were given.
Result<TestSpec> SpecFromFlags(const Flags& flags, const TestFlagValues& values);

// Everything a run needs, made from a spec. ResolveSpec checks the spec
// without touching any node.
struct ResolvedSpec {
  TestSpec spec;
  Target target;
  std::unique_ptr<Workload> workload;
  std::vector<std::unique_ptr<Nemesis>> nemeses;
  std::vector<ScheduleStep> schedule;  // the schedule file's steps; empty for overlap/alternate
};
Result<ResolvedSpec> ResolveSpec(const TestSpec& spec);

// "k=v" -> (k, v); error names `flag` and the bad text.
Result<std::pair<std::string, std::string>> ParseKeyValue(const std::string& flag,
                                                           const std::string& text);

}  // namespace faultline
