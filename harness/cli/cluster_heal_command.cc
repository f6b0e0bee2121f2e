// `faultline cluster heal`: heals by hand every fault a nemesis may have left
// on the nodes (nemesis/cluster_heal.h) — of the local cluster by default, or
// of explicit nodes (--nodes/--nodes-file with the SSH flags). The target
// (--target, default ringstore, with --target-opt k=v) says where the store's
// clock offset file and pid file are. Runs of the fault ledger in --store
// (default store) whose controller died on these nodes are marked crashed and
// forgotten, and faults started by hand are forgotten
// (harness/run/leftover_faults.h), with one line each. Exit: 0 healed, 3 bad
// flags, 4 a node could not be reached or healed.
#include <cstdio>

#include "harness/cli/cluster_command.h"
#include "harness/cli/node_target_flags.h"
#include "harness/run/leftover_faults.h"

namespace faultline {
namespace {

int RunHeal(const std::vector<std::string>& args) {
  NodeTargetFlags values;
  Flags flags("cluster heal");
  AddNodeTargetFlags(flags, &values);
  Status parsed = flags.Parse(args);
  if (!parsed.ok()) return BadInput("cluster heal", parsed.message());
  if (flags.help_requested()) {
    std::printf("usage: faultline cluster heal [--name NAME | --nodes a,b,c ...] [--target T]\n\n%s",
                flags.Usage().c_str());
    return kExitValid;
  }
  if (!flags.positionals().empty()) {
    return BadInput("cluster heal", "unexpected argument \"" + flags.positionals()[0] + "\"");
  }
  int code = kExitValid;
  auto nodes = ConnectNodeTarget("cluster heal", flags, values, &code);
  if (!nodes) return code;

  auto healed = HealLeftoverFaults(values.store, nodes->cluster, nodes->target.db.get(),
                                   "faultline cluster heal", false);
  if (!healed.ok()) {
    std::fprintf(stderr, "faultline cluster heal: %s\n", healed.status().message().c_str());
    return kExitInfra;
  }
  for (const auto& line : healed->lines) std::printf("%s\n", line.c_str());
  bool all_ok = true;
  for (const auto& report : healed->node_reports) {
    std::string line;
    for (const auto& d : report.done) line += (line.empty() ? "" : "; ") + d;
    std::printf("%s: %s\n", report.node.c_str(), line.empty() ? "nothing to heal" : line.c_str());
    for (const auto& e : report.errors) {
      std::fprintf(stderr, "faultline cluster heal: %s: %s\n", report.node.c_str(), e.c_str());
      all_ok = false;
    }
  }
  return all_ok ? kExitValid : kExitInfra;
}

static Registrar<ClusterSubcommand> kClusterHealSubcommand(
    "heal",
    "undo faults left on the nodes: flush FAULTLINE chains, remove netem, reset clock offsets, "
    "resume paused stores",
    ClusterSubcommand{&RunHeal});

}  // namespace
}  // namespace faultline
