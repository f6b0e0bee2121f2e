#include "harness/control/node_discovery.h"

#include <algorithm>
#include <sstream>

#include "harness/control/subprocess.h"

namespace faultline {

Result<NodesFrom> ParseNodesFrom(const std::string& text) {
  auto colon = text.find(':');
  Status bad = Status::Error("--nodes-from \"" + text +
                             "\": expected podman:LABEL, docker:LABEL or kubectl:[NAMESPACE/]SELECTOR");
  if (colon == std::string::npos || colon + 1 >= text.size()) return bad;
  auto t = ParseContainerTransport(text.substr(0, colon));
  if (!t.ok()) return bad;
  NodesFrom from;
  from.transport = *t;
  from.selector = text.substr(colon + 1);
  if (*t == ContainerTransport::kKubectl) {
    auto slash = from.selector.find('/');
    if (slash != std::string::npos) {
      from.kube_namespace = from.selector.substr(0, slash);
      from.selector = from.selector.substr(slash + 1);
      if (from.kube_namespace.empty() || from.selector.empty()) return bad;
    }
  }
  if (from.selector.find_first_of(" \t\n") != std::string::npos) return bad;
  return from;
}

std::vector<std::string> DiscoveryArgv(const NodesFrom& from, const std::string& binary) {
  if (from.transport == ContainerTransport::kKubectl) {
    std::vector<std::string> argv{binary, "get", "pods", "-l", from.selector};
    if (!from.kube_namespace.empty()) argv.insert(argv.end(), {"-n", from.kube_namespace});
    argv.insert(argv.end(), {"-o", "jsonpath={range .items[*]}{.metadata.name} {.status.phase} "
                                   "{.status.podIP}{\"\\n\"}{end}"});
    return argv;
  }
  return {binary, "ps", "--filter", "label=" + from.selector, "--filter", "status=running", "--format",
          "{{.Names}}"};
}

Result<std::vector<NodeEntry>> ParseDiscovered(const NodesFrom& from, const std::string& binary,
                                               const std::string& output) {
  std::vector<NodeEntry> out;
  std::istringstream lines(output);
  std::string line;
  const bool kube = from.transport == ContainerTransport::kKubectl;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name, phase, ip;
    if (!(words >> name)) continue;
    NodeEntry e;
    e.name = name;
    e.ssh = false;
    e.container.node = name;
    e.container.transport = from.transport;
    e.container.container = name;
    e.container.binary = binary;
    if (kube) {
      words >> phase >> ip;
      if (phase != "Running") {
        return Status::Error("--nodes-from kubectl:" + from.selector + ": pod " + name + " is " +
                             (phase.empty() ? "in no phase" : phase) + ", not Running");
      }
      e.container.kube_namespace = from.kube_namespace;
      e.container.address = ip;
    }
    out.push_back(std::move(e));
  }
  if (out.empty()) {
    return Status::Error(std::string("--nodes-from ") + TransportName(from.transport) + ":" + from.selector +
                         ": no running " + (kube ? "pod matches" : "container has that label"));
  }
  std::sort(out.begin(), out.end(), [](const NodeEntry& a, const NodeEntry& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<NodeEntry>> DiscoverNodes(const std::string& nodes_from) {
  auto from = ParseNodesFrom(nodes_from);
  if (!from.ok()) return from.status();
  ContainerOptions o;
  o.node = "--nodes-from";
  o.transport = from->transport;
  auto binary = ResolveRuntimeBinary(o);
  if (!binary.ok()) return binary.status();
  auto r = RunLocal(DiscoveryArgv(*from, *binary), "", std::chrono::seconds(60));
  if (!r.ok()) return Status::Error("--nodes-from " + nodes_from + ": " + r.status().message());
  if (r->exit_code != 0) {
    std::string err = r->err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    auto nl = err.rfind('\n');
    return Status::Error("--nodes-from " + nodes_from + ": " + *binary + " exited " +
                         std::to_string(r->exit_code) + ": " + (nl == std::string::npos ? err : err.substr(nl + 1)));
  }
  return ParseDiscovered(*from, *binary, r->out);
}

}  // namespace faultline
