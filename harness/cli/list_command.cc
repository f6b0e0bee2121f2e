// `faultline list`: what this build can do — commands, targets, workloads,
// nemeses, checker models (everything that registered itself), and where the
// binaries it deploys to nodes are.
#include <cstdio>
#include <filesystem>

#include "checkers/model.h"
#include "harness/cli/cli.h"
#include "nemesis/nemesis.h"
#include "nemesis/packet_shaper.h"
#include "targets/external/external_spec.h"
#include "targets/ringstore_db.h"
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

// The binaries faultline uploads to nodes are looked up beside its own
// executable (symlinks resolved): this says whether an installed or linked
// faultline finds them, before any deploy fails on it.
void PrintBinaries() {
  std::printf("binaries (beside this faultline, uploaded to nodes):\n");
  std::error_code ec;
  std::string ringstore = DefaultRingstoreBinary();
  std::printf("  %-17s %s%s\n", "ringstore", std::filesystem::exists(ringstore, ec) ? "" : "(missing) ",
              ringstore.c_str());
  std::string shaper = LocalShaperBinary();
  std::printf("  %-17s %s\n", "faultline-shaper", shaper.empty() ? "(missing)" : shaper.c_str());
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
  PrintBinaries();
  return kExitValid;
}

Registrar<CommandFn> reg("list", "list commands, targets, workloads, nemeses, models", &RunList);

}  // namespace
}  // namespace faultline
