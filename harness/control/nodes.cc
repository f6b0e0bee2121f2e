#include "harness/control/nodes.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "harness/control/local_cluster.h"
#include "harness/control/node_discovery.h"
#include "harness/control/ssh_remote.h"

namespace faultline {

namespace fs = std::filesystem;

void AddNodeFlags(Flags& flags, NodeOptions* out) {
  flags.Strings("nodes", &out->nodes, "nodes to test, comma-separated (host names or addresses)");
  flags.String("nodes-file", &out->nodes_file,
               "file with one node per line (# comments): NAME [transport=podman|docker|kubectl KEY=VALUE...]");
  flags.String("nodes-from", &out->nodes_from,
               "running containers/pods as nodes: podman:LABEL, docker:LABEL or kubectl:[NAMESPACE/]SELECTOR",
               "SOURCE");
  flags.String("username", &out->username, "ssh login user (default root; others use sudo -n)");
  flags.String("ssh-key", &out->ssh_key, "ssh private key file");
  flags.String("password", &out->password, "ssh password (when no key)");
  flags.Int("ssh-port", &out->ssh_port, "ssh port (default 22)");
  flags.Bool("strict-host-keys", &out->strict_host_keys,
             "verify host keys against --known-hosts instead of trusting on first use");
  flags.String("known-hosts", &out->known_hosts,
               "known_hosts file (default ~/.ssh/known_hosts when strict)");
  flags.String("cluster-file", &out->cluster_file,
               "local cluster file used when no --nodes are given (default " +
                   ClusterFilePath() + ")");
}

bool HasExplicitNodes(const NodeOptions& options) {
  return !options.nodes.empty() || !options.nodes_file.empty() || !options.nodes_from.empty();
}

Result<NodeEntry> ParseNodeLine(const std::string& line, const std::string& where) {
  std::istringstream words(line);
  NodeEntry e;
  words >> e.name;
  if (e.name.find('=') != std::string::npos) {
    return Status::Error(where + ": \"" + e.name + "\": a line starts with the node's name");
  }
  std::string transport = "ssh", pod, container;
  std::string word;
  while (words >> word) {
    auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Error(where + ": \"" + word + "\" after node " + e.name +
                           " is not KEY=VALUE (one node per line)");
    }
    std::string key = word.substr(0, eq), value = word.substr(eq + 1);
    if (key == "transport") {
      transport = value;
    } else if (key == "address") {
      e.address = value;
    } else if (key == "container") {
      container = value;
    } else if (key == "pod") {
      pod = value;
    } else if (key == "namespace") {
      e.container.kube_namespace = value;
    } else if (key == "context") {
      e.container.kube_context = value;
    } else if (key == "binary") {
      e.container.binary = value;
    } else {
      return Status::Error(where + ": unknown key \"" + key +
                           "\" (known: transport, address, container, pod, namespace, context, binary)");
    }
  }
  if (transport == "ssh") {
    for (const auto& [key, set] : std::vector<std::pair<std::string, bool>>{
             {"container", !container.empty()}, {"pod", !pod.empty()},
             {"namespace", !e.container.kube_namespace.empty()},
             {"context", !e.container.kube_context.empty()}, {"binary", !e.container.binary.empty()}}) {
      if (set) return Status::Error(where + ": " + key + "= needs a container transport (transport=podman|docker|kubectl)");
    }
    if (e.address.empty()) e.address = e.name;
    return e;
  }
  auto t = ParseContainerTransport(transport);
  if (!t.ok()) return Status::Error(where + ": " + t.status().message());
  e.ssh = false;
  e.container.node = e.name;
  e.container.transport = *t;
  e.container.address = e.address;
  if (*t == ContainerTransport::kKubectl) {
    e.container.container = pod.empty() ? e.name : pod;
    e.container.kube_container = container;
  } else {
    if (!pod.empty() || !e.container.kube_namespace.empty() || !e.container.kube_context.empty()) {
      return Status::Error(where + ": pod=, namespace= and context= are for transport=kubectl");
    }
    e.container.container = container.empty() ? e.name : container;
  }
  return e;
}

Result<std::vector<NodeEntry>> ExplicitNodeEntries(const NodeOptions& options) {
  std::vector<NodeEntry> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& text, const std::string& where, bool line) -> Status {
    size_t start = text.find_first_not_of(" \t\r");
    if (start == std::string::npos) return Status::Ok();
    std::string node = text.substr(start);
    while (!node.empty() && (node.back() == ' ' || node.back() == '\t' || node.back() == '\r')) {
      node.pop_back();
    }
    NodeEntry e;
    if (line) {
      auto parsed = ParseNodeLine(node, where);
      if (!parsed.ok()) return parsed.status();
      e = std::move(*parsed);
    } else {
      if (node.find_first_of(" \t") != std::string::npos) {
        return Status::Error(where + ": \"" + node + "\" is not a node name (one node per entry)");
      }
      e.name = e.address = node;
    }
    if (!seen.insert(e.name).second) return Status::Error(where + ": node " + e.name + " given twice");
    out.push_back(std::move(e));
    return Status::Ok();
  };
  for (const auto& value : options.nodes) {
    std::stringstream ss(value);
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (Status s = add(item, "--nodes", false); !s.ok()) return s;
    }
  }
  if (!options.nodes_file.empty()) {
    std::ifstream in(options.nodes_file);
    if (!in) return Status::Error("--nodes-file " + options.nodes_file + ": cannot read");
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      if (Status s = add(line, options.nodes_file + ":" + std::to_string(n), true); !s.ok()) return s;
    }
  }
  if (!options.nodes_from.empty()) {
    auto found = DiscoverNodes(options.nodes_from);
    if (!found.ok()) return found.status();
    for (auto& e : *found) {
      if (!seen.insert(e.name).second) return Status::Error("--nodes-from: node " + e.name + " given twice");
      out.push_back(std::move(e));
    }
  }
  if (out.empty()) return Status::Error("--nodes/--nodes-file: no nodes given");
  return out;
}

Result<std::vector<std::string>> ExplicitNodeList(const NodeOptions& options) {
  auto entries = ExplicitNodeEntries(options);
  if (!entries.ok()) return entries.status();
  std::vector<std::string> out;
  for (const auto& e : *entries) out.push_back(e.name);
  return out;
}

Status CheckNodeOptions(const NodeOptions& options) {
  if (!HasExplicitNodes(options)) {
    auto cluster = LoadClusterFile(options.cluster_file.empty() ? ClusterFilePath() : options.cluster_file);
    return cluster.ok() ? Status::Ok() : cluster.status();
  }
  auto nodes = ExplicitNodeEntries(options);
  if (!nodes.ok()) return nodes.status();
  for (const auto& e : *nodes) {
    if (e.ssh) continue;
    auto binary = ResolveRuntimeBinary(e.container);
    if (!binary.ok()) return binary.status();
  }
  if (options.ssh_port < 1 || options.ssh_port > 65535) {
    return Status::Error("--ssh-port " + std::to_string(options.ssh_port) + ": not a port");
  }
  if (!options.ssh_key.empty() && !fs::exists(options.ssh_key)) {
    return Status::Error("--ssh-key " + options.ssh_key + ": no such file");
  }
  return Status::Ok();
}

Result<std::vector<std::unique_ptr<Remote>>> ConnectNodes(const NodeOptions& options,
                                                          const std::string& run_dir) {
  // One connector per node, run in parallel below.
  std::vector<std::function<Result<std::unique_ptr<Remote>>()>> connectors;
  auto ssh = [&](SshOptions o) {
    connectors.push_back([o]() -> Result<std::unique_ptr<Remote>> {
      auto r = SshRemote::Connect(o);
      if (!r.ok()) return r.status();
      return std::unique_ptr<Remote>(std::move(r).value());
    });
  };
  auto container = [&](ContainerOptions o) {
    connectors.push_back([o]() -> Result<std::unique_ptr<Remote>> {
      auto r = ContainerRemote::Connect(o);
      if (!r.ok()) return r.status();
      return std::unique_ptr<Remote>(std::move(r).value());
    });
  };
  if (HasExplicitNodes(options)) {
    if (Status s = CheckNodeOptions(options); !s.ok()) return s;
    auto nodes = ExplicitNodeEntries(options);
    if (!nodes.ok()) return nodes.status();
    std::string known_hosts = options.known_hosts;
    if (options.strict_host_keys && known_hosts.empty()) {
      const char* home = std::getenv("HOME");
      known_hosts = std::string(home ? home : "/root") + "/.ssh/known_hosts";
    }
    if (!options.strict_host_keys && known_hosts.empty() && !run_dir.empty()) {
      std::error_code ec;
      fs::create_directories(run_dir, ec);
      known_hosts = run_dir + "/known_hosts";
    }
    auto mutex = std::make_shared<std::mutex>();
    for (const auto& node : *nodes) {
      if (!node.ssh) {
        container(node.container);
        continue;
      }
      SshOptions o;
      o.node = node.name;
      o.address = node.address;
      o.port = options.ssh_port;
      o.username = options.username.empty() ? "root" : options.username;
      o.key_path = options.ssh_key;
      o.password = options.password;
      o.strict_host_keys = options.strict_host_keys;
      o.known_hosts = known_hosts;
      o.known_hosts_mutex = mutex;
      ssh(o);
    }
  } else {
    std::string path = options.cluster_file.empty() ? ClusterFilePath() : options.cluster_file;
    auto cluster = LoadClusterFile(path);
    if (!cluster.ok()) return cluster.status();
    for (const auto& node : cluster->nodes) {
      if (cluster->transport != "ssh") {
        auto t = ParseContainerTransport(cluster->transport);
        if (!t.ok()) return Status::Error(path + ": " + t.status().message());
        ContainerOptions o;
        o.node = node.name;
        o.transport = *t;
        o.container = node.container;
        o.address = node.address;
        o.binary = cluster->runtime_binary;
        container(o);
        continue;
      }
      SshOptions o;
      o.node = node.name;
      o.address = node.address;
      o.port = cluster->ssh_port;
      o.username = cluster->username;
      o.key_path = cluster->ssh_key;
      // The cluster generated its nodes' host keys, so they are known exactly.
      o.strict_host_keys = true;
      o.known_hosts = cluster->known_hosts;
      ssh(o);
    }
  }

  std::vector<Result<std::unique_ptr<Remote>>> results;
  for (size_t i = 0; i < connectors.size(); ++i) results.emplace_back(Status::Error("not connected"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < connectors.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = connectors[i](); });
  }
  for (auto& t : threads) t.join();
  std::string errors;
  std::vector<std::unique_ptr<Remote>> remotes;
  for (auto& r : results) {
    if (!r.ok()) {
      errors += (errors.empty() ? "" : "; ") + r.status().message();
    } else {
      remotes.push_back(std::move(r).value());
    }
  }
  if (!errors.empty()) return Status::Error(errors);
  return remotes;
}

}  // namespace faultline
