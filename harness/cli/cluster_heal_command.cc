// `faultline cluster heal`: heals by hand every fault a nemesis may have left
// on the nodes (nemesis/cluster_heal.h) — of the local cluster by default, or
// of explicit nodes (--nodes/--nodes-file with the SSH flags). The target
// (--target, default ringstore, with --target-opt k=v; --target-spec FILE for
// an external one) says where the store's
// clock offset file and pid file are. Exit: 0 healed, 3 bad flags, 4 a node
// could not be reached or healed.
#include <cstdio>

#include "harness/cli/cluster_command.h"
#include "harness/control/nodes.h"
#include "nemesis/cluster_heal.h"
#include "targets/external/external_target.h"

namespace faultline {
namespace {

int RunHeal(const std::vector<std::string>& args) {
  LocalClusterSpec spec;
  NodeOptions node_options;
  std::string target_name = "ringstore";
  std::vector<std::string> target_opts;
  Flags flags("cluster heal");
  AddClusterNameFlags(flags, &spec);
  AddNodeFlags(flags, &node_options);
  flags.String("target", &target_name,
               "target whose store to resume and whose clock offset file to reset (default "
               "ringstore; \"none\": network only)");
  flags.Strings("target-opt", &target_opts, "target option key=value (repeatable)");
  std::string target_spec;
  flags.String("target-spec", &target_spec, "target spec file of --target external (implies it)");
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
  if (!HasExplicitNodes(node_options) && node_options.cluster_file.empty()) {
    node_options.cluster_file = ClusterFilePath(spec.name, spec.state_root);
  }

  if (flags.WasSet("target-spec") && !flags.WasSet("target")) target_name = "external";
  // Without --target, a build lacking ringstore heals the network only.
  if (!flags.WasSet("target") && TargetRegistry::Get().Find(target_name) == nullptr) {
    target_name = "none";
  }
  Target target;
  if (target_name != "none") {
    const auto* entry = TargetRegistry::Get().Find(target_name);
    if (entry == nullptr) {
      return BadInput("cluster heal", "--target: unknown target \"" + target_name +
                                          "\" (known: " + TargetRegistry::Get().NamesJoined() +
                                          ", none)");
    }
    TargetOptions options;
    for (const auto& kv : target_opts) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return BadInput("cluster heal", "--target-opt: \"" + kv + "\" is not key=value");
      }
      options[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    auto made = target_name == "external" ? MakeExternalTarget(target_spec, options) : entry->factory(options);
    if (!made.ok()) {
      return BadInput("cluster heal", (target_name == "external" ? "" : "--target-opt: ") + made.status().message());
    }
    target = std::move(made).value();
  }

  auto remotes = ConnectNodes(node_options, "");
  if (!remotes.ok()) {
    std::fprintf(stderr, "faultline cluster heal: %s\n", remotes.status().message().c_str());
    return kExitInfra;
  }
  ClusterInfo cluster;
  for (auto& r : *remotes) cluster.nodes.push_back({r->node(), r->address(), r.get()});
  bool all_ok = true;
  for (const auto& report : HealNodes(cluster, target.db.get())) {
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

static Registrar<ClusterSubcommand> reg(
    "heal",
    "undo faults left on the nodes: flush FAULTLINE chains, remove netem, reset clock offsets, "
    "resume paused stores",
    ClusterSubcommand{&RunHeal});

}  // namespace
}  // namespace faultline
