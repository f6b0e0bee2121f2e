// The flags of the commands that act on a cluster's nodes by hand (`cluster
// heal`, `fault ...`): which nodes (the local cluster --name, or --nodes /
// --nodes-file / --cluster-file with the SSH flags), which target's Db to
// act through (--target, default ringstore; "none": network only; or
// --target-spec FILE, an external target's spec), and which
// results store's fault ledger to use (--store). Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/control/local_cluster.h"
#include "harness/control/nodes.h"
#include "harness/core/flags.h"
#include "targets/target.h"

namespace faultline {

struct NodeTargetFlags {
  LocalClusterSpec cluster;
  NodeOptions nodes;
  std::string target = "ringstore";
  std::vector<std::string> target_opts;
  std::string target_spec;  // --target-spec FILE: an external target (implies --target external)
  std::string store = "store";
};

void AddNodeTargetFlags(Flags& flags, NodeTargetFlags* values);

// The nodes, connected, and the target whose Db they run.
struct ConnectedNodes {
  Target target;  // db null for --target none
  std::vector<std::unique_ptr<Remote>> remotes;
  ClusterInfo cluster;
};

// Makes the target (a bad --target/--target-opt: exit 3) and connects to the
// nodes (unreachable: exit 4). On error prints "faultline <command>: ..."
// and sets *exit_code; returns null.
std::unique_ptr<ConnectedNodes> ConnectNodeTarget(const std::string& command, const Flags& flags,
                                                  NodeTargetFlags values, int* exit_code);

}  // namespace faultline
