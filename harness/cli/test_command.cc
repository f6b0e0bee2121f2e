// `faultline test`: runs a test (DESIGN.md §4) once or --test-count times.
// Every setting can come from flags or a JSON --spec file; the spec is fully
// checked (ResolveSpec) before anything is deployed: bad specs exit 3.
#include <cstdio>

#include "harness/cli/cli.h"
#include "harness/run/runner.h"
#include "harness/run/test_spec.h"
#include "workloads/txn_workload.h"

namespace faultline {
namespace {

int Worst(int a, int b) {
  // infrastructure > invalid > unknown > valid
  auto rank = [](int c) { return c == kExitInfra ? 4 : c == kExitInvalid ? 3 : c == kExitUnknown ? 2 : c == kExitBadInput ? 1 : 0; };
  return rank(a) >= rank(b) ? a : b;
}

int RunTestCommand(const std::vector<std::string>& args) {
  Flags flags("test");
  TestFlagValues values;
  AddTestFlags(flags, &values);
  Status st = flags.Parse(args);
  if (!st.ok()) return BadInput("test", st.message());
  if (flags.help_requested()) {
    std::printf(
        "usage: faultline test --target T --workload W [--time-limit S] [--nemesis ...] [flags]\n"
        "Deploys T, runs W against it (with faults), checks the history; exit 0 valid,\n"
        "1 invalid, 2 unknown, 3 bad input, 4 infrastructure error.\n\n%s\n%s",
        flags.Usage().c_str(), kTxnWorkloadOptionsHelp);
    return kExitValid;
  }
  if (!flags.positionals().empty()) {
    return BadInput("test", "unexpected argument \"" + flags.positionals()[0] + "\"");
  }
  auto spec = SpecFromFlags(flags, values);
  if (!spec.ok()) return BadInput("test", spec.status().message());
  {
    auto resolved = ResolveSpec(*spec);
    if (!resolved.ok()) return BadInput("test", resolved.status().message());
  }
  int worst = kExitValid;
  for (int64_t i = 0; i < spec->test_count; ++i) {
    TestSpec run = *spec;
    if (run.seed_set) run.seed += static_cast<uint64_t>(i);
    if (spec->test_count > 1) {
      std::printf("== run %lld of %lld\n", static_cast<long long>(i + 1),
                  static_cast<long long>(spec->test_count));
    }
    RunResult r = RunTest(run);
    worst = Worst(worst, r.exit_code);
    if (r.exit_code == kExitInfra || r.exit_code == kExitBadInput) break;
    if (r.interrupted) break;  // Ctrl-C stops the whole series, not one run
  }
  return worst;
}

Registrar<CommandFn> kTestCommand("test", "run a test: deploy, drive a workload with faults, check",
                         &RunTestCommand);

}  // namespace
}  // namespace faultline
