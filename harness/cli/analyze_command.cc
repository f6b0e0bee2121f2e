// `faultline analyze [RUN_DIR|latest]`: re-runs the checkers on a stored run
// (also the prefix left by a killed run) and rewrites its results.json.
#include <cstdio>

#include "harness/cli/cli.h"
#include "harness/run/runner.h"

namespace faultline {
namespace {

int RunAnalyze(const std::vector<std::string>& args) {
  Flags flags("analyze");
  std::string store = "store";
  flags.String("store", &store, "results directory for \"latest\" (default store)");
  Status st = flags.Parse(args);
  if (!st.ok()) return BadInput("analyze", st.message());
  if (flags.help_requested()) {
    std::printf("usage: faultline analyze [RUN_DIR|latest]\n"
                "Checks a stored run again (default: latest); exit 0 valid, 1 invalid, 2 unknown.\n\n%s",
                flags.Usage().c_str());
    return kExitValid;
  }
  if (flags.positionals().size() > 1) return BadInput("analyze", "expected one run directory");
  std::string dir = flags.positionals().empty() ? "latest" : flags.positionals()[0];
  return AnalyzeRun(dir, store);
}

Registrar<CommandFn> kAnalyzeCommand("analyze", "re-check a stored run (RUN_DIR or latest)", &RunAnalyze);

}  // namespace
}  // namespace faultline
