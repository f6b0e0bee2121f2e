#include "harness/control/nodes.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "harness/control/local_cluster.h"
#include "harness/control/ssh_remote.h"

namespace faultline {

namespace fs = std::filesystem;

void AddNodeFlags(Flags& flags, NodeOptions* out) {
  flags.Strings("nodes", &out->nodes, "nodes to test, comma-separated (host names or addresses)");
  flags.String("nodes-file", &out->nodes_file, "file with one node per line (# comments)");
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
  return !options.nodes.empty() || !options.nodes_file.empty();
}

Result<std::vector<std::string>> ExplicitNodeList(const NodeOptions& options) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](std::string node, const std::string& where) -> Status {
    while (!node.empty() && (node.back() == ' ' || node.back() == '\t' || node.back() == '\r')) {
      node.pop_back();
    }
    size_t start = node.find_first_not_of(" \t");
    node = start == std::string::npos ? "" : node.substr(start);
    if (node.empty()) return Status::Ok();
    if (node.find_first_of(" \t") != std::string::npos) {
      return Status::Error(where + ": \"" + node + "\" is not a node name (one node per entry)");
    }
    if (!seen.insert(node).second) return Status::Error(where + ": node " + node + " given twice");
    out.push_back(node);
    return Status::Ok();
  };
  for (const auto& value : options.nodes) {
    std::stringstream ss(value);
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (Status s = add(item, "--nodes"); !s.ok()) return s;
    }
  }
  if (!options.nodes_file.empty()) {
    std::ifstream in(options.nodes_file);
    if (!in) return Status::Error("--nodes-file " + options.nodes_file + ": cannot read");
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      if (Status s = add(line, options.nodes_file + ":" + std::to_string(n)); !s.ok()) return s;
    }
  }
  if (out.empty()) return Status::Error("--nodes/--nodes-file: no nodes given");
  return out;
}

Status CheckNodeOptions(const NodeOptions& options) {
  if (!HasExplicitNodes(options)) {
    auto cluster = LoadClusterFile(options.cluster_file.empty() ? ClusterFilePath() : options.cluster_file);
    return cluster.ok() ? Status::Ok() : cluster.status();
  }
  auto nodes = ExplicitNodeList(options);
  if (!nodes.ok()) return nodes.status();
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
  std::vector<SshOptions> targets;
  if (HasExplicitNodes(options)) {
    if (Status s = CheckNodeOptions(options); !s.ok()) return s;
    auto nodes = ExplicitNodeList(options);
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
      SshOptions o;
      o.node = node;
      o.address = node;
      o.port = options.ssh_port;
      o.username = options.username.empty() ? "root" : options.username;
      o.key_path = options.ssh_key;
      o.password = options.password;
      o.strict_host_keys = options.strict_host_keys;
      o.known_hosts = known_hosts;
      o.known_hosts_mutex = mutex;
      targets.push_back(o);
    }
  } else {
    std::string path = options.cluster_file.empty() ? ClusterFilePath() : options.cluster_file;
    auto cluster = LoadClusterFile(path);
    if (!cluster.ok()) return cluster.status();
    for (const auto& node : cluster->nodes) {
      SshOptions o;
      o.node = node.name;
      o.address = node.address;
      o.port = cluster->ssh_port;
      o.username = cluster->username;
      o.key_path = cluster->ssh_key;
      // The cluster generated its nodes' host keys, so they are known exactly.
      o.strict_host_keys = true;
      o.known_hosts = cluster->known_hosts;
      targets.push_back(o);
    }
  }

  std::vector<Result<std::unique_ptr<SshRemote>>> results;
  for (size_t i = 0; i < targets.size(); ++i) results.emplace_back(Status::Error("not connected"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < targets.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = SshRemote::Connect(targets[i]); });
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
