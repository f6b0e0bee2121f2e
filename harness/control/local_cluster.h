// LocalCluster: nodes n1..nN on this machine, each a set of Linux namespaces
// (network, UTS, mount, IPC, PID) on a private bridge with its own sshd, so the
// controller reaches them over SSH exactly like real machines (DESIGN.md §5).
//
// Layout for cluster NAME (1-8 of [a-z0-9]) on subnet A.B.C.0/P:
//   bridge  flb-NAME, host side address .1 of the subnet
//   node i  netns faultline-NAME-nI, veth flv-NAME-I <-> eth0, address .(10+i),
//           hostname nI, default route via the bridge
//   mounts  private per node: /var/lib/faultline, /opt/faultline,
//           /var/log/faultline, /tmp, /root (empty home), /etc/hosts
//           (all node names), /etc/shadow (a generated root password),
//           /dev/shm (a tmpfs of its own: gone with the node)
//   sshd    listens on the node's address, port 22; generated host keys, one
//           generated client key, and a generated root password
//   state   STATE_ROOT/NAME/ (default /var/lib/faultline-cluster/NAME/):
//           cluster.json, id_ed25519, known_hosts, nodes/nI/...
// A node's sshd is PID 1 of the node's PID namespace, so killing it (by its
// recorded pid) ends every process started on that node.
//
// Up/Down/Status need root (CAP_NET_ADMIN, CAP_SYS_ADMIN). Functions for one
// cluster name must not run concurrently; different names and subnets may.
#pragma once

#include <string>
#include <vector>

#include "harness/core/status.h"
#include "harness/control/subprocess.h"

namespace faultline {

inline constexpr char kDefaultClusterRoot[] = "/var/lib/faultline-cluster";

struct LocalClusterSpec {
  std::string name = "default";
  int nodes = 5;
  std::string subnet = "10.77.0.0/24";
  std::string state_root = kDefaultClusterRoot;
};

struct ClusterNode {
  std::string name;     // "n1"
  std::string address;  // "10.77.0.11"
  std::string netns;    // "faultline-default-n1" (empty for real and container nodes)
  std::string container;  // container nodes: the container's name ("pod1-n1")
  std::string veth;     // host-side veth
  ProcessId launcher;   // the `unshare` process outside the node
  ProcessId sshd;       // the node's PID 1 (sshd), as seen from the host
};

// The cluster file `faultline test` reads when no --nodes are given.
struct ClusterFile {
  std::string name;
  // How nodes are reached: "ssh" (namespace nodes) or a container runtime
  // ("podman", "docker": container_cluster.h) through `runtime_binary`.
  std::string transport = "ssh";
  std::string runtime_binary;
  std::string network;  // container nodes: the runtime's network
  // Container nodes: started with SYS_ADMIN and /dev/fuse (storage faults).
  bool storage_faults = false;
  std::string subnet;
  std::string bridge;
  std::string host_address;
  std::string username = "root";
  std::string ssh_key;      // private key path
  std::string known_hosts;  // host keys of every node (checked strictly)
  int ssh_port = 22;
  // File holding the nodes' generated root password (password login works
  // too); empty when openssl was missing at `up` (key login only).
  std::string password_file;
  std::vector<ClusterNode> nodes;
};

// STATE_ROOT/NAME/cluster.json.
std::string ClusterFilePath(const std::string& name = "default",
                            const std::string& state_root = kDefaultClusterRoot);
// Errors: missing file ("no local cluster at PATH: run `faultline cluster up`"),
// malformed JSON or missing fields (naming the file).
Result<ClusterFile> LoadClusterFile(const std::string& path);
// Writes `c` to `path` atomically (temporary file, rename).
Status SaveClusterFile(const ClusterFile& c, const std::string& path);

// The address `offset` hosts into `subnet` ("10.96.1.0/24", 11 ->
// "10.96.1.11"); node i of a cluster has offset 10+i, the host (gateway) 1.
// Error when `subnet` is malformed.
Result<std::string> SubnetAddress(const std::string& subnet, uint32_t offset);

// The name is 1-8 characters of [a-z0-9]: it becomes part of interface
// names (15 characters at most) and of the state directory's path, so
// nothing else (no "/" or "..") may reach a path that is removed.
Status CheckClusterName(const std::string& name);

// OK when running as root; otherwise an error line saying so.
Status RequireRoot();
// Checks the name, node count and subnet (format, size, no overlap with an
// address already on a host interface other than this cluster's bridge).
Status ValidateSpec(const LocalClusterSpec& spec);

// Removes leftovers of a cluster with this name, then creates the cluster,
// waits until every sshd answers, and writes the cluster file. On failure it
// removes what it made and returns the error (with the failing sshd's log).
Result<ClusterFile> LocalClusterUp(const LocalClusterSpec& spec);
// Removes everything cluster `spec.name` made: node processes (by recorded pid,
// then whatever still runs in its namespaces), namespaces, veths, bridge, its
// FORWARD rule, state files. Idempotent: OK when nothing is left. `found`,
// when given, is set to whether there was anything of the cluster to remove.
Status LocalClusterDown(const LocalClusterSpec& spec, bool* found = nullptr);

struct NodeHealth {
  std::string name;
  std::string address;
  bool netns = false;         // the namespace exists
  bool sshd_running = false;  // the recorded sshd pid is alive
  bool sshd_answers = false;  // an SSH banner comes back from address:22
};
// Per-node health of cluster `spec.name`; error when it is not up.
Result<std::vector<NodeHealth>> LocalClusterStatus(const LocalClusterSpec& spec);

// True when a TCP connection to address:port yields an "SSH-" banner within `timeout`.
bool SshAnswers(const std::string& address, int port, std::chrono::milliseconds timeout);

}  // namespace faultline
