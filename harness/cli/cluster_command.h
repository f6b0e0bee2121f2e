// `faultline cluster <subcommand>`: the local cluster's command. Subcommands
// register themselves like top-level commands (registry.h), so another file can
// add one (e.g. `heal`, in the nemesis folder) with:
//   static Registrar<ClusterSubcommand> reg("heal", "summary", ClusterSubcommand{&RunHeal});
// `up`, `down` and `status` live in cluster_command.cc.
#pragma once

#include <string>
#include <vector>

#include "harness/cli/cli.h"
#include "harness/control/local_cluster.h"
#include "harness/core/registry.h"

namespace faultline {

struct ClusterSubcommand {
  // Receives the arguments after `faultline cluster <name>`; returns the exit code.
  CommandFn run;
};
using ClusterSubcommandRegistry = Registry<ClusterSubcommand>;

// Registers the flags naming a local cluster: --name, --state-root (and, for
// `up`, the caller adds --nodes and --subnet).
void AddClusterNameFlags(Flags& flags, LocalClusterSpec* spec);

}  // namespace faultline
