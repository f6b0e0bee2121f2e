// ClusterUp: the steps both kinds of local cluster share to come up, namespace
// nodes (local_cluster.h) and container nodes (container_cluster.h). Each
// kind's Up reads as one list: validate the spec and the host, plan names and
// addresses, then RunUpSteps over its own steps (make the network, make each
// node, record the cluster file, wait for each node to answer), which removes
// the half-made cluster once, whichever step fails.
//
// Not thread-safe for one cluster name (as the Up functions themselves).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "harness/control/local_cluster.h"
#include "harness/core/status.h"

namespace faultline {

// Node i of a cluster has address subnet base + kFirstNodeOffset + i; the host
// (gateway) has base + 1.
inline constexpr uint32_t kFirstNodeOffset = 10;

// Removes an earlier (maybe crashed) cluster of this name with `down`, then
// checks the spec (ValidateSpec; after `down`, whose network would overlap).
// Errors: down's, as "cleaning up an earlier cluster "NAME": ...", or the
// spec's own.
Status ReplaceEarlierCluster(const LocalClusterSpec& spec, const std::function<Status()>& down);

// The cluster file as far as both kinds agree: the cluster's name, the host
// (gateway) address .1, and nodes n1..nN at addresses .(10+i). The kind fills
// in the rest (subnet text, bridge, how each node is reached).
// Error when spec.subnet is malformed (ValidateSpec has said so already).
Result<ClusterFile> PlanCluster(const LocalClusterSpec& spec);

// Creates STATE_ROOT/NAME/. Error "cannot create DIR: why".
Status MakeStateDir(const LocalClusterSpec& spec);

// Writes `c` to STATE_ROOT/NAME/cluster.json, the file `cluster down` and
// `test` read. Error when it cannot be written.
Status RecordCluster(const LocalClusterSpec& spec, const ClusterFile& c);

// One step of bringing a cluster up: OK, or an error a user can act on.
using UpStep = std::function<Status()>;

// Runs `steps` in order. On the first error it calls `remove` (the kind's
// Down, which removes whatever the steps made) and returns that error
// unchanged; OK when every step is.
Status RunUpSteps(const std::vector<UpStep>& steps, const std::function<void()>& remove);

// The step that runs `step` on each of `*nodes` in order (one after the
// other); the first error stops it and is the step's. `nodes` must outlive it.
UpStep EachNode(std::vector<ClusterNode>* nodes, std::function<Status(ClusterNode&)> step);

}  // namespace faultline
