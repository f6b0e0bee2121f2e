#include "harness/cli/node_target_flags.h"

#include <cstdio>

#include "harness/cli/cluster_command.h"
#include "harness/run/test_spec.h"
#include "targets/external/external_target.h"

namespace faultline {

void AddNodeTargetFlags(Flags& flags, NodeTargetFlags* v) {
  AddClusterNameFlags(flags, &v->cluster);
  AddNodeFlags(flags, &v->nodes);
  flags.String("target", &v->target,
               "target whose Db to act through: kill/pause its store, reset its clock offset file "
               "(default ringstore; \"none\": network only)");
  flags.Strings("target-opt", &v->target_opts, "target option key=value (repeatable)");
  flags.String("target-spec", &v->target_spec, "target spec file of --target external (implies it)");
  flags.String("store", &v->store,
               "results store whose fault ledger records the faults on these nodes (default store)");
}

std::unique_ptr<ConnectedNodes> ConnectNodeTarget(const std::string& command, const Flags& flags,
                                                  NodeTargetFlags v, int* exit_code) {
  if (!HasExplicitNodes(v.nodes) && v.nodes.cluster_file.empty()) {
    v.nodes.cluster_file = ClusterFilePath(v.cluster.name, v.cluster.state_root);
  }
  if (flags.WasSet("target-spec") && !flags.WasSet("target")) v.target = "external";
  // Without --target, a build lacking ringstore acts on the network only.
  if (!flags.WasSet("target") && TargetRegistry::Get().Find(v.target) == nullptr) v.target = "none";
  auto out = std::make_unique<ConnectedNodes>();
  if (v.target != "none") {
    const auto* entry = TargetRegistry::Get().Find(v.target);
    if (entry == nullptr) {
      *exit_code = BadInput(command, "--target: unknown target \"" + v.target + "\" (known: " +
                                         TargetRegistry::Get().NamesJoined() + ", none)");
      return nullptr;
    }
    TargetOptions options;
    for (const auto& kv : v.target_opts) {
      auto pair = ParseKeyValue("--target-opt", kv);
      if (!pair.ok()) {
        *exit_code = BadInput(command, pair.status().message());
        return nullptr;
      }
      options[pair->first] = pair->second;
    }
    auto made = v.target == "external" ? MakeExternalTarget(v.target_spec, options) : entry->factory(options);
    if (!made.ok()) {
      *exit_code = BadInput(command, (v.target == "external" ? "" : "--target-opt: ") + made.status().message());
      return nullptr;
    }
    out->target = std::move(made).value();
    if (!out->target.needs_nodes) {
      *exit_code = BadInput(command, "target " + v.target + " " + out->target.without_nodes +
                                         ": it has no nodes to act on");
      return nullptr;
    }
  }
  auto remotes = ConnectNodes(v.nodes, "");
  if (!remotes.ok()) {
    std::fprintf(stderr, "faultline %s: %s\n", command.c_str(), remotes.status().message().c_str());
    *exit_code = kExitInfra;
    return nullptr;
  }
  out->remotes = std::move(*remotes);
  for (auto& r : out->remotes) out->cluster.nodes.push_back({r->node(), r->address(), r.get()});
  return out;
}

}  // namespace faultline
