// `faultline list`: what this build can do — commands, targets, workloads,
// nemeses, checker models (everything that registered itself).
#include <cstdio>

#include "checkers/model.h"
#include "harness/cli/cli.h"
#include "nemesis/nemesis.h"
#include "targets/external/external_spec.h"
#include "targets/target.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

template <typename Registry>
void PrintSection(const char* title, const Registry& registry) {
  std::printf("%s:\n", title);
  auto all = registry.All();
  if (all.empty()) std::printf("  (none)\n");
  for (const auto* e : all) std::printf("  %-12s %s\n", e->name.c_str(), e->summary.c_str());
  std::printf("\n");
}

int RunList(const std::vector<std::string>& args) {
  Flags flags("list");
  std::string target_spec;
  flags.String("target-spec", &target_spec, "also describe this external target spec file");
  Status st = flags.Parse(args);
  if (!st.ok()) return BadInput("list", st.message());
  if (!flags.positionals().empty()) return BadInput("list", "takes no arguments");
  PrintSection("commands", CommandRegistry::Get());
  PrintSection("targets", TargetRegistry::Get());
  if (flags.WasSet("target-spec")) {
    auto spec = LoadExternalSpec(target_spec);
    if (!spec.ok()) return BadInput("list", spec.status().message());
    std::printf("external target spec:\n  %s\n\n", DescribeExternalSpec(*spec).c_str());
  }
  PrintSection("workloads", WorkloadRegistry::Get());
  PrintSection("nemeses", NemesisRegistry::Get());
  PrintSection("models (faultline check --model)", ModelRegistry::Get());
  return kExitValid;
}

Registrar<CommandFn> reg("list", "list commands, targets, workloads, nemeses, models", &RunList);

}  // namespace
}  // namespace faultline
