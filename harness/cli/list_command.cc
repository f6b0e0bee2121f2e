// `faultline list`: what this build can do — commands, targets, workloads,
// nemeses, checker models (everything that registered itself), and where the
// binaries it deploys to nodes are.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "checkers/model.h"
#include "harness/cli/check_txn.h"
#include "harness/cli/cli.h"
#include "nemesis/nemesis.h"
#include "nemesis/packet_shaper.h"
#include "nemesis/storage_mount.h"
#include "targets/external/external_spec.h"
#include "targets/ringstore_db.h"
#include "targets/target.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;  // name, summary

template <typename Registry>
Rows RowsOf(const Registry& registry) {
  Rows rows;
  for (const auto* e : registry.All()) rows.emplace_back(e->name, e->summary);
  return rows;
}

// A section's rows, names padded to `width` (the longest name of all sections).
void PrintSection(const char* title, Rows rows, int width) {
  std::sort(rows.begin(), rows.end());
  std::printf("%s:\n", title);
  if (rows.empty()) std::printf("  (none)\n");
  for (const auto& [name, summary] : rows) std::printf("  %-*s  %s\n", width, name.c_str(), summary.c_str());
  std::printf("\n");
}

// The binaries faultline uploads to nodes are looked up beside its own
// executable (symlinks resolved): this says whether an installed or linked
// faultline finds them, before any deploy fails on it.
void PrintBinaries(int width) {
  std::printf("binaries (beside this faultline, uploaded to nodes):\n");
  std::error_code ec;
  std::string ringstore = DefaultRingstoreBinary();
  std::printf("  %-*s  %s%s\n", width, "ringstore", std::filesystem::exists(ringstore, ec) ? "" : "(missing) ",
              ringstore.c_str());
  std::string shaper = LocalShaperBinary();
  std::printf("  %-*s  %s\n", width, "faultline-shaper", shaper.empty() ? "(missing)" : shaper.c_str());
  std::string fs = LocalFaultFsBinary();
  std::printf("  %-*s  %s\n", width, "faultline-fs", fs.empty() ? "(missing)" : fs.c_str());
}

int RunList(const std::vector<std::string>& args) {
  Flags flags("list");
  std::string target_spec;
  flags.String("target-spec", &target_spec, "also describe this external target spec file");
  Status st = flags.Parse(args);
  if (!st.ok()) return BadInput("list", st.message());
  if (flags.help_requested()) {
    std::printf("usage: faultline list [flags]\n\nPrints what this build can do: commands, targets, workloads, "
                "nemeses and the models faultline check --model takes.\n\n%s",
                flags.Usage().c_str());
    return kExitValid;
  }
  if (!flags.positionals().empty()) return BadInput("list", "takes no arguments");
  std::string external;
  if (flags.WasSet("target-spec")) {
    auto spec = LoadExternalSpec(target_spec);
    if (!spec.ok()) return BadInput("list", spec.status().message());
    external = DescribeExternalSpec(*spec);
  }
  Rows models = RowsOf(ModelRegistry::Get());
  for (const auto& m : TxnModels()) models.push_back(m);
  const std::vector<std::pair<const char*, Rows>> sections = {
      {"commands", RowsOf(CommandRegistry::Get())},
      {"targets", RowsOf(TargetRegistry::Get())},
      {"workloads", RowsOf(WorkloadRegistry::Get())},
      {"nemeses", RowsOf(NemesisRegistry::Get())},
      {"models (faultline check --model)", models},
  };
  int width = 0;
  for (const auto& [title, rows] : sections) {
    for (const auto& row : rows) width = std::max(width, static_cast<int>(row.first.size()));
  }
  // The binaries' section lines up with the others too.
  width = std::max(width, static_cast<int>(std::string("faultline-shaper").size()));
  for (const auto& [title, rows] : sections) {
    PrintSection(title, rows, width);
    if (std::string(title) == "targets" && !external.empty()) {
      std::printf("external target spec:\n  %s\n\n", external.c_str());
    }
  }
  PrintBinaries(width);
  return kExitValid;
}

Registrar<CommandFn> kListCommand("list", "list commands, targets, workloads, nemeses, models", &RunList);

}  // namespace
}  // namespace faultline
