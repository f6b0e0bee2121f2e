// Workload: the client side of a test — which operations to run (a generator
// for the main phase and one for the final phase), and the checker that
// judges the history they produce (DESIGN.md §3).
//
// A workload is one .cc file in workloads/ ending in a registration object:
//   static Registrar<WorkloadFactory> reg("register", "summary", &MakeRegister);
// Its header comment lists its op vocabulary (f names and value shapes); the
// target must support every f in RequiredFs() (checked before deploying).
//
// Generators returned here produce client ops only; the runner restricts them
// to client threads, applies --rate (Stagger) and --time-limit, and adds the
// nemesis schedule. A factory rejects option keys it does not know and bad
// values with one line naming the option. Workload objects are used by one
// thread (the runner's) and are not thread-safe; checkers follow checker.h.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "checkers/checker.h"
#include "harness/run/generator.h"
#include "harness/core/registry.h"
#include "harness/core/status.h"

namespace faultline {

struct WorkloadOptions {
  int concurrency = 1;                        // number of client workers
  std::map<std::string, std::string> opts;    // --workload-opt key=value (and --linearizable)
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Client ops of the main phase; may be infinite (the runner time-limits it).
  virtual GenPtr Generator() = 0;
  // Client ops of the final phase (after faults are healed), e.g. final reads;
  // nullptr when the workload needs none.
  virtual GenPtr FinalGenerator() = 0;
  // The checker for this workload's ops (the runner adds stats/perf/availability).
  virtual Result<std::unique_ptr<Checker>> MakeChecker() = 0;
  // Op names the target's client must support.
  virtual std::set<std::string> RequiredFs() const = 0;
};

using WorkloadFactory =
    std::function<Result<std::unique_ptr<Workload>>(const WorkloadOptions& options)>;
using WorkloadRegistry = Registry<WorkloadFactory>;

// Helpers for factories: reads an option, or reports "workload NAME: option
// KEY: ..." for a bad value. `known` lists every key the workload accepts.
Status CheckWorkloadOptionKeys(const std::string& workload, const WorkloadOptions& options,
                               const std::set<std::string>& known);
Result<int64_t> WorkloadIntOption(const std::string& workload, const WorkloadOptions& options,
                                  const std::string& key, int64_t default_value, int64_t min,
                                  int64_t max);
Result<bool> WorkloadBoolOption(const std::string& workload, const WorkloadOptions& options,
                                const std::string& key, bool default_value);

}  // namespace faultline
