// ContainerCluster: nodes n1..nN as containers of a container runtime (podman,
// or a docker CLI), the second kind of local cluster beside the namespace
// one (local_cluster.h). It writes the same cluster file, with transport
// "podman"/"docker", so `test`, `fault` and `campaign --clusters` use it
// unchanged; the controller reaches its nodes through ContainerRemote.
//
// Layout for cluster NAME on subnet A.B.C.0/P:
//   image     NodeImage (node_image.h), built once and cached by recipe
//   network   faultline-NAME (the runtime's bridge network), gateway .1
//   node i    container NAME-nI, hostname nI, address .(10+i), every node's
//             name in /etc/hosts, label faultline.cluster=NAME, an init as
//             PID 1 (reaps the store's processes after kill faults)
//   caps      NET_ADMIN (iptables, tc); with storage faults also SYS_ADMIN and
//             /dev/fuse (faultline-fs mounts over the store's data dir)
//   state     STATE_ROOT/NAME/cluster.json
//
// Host limits worked around (checked on Debian 12 with podman 4.3): podman
// runs containers with `--runtime runc` (crun refuses hybrid cgroups), and
// with nofile/nproc ulimits at the host's hard limits (podman's defaults are
// higher and refused).
//
// Up/Down need root. Functions for one cluster name must not run
// concurrently; different names and subnets may.
#pragma once

#include <functional>
#include <string>

#include "harness/control/local_cluster.h"
#include "harness/core/status.h"

namespace faultline {

struct ContainerClusterSpec {
  LocalClusterSpec cluster;       // name, node count, subnet, state root
  std::string runtime = "podman"; // "podman" or "docker"
  std::string binary;             // runtime program; empty: as ContainerOptions::binary
  bool storage_faults = false;    // add SYS_ADMIN and /dev/fuse
  bool rebuild_image = false;
};

// What ContainerClusterUp did, for the command's output.
struct ContainerClusterReport {
  ClusterFile file;
  std::string image;
  bool image_built = false;
  double image_seconds = 0;
};

// The runtime program `spec` uses, resolved; error when not installed.
Result<std::string> ContainerRuntimeBinary(const ContainerClusterSpec& spec);

// Removes leftovers of a cluster with this name, ensures the node image,
// creates the network and the containers, checks each answers a command, and
// writes the cluster file. On failure it removes what it made and returns
// the error in one line (with the runtime's own message and, for the two
// host limits, what to do).
Result<ContainerClusterReport> ContainerClusterUp(const ContainerClusterSpec& spec);

// Removes cluster `spec.cluster.name`'s containers (by label), its network
// and its state directory. Idempotent; `found` says whether anything was there.
Status ContainerClusterDown(const ContainerClusterSpec& spec, bool* found = nullptr);

// Per node: whether its container runs. Error when the cluster is not up.
Result<std::vector<std::pair<std::string, bool>>> ContainerClusterStatus(const ClusterFile& file);

}  // namespace faultline
