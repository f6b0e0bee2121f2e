// Nodes: which machines a test runs on and how to reach them — the node flags
// every node-using command shares, and connecting to all nodes at once.
//
// Two sources: explicit nodes (--nodes / --nodes-file, with --username,
// --ssh-key, --password, --ssh-port, --strict-host-keys, --known-hosts, as a
// Jepsen user expects), or else the cluster file written by `faultline cluster
// up` (namespace nodes: its generated key and host keys, checked strictly;
// container nodes: their runtime and container names).
//
// A node is reached over SSH unless its nodes-file line names another
// transport (container_remote.h):
//   NAME [transport=ssh|podman|docker|kubectl] [address=ADDR] [container=C]
//        [pod=P] [namespace=NS] [context=CTX] [binary=PATH]
// podman/docker: container= (default NAME); kubectl: pod= (default NAME),
// container= the container inside the pod; binary= the runtime program.
// Functions here are stateless; ConnectNodes may be called from any thread
// and connects to the nodes in parallel.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/control/container_remote.h"
#include "harness/core/flags.h"
#include "harness/control/remote.h"
#include "harness/core/status.h"

namespace faultline {

struct NodeOptions {
  std::vector<std::string> nodes;  // host names or addresses; also the node names
  std::string nodes_file;          // one node per line; blank lines and # comments ignored
  std::string nodes_from;          // podman:LABEL | docker:LABEL | kubectl:[NS/]SELECTOR (node_discovery.h)
  std::string username = "root";
  std::string ssh_key;             // private key file
  std::string password;
  int ssh_port = 22;
  bool strict_host_keys = false;   // verify against known_hosts instead of trusting on first use
  std::string known_hosts;         // default: ~/.ssh/known_hosts when strict, else RUN_DIR/known_hosts
  std::string cluster_file;        // default: the local cluster's file (ClusterFilePath())
};

// Registers --nodes a,b,c (repeatable) --nodes-file --nodes-from --username --ssh-key
// --password --ssh-port --strict-host-keys --known-hosts --cluster-file.
// After parsing, `nodes` holds each --nodes value as given (possibly a comma
// list); ExplicitNodeList splits and checks them.
void AddNodeFlags(Flags& flags, NodeOptions* out);

// One node as the nodes file describes it. `container` is set (and used)
// only when `ssh` is false.
struct NodeEntry {
  std::string name;
  bool ssh = true;
  std::string address;  // ssh: host to connect to (default: name)
  ContainerOptions container;
};

// Parses one nodes-file line (comment already removed; not blank) into an
// entry. Errors start with `where` ("nodes.txt:3: unknown key \"x\" ...").
Result<NodeEntry> ParseNodeLine(const std::string& line, const std::string& where);

// The entries of --nodes (ssh nodes), --nodes-file and --nodes-from (which
// asks the runtime for its running containers/pods), in order, checked as
// ExplicitNodeList says.
Result<std::vector<NodeEntry>> ExplicitNodeEntries(const NodeOptions& options);

// True when --nodes, --nodes-file or --nodes-from was given.
bool HasExplicitNodes(const NodeOptions& options);

// The node list from --nodes (comma-separated, possibly repeated) and
// --nodes-file, in order, without duplicates. Errors: unreadable file, empty
// list, duplicate node, a malformed line ("FILE:LINE: ...").
Result<std::vector<std::string>> ExplicitNodeList(const NodeOptions& options);

// What can be checked of the options without touching the network: the
// explicit node list (as ExplicitNodeList), --ssh-port, that --ssh-key
// exists, that each container transport's runtime program is installed;
// without explicit nodes, that the cluster file can be read. Returns
// an error naming the problem ("--ssh-key k: no such file", "no local cluster
// at F: ..."); OK says nothing about whether the nodes can be reached.
Status CheckNodeOptions(const NodeOptions& options);

// Connects to all nodes in parallel (SshRemote, or ContainerRemote for
// container transports). Without explicit nodes, uses
// the local cluster file; if there is none the error says to run `faultline
// cluster up`. Host keys trusted on first use are recorded in
// `run_dir`/known_hosts (run_dir may be empty: then nothing is recorded).
// Errors name every node that failed, one "; "-separated line.
Result<std::vector<std::unique_ptr<Remote>>> ConnectNodes(const NodeOptions& options,
                                                          const std::string& run_dir);

}  // namespace faultline
