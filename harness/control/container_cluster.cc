#include "harness/control/container_cluster.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "harness/control/cluster_up.h"
#include "harness/control/container_remote.h"
#include "harness/control/node_image.h"
#include "harness/control/subprocess.h"
#include "harness/core/text_lines.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

constexpr char kLabel[] = "faultline.cluster";

std::string NetworkName(const std::string& cluster) { return "faultline-" + cluster; }
std::string ContainerName(const std::string& cluster, const std::string& node) {
  return cluster + "-" + node;
}

bool InPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(std::string(path ? path : "") + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// The host's hard limit for `resource`, capped at `cap`: a container may not
// ask for more than the host allows (podman's defaults do, and are refused).
unsigned long long HardLimit(int resource, unsigned long long cap) {
  rlimit r{};
  if (getrlimit(resource, &r) != 0 || r.rlim_max == RLIM_INFINITY) return cap;
  return std::min<unsigned long long>(r.rlim_max, cap);
}

// Names of this cluster's containers, running or not.
std::vector<std::string> ClusterContainers(const std::string& binary, const std::string& cluster) {
  std::vector<std::string> out;
  auto r = RunLocal({binary, "ps", "-a", "--filter", std::string("label=") + kLabel + "=" + cluster, "--format",
                     "{{.Names}}"},
                    "", std::chrono::seconds(60));
  if (!r.ok() || r->exit_code != 0) return out;
  std::istringstream lines(r->out);
  std::string name;
  while (lines >> name) out.push_back(name);
  return out;
}

bool NetworkExists(const std::string& binary, const std::string& network) {
  auto r = RunLocal({binary, "network", "inspect", network}, "", std::chrono::seconds(60));
  return r.ok() && r->exit_code == 0;
}

// Adds what to do for the two host limits podman trips over here.
std::string ExplainRunFailure(const std::string& err, unsigned long long nofile, unsigned long long nproc) {
  std::string line = LastLine(err);
  if (err.find("rlimit") != std::string::npos) {
    line += " (the container's ulimits nofile=" + std::to_string(nofile) + " nproc=" + std::to_string(nproc) +
            " must not exceed the host's hard limits: raise them, or run with a lower `ulimit -Hn`)";
  } else if (err.find("crun") != std::string::npos && err.find("cgroup") != std::string::npos) {
    line += " (crun refuses this host's cgroups: install runc)";
  }
  return line;
}

// Error when this host lacks what the runtime or the storage faults need.
Status CheckRuntimeHost(const ContainerClusterSpec& spec) {
  if (spec.runtime == "podman" && !InPath("runc")) {
    return Status::Error("runc not found: podman needs it here (crun refuses hybrid cgroups): apt-get install runc");
  }
  if (spec.storage_faults && access("/dev/fuse", F_OK) != 0) {
    return Status::Error("--storage-faults: /dev/fuse does not exist on this host (load the fuse module)");
  }
  return Status::Ok();
}

// Fills in what container nodes add to the shared plan: the runtime, its
// network (also shown as the bridge), the subnet as given, each node's container.
ClusterFile PlanContainers(const ContainerClusterSpec& spec, const std::string& binary, ClusterFile c) {
  c.transport = spec.runtime;
  c.runtime_binary = binary;
  c.network = NetworkName(spec.cluster.name);
  c.bridge = c.network;
  c.subnet = spec.cluster.subnet;
  c.storage_faults = spec.storage_faults;
  for (auto& n : c.nodes) n.container = ContainerName(spec.cluster.name, n.name);
  return c;
}

// The runtime's bridge network for the cluster, gateway the host address.
Status MakeNetwork(const ClusterFile& c) {
  auto net = RunLocal({c.runtime_binary, "network", "create", "--subnet", c.subnet, "--gateway", c.host_address,
                       "--label", std::string(kLabel) + "=" + c.name, c.network},
                      "", std::chrono::seconds(60));
  if (!net.ok()) return net.status();
  if (net->exit_code != 0) return Status::Error("creating network " + c.network + ": " + LastLine(net->err));
  return Status::Ok();
}

// Starts every node's container from `image`, in parallel (each `run` takes a
// second or two). Error: the first failing node's, in node order, with the
// runtime's message and what to do for the host limits.
Status StartContainers(const ContainerClusterSpec& spec, const ClusterFile& c, const std::string& image) {
  const unsigned long long nofile = HardLimit(RLIMIT_NOFILE, 1048576);
  const unsigned long long nproc = HardLimit(RLIMIT_NPROC, 32768);
  std::vector<std::string> base{c.runtime_binary, "run", "-d", "--init", "--network", c.network,
                                "--label", std::string(kLabel) + "=" + c.name,
                                "--cap-add", "NET_ADMIN",
                                "--ulimit", "nofile=" + std::to_string(nofile) + ":" + std::to_string(nofile),
                                "--ulimit", "nproc=" + std::to_string(nproc) + ":" + std::to_string(nproc)};
  if (spec.runtime == "podman") base.insert(base.begin() + 2, {"--runtime", "runc"});
  if (spec.storage_faults) base.insert(base.end(), {"--cap-add", "SYS_ADMIN", "--device", "/dev/fuse"});
  for (const auto& n : c.nodes) base.insert(base.end(), {"--add-host", n.name + ":" + n.address});

  std::vector<Status> started(c.nodes.size(), Status::Ok());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      const ClusterNode& n = c.nodes[i];
      std::vector<std::string> argv = base;
      argv.insert(argv.end(), {"--name", n.container, "--hostname", n.name, "--ip", n.address, image,
                               "sleep", "infinity"});
      auto r = RunLocal(argv, "", std::chrono::seconds(120));
      if (!r.ok()) {
        started[i] = Status::Error(n.name + ": " + r.status().message());
      } else if (r->exit_code != 0) {
        started[i] = Status::Error(n.name + ": starting container " + n.container + ": " +
                                   ExplainRunFailure(r->err, nofile, nproc));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : started) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// OK when the node's container answers a command through its runtime.
Status ContainerAnswers(const ClusterFile& c, const ClusterNode& n) {
  ContainerOptions o;
  o.node = n.name;
  o.transport = *ParseContainerTransport(c.transport);
  o.binary = c.runtime_binary;
  o.container = n.container;
  o.address = n.address;
  auto remote = ContainerRemote::Connect(o);
  return remote.ok() ? Status::Ok() : remote.status();
}

}  // namespace

Result<std::string> ContainerRuntimeBinary(const ContainerClusterSpec& spec) {
  auto t = ParseContainerTransport(spec.runtime);
  if (!t.ok() || *t == ContainerTransport::kKubectl) {
    return Status::Error("--runtime \"" + spec.runtime + "\": expected podman or docker");
  }
  ContainerOptions o;
  o.node = "cluster " + spec.cluster.name;
  o.transport = *t;
  o.binary = spec.binary;
  return ResolveRuntimeBinary(o);
}

Status ContainerClusterDown(const ContainerClusterSpec& spec, bool* found) {
  bool any = false;
  if (found == nullptr) found = &any;
  *found = false;
  if (Status s = RequireRoot(); !s.ok()) return s;
  if (Status s = CheckClusterName(spec.cluster.name); !s.ok()) return s;
  const std::string& name = spec.cluster.name;
  const std::string dir = spec.cluster.state_root + "/" + name;
  std::string binary;
  auto file = LoadClusterFile(ClusterFilePath(name, spec.cluster.state_root));
  if (file.ok() && !file->runtime_binary.empty()) binary = file->runtime_binary;
  if (binary.empty()) {
    auto b = ContainerRuntimeBinary(spec);
    if (b.ok()) binary = *b;
  }
  std::error_code ec;
  if (fs::exists(dir, ec)) *found = true;
  if (!binary.empty()) {
    auto containers = ClusterContainers(binary, name);
    if (!containers.empty()) {
      *found = true;
      std::vector<std::string> argv{binary, "rm", "-f"};
      if (spec.runtime == "podman") argv.insert(argv.end(), {"-t", "0"});
      argv.insert(argv.end(), containers.begin(), containers.end());
      RunLocal(argv, "", std::chrono::seconds(120));
    }
    if (NetworkExists(binary, NetworkName(name))) {
      *found = true;
      RunLocal({binary, "network", "rm", NetworkName(name)}, "", std::chrono::seconds(60));
    }
  }
  fs::remove_all(dir, ec);
  if (ec) return Status::Error("cannot remove " + dir + ": " + ec.message());
  if (!binary.empty()) {
    auto left = ClusterContainers(binary, name);
    if (!left.empty()) return Status::Error("container " + left.front() + " remains");
    if (NetworkExists(binary, NetworkName(name))) {
      return Status::Error("network " + NetworkName(name) + " remains");
    }
  }
  return Status::Ok();
}

Result<ContainerClusterReport> ContainerClusterUp(const ContainerClusterSpec& spec) {
  if (Status s = RequireRoot(); !s.ok()) return s;
  auto binary = ContainerRuntimeBinary(spec);
  if (!binary.ok()) return binary.status();
  const LocalClusterSpec& cs = spec.cluster;
  if (Status s = ReplaceEarlierCluster(cs, [&] { return ContainerClusterDown(spec); }); !s.ok()) return s;
  if (Status s = CheckRuntimeHost(spec); !s.ok()) return s;
  auto image = EnsureNodeImage(*binary, DefaultNodeImageRecipe(), spec.rebuild_image);
  if (!image.ok()) return image.status();
  auto plan = PlanCluster(cs);
  if (!plan.ok()) return plan.status();

  ContainerClusterReport report;
  report.image = image->name;
  report.image_built = image->built;
  report.image_seconds = image->seconds;
  report.file = PlanContainers(spec, *binary, *plan);
  ClusterFile& c = report.file;
  Status s = RunUpSteps(
      {[&] { return MakeStateDir(cs); },
       [&] { return MakeNetwork(c); },
       [&] { return StartContainers(spec, c, report.image); },
       [&] { return RecordCluster(cs, c); },
       EachNode(&c.nodes, [&](ClusterNode& n) { return ContainerAnswers(c, n); })},
      [&] { ContainerClusterDown(spec); });
  if (!s.ok()) return s;
  return report;
}

Result<std::vector<std::pair<std::string, bool>>> ContainerClusterStatus(const ClusterFile& file) {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& n : file.nodes) {
    auto r = RunLocal({file.runtime_binary, "inspect", "--type", "container", "--format", "{{.State.Running}}",
                       n.container},
                      "", std::chrono::seconds(30));
    out.emplace_back(n.name, r.ok() && r->exit_code == 0 && r->out.rfind("true", 0) == 0);
  }
  return out;
}

}  // namespace faultline
