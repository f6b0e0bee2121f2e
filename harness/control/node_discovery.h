// NodeDiscovery: `--nodes-from podman:LABEL | docker:LABEL | kubectl:[NS/]SELECTOR`
// — the running containers or pods a runtime lists become the test's nodes,
// so a user points faultline at their own docker-compose project
// (docker:com.docker.compose.project=shop) or StatefulSet (kubectl:app=ringstore).
//
// Nodes are named after their containers/pods, sorted by name, reached
// through ContainerRemote (container_remote.h) with the runtime program from
// $FAULTLINE_PODMAN / $FAULTLINE_DOCKER / $FAULTLINE_KUBECTL or PATH.
// Parsing is pure (tested with recorded output); DiscoverNodes runs the
// runtime once. Stateless; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "harness/control/nodes.h"
#include "harness/core/status.h"

namespace faultline {

struct NodesFrom {
  ContainerTransport transport = ContainerTransport::kPodman;
  std::string selector;        // podman/docker: a label (KEY or KEY=VALUE); kubectl: a label selector
  std::string kube_namespace;  // kubectl only: the NS of NS/SELECTOR
};

// Parses the flag's value. Errors name the flag and what was expected.
Result<NodesFrom> ParseNodesFrom(const std::string& text);

// The argv listing the running containers or pods (`binary` is the runtime).
std::vector<std::string> DiscoveryArgv(const NodesFrom& from, const std::string& binary);

// Parses DiscoveryArgv's output into nodes (sorted by name): podman/docker
// print one container name per line; kubectl prints "NAME PHASE IP" per pod.
// Errors: nothing matched (naming the selector), a listed pod not Running.
Result<std::vector<NodeEntry>> ParseDiscovered(const NodesFrom& from, const std::string& binary,
                                               const std::string& output);

// Runs the listing and parses it. Errors: runtime missing, its failure (its
// last stderr line), nothing matched.
Result<std::vector<NodeEntry>> DiscoverNodes(const std::string& nodes_from);

}  // namespace faultline
