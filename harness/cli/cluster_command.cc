// `faultline cluster up|down|status|image`: creates, removes and inspects a
// local cluster of namespace nodes (local_cluster.h) or, with --runtime
// podman|docker, of containers (container_cluster.h); `image` prints and
// (re)builds the containers' node image. Exit codes: 0 done / all nodes
// healthy, 3 bad flags, not root or runtime missing, 4 infrastructure failure
// or unhealthy node.
#include "harness/cli/cluster_command.h"

#include <chrono>
#include <cstdio>

#include "harness/control/container_cluster.h"
#include "harness/control/node_image.h"

namespace faultline {

void AddClusterNameFlags(Flags& flags, LocalClusterSpec* spec) {
  flags.String("name", &spec->name,
               "cluster name, 1-8 of [a-z0-9] (default \"default\"); several may run side by side");
  flags.String("state-root", &spec->state_root,
               std::string("where cluster state lives (default ") + kDefaultClusterRoot + ")");
}

namespace {

// Parses flags for `cluster SUB`; returns -1 to continue, else an exit code.
int ParseOrExit(const std::string& sub, Flags& flags, const std::vector<std::string>& args,
                const std::string& usage) {
  Status s = flags.Parse(args);
  if (!s.ok()) return BadInput("cluster " + sub, s.message());
  if (flags.help_requested()) {
    std::printf("usage: faultline cluster %s\n\n%s", usage.c_str(), flags.Usage().c_str());
    return kExitValid;
  }
  if (!flags.positionals().empty()) {
    return BadInput("cluster " + sub, "unexpected argument \"" + flags.positionals()[0] + "\"");
  }
  if (Status root = RequireRoot(); !root.ok()) return BadInput("cluster " + sub, root.message());
  return -1;
}

// The container cluster's part of `cluster up`.
int RunContainerUp(ContainerClusterSpec spec) {
  if (auto binary = ContainerRuntimeBinary(spec); !binary.ok()) {
    return BadInput("cluster up", binary.status().message());
  }
  if (Status s = ValidateSpec(spec.cluster); !s.ok() && s.message().find("overlaps") == std::string::npos) {
    return BadInput("cluster up", s.message());
  }
  const auto start = std::chrono::steady_clock::now();
  auto r = ContainerClusterUp(spec);
  if (!r.ok()) {
    std::fprintf(stderr, "faultline cluster up: %s\n", r.status().message().c_str());
    return r.status().message().find("overlaps") != std::string::npos ? kExitBadInput : kExitInfra;
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const ClusterFile& c = r->file;
  std::printf("cluster %s: %zu %s containers on network %s (%s, host %s)\n", c.name.c_str(), c.nodes.size(),
              c.transport.c_str(), c.network.c_str(), c.subnet.c_str(), c.host_address.c_str());
  std::printf("image %s (%s in %.1fs)\n", r->image.c_str(), r->image_built ? "built" : "cached",
              r->image_seconds);
  for (const auto& n : c.nodes) {
    std::printf("  %-4s %-15s container %s\n", n.name.c_str(), n.address.c_str(), n.container.c_str());
  }
  std::printf("cluster file: %s\n", ClusterFilePath(spec.cluster.name, spec.cluster.state_root).c_str());
  std::printf("shell: %s exec -it %s bash\n", c.runtime_binary.c_str(), c.nodes.front().container.c_str());
  std::printf("up in %.1fs\n", total);
  return kExitValid;
}

int RunUp(const std::vector<std::string>& args) {
  LocalClusterSpec spec;
  ContainerClusterSpec containers;
  std::string runtime;
  Flags flags("cluster up");
  AddClusterNameFlags(flags, &spec);
  flags.Int("nodes", &spec.nodes, "number of nodes n1..nN (default 5)");
  flags.String("subnet", &spec.subnet, "private IPv4 subnet (default 10.77.0.0/24)", "CIDR");
  flags.String("runtime", &runtime,
               "nodes as containers of this runtime: podman or docker (default: namespace nodes)");
  flags.String("runtime-binary", &containers.binary,
               "the runtime program (default: $FAULTLINE_PODMAN/$FAULTLINE_DOCKER, else from PATH)");
  flags.Bool("storage-faults", &containers.storage_faults,
             "containers: also SYS_ADMIN and /dev/fuse, for the storage faults");
  if (int rc = ParseOrExit("up", flags, args,
                           "up [--nodes N] [--subnet CIDR] [--name NAME] [--runtime podman|docker]");
      rc >= 0) {
    return rc;
  }
  if (!runtime.empty()) {
    containers.cluster = spec;
    containers.runtime = runtime;
    return RunContainerUp(containers);
  }
  if (containers.storage_faults || !containers.binary.empty()) {
    return BadInput("cluster up", "--storage-faults and --runtime-binary need --runtime podman|docker");
  }
  if (Status s = ValidateSpec(spec); !s.ok()) {
    // A subnet overlap with this cluster's own leftovers is cleaned by Up itself.
    if (s.message().find("overlaps") == std::string::npos) return BadInput("cluster up", s.message());
  }
  auto c = LocalClusterUp(spec);
  if (!c.ok()) {
    std::fprintf(stderr, "faultline cluster up: %s\n", c.status().message().c_str());
    return c.status().message().find("overlaps") != std::string::npos ? kExitBadInput : kExitInfra;
  }
  std::printf("cluster %s: %zu nodes on bridge %s (%s, host %s)\n", c->name.c_str(),
              c->nodes.size(), c->bridge.c_str(), c->subnet.c_str(), c->host_address.c_str());
  for (const auto& n : c->nodes) std::printf("  %-4s %s\n", n.name.c_str(), n.address.c_str());
  std::printf("cluster file: %s\n", ClusterFilePath(spec.name, spec.state_root).c_str());
  std::printf("ssh: ssh -i %s -o UserKnownHostsFile=%s root@%s\n", c->ssh_key.c_str(),
              c->known_hosts.c_str(), c->nodes.front().address.c_str());
  return kExitValid;
}

int RunDown(const std::vector<std::string>& args) {
  LocalClusterSpec spec;
  Flags flags("cluster down");
  AddClusterNameFlags(flags, &spec);
  if (int rc = ParseOrExit("down", flags, args, "down [--name NAME]"); rc >= 0) return rc;
  bool found = false;
  // The cluster file says which kind of cluster this is.
  auto file = LoadClusterFile(ClusterFilePath(spec.name, spec.state_root));
  Status s = Status::Ok();
  if (file.ok() && file->transport != "ssh") {
    ContainerClusterSpec c;
    c.cluster = spec;
    c.runtime = file->transport;
    s = ContainerClusterDown(c, &found);
  } else {
    s = LocalClusterDown(spec, &found);
  }
  if (!s.ok()) {
    std::fprintf(stderr, "faultline cluster down: %s\n", s.message().c_str());
    return kExitInfra;
  }
  // Idempotent (exit 0 either way), but saying what was true.
  if (found) {
    std::printf("cluster %s: removed\n", spec.name.c_str());
  } else {
    std::printf("cluster %s: no such cluster (nothing to remove)\n", spec.name.c_str());
  }
  return kExitValid;
}

int RunClusterStatus(const std::vector<std::string>& args) {
  LocalClusterSpec spec;
  Flags flags("cluster status");
  AddClusterNameFlags(flags, &spec);
  if (int rc = ParseOrExit("status", flags, args, "status [--name NAME]"); rc >= 0) return rc;
  auto file = LoadClusterFile(ClusterFilePath(spec.name, spec.state_root));
  if (file.ok() && file->transport != "ssh") {
    auto running = ContainerClusterStatus(*file);
    if (!running.ok()) {
      std::fprintf(stderr, "faultline cluster status: %s\n", running.status().message().c_str());
      return kExitInfra;
    }
    bool all = true;
    std::printf("%-5s %-16s %-16s %s\n", "node", "address", "container", file->transport.c_str());
    for (size_t i = 0; i < running->size(); ++i) {
      const auto& n = file->nodes[i];
      all = all && (*running)[i].second;
      std::printf("%-5s %-16s %-16s %s\n", n.name.c_str(), n.address.c_str(), n.container.c_str(),
                  (*running)[i].second ? "running" : "NOT RUNNING");
    }
    return all ? kExitValid : kExitInfra;
  }
  auto health = LocalClusterStatus(spec);
  if (!health.ok()) {
    std::fprintf(stderr, "faultline cluster status: %s\n", health.status().message().c_str());
    return kExitInfra;
  }
  bool all_ok = true;
  std::printf("%-5s %-16s %-9s %-6s %s\n", "node", "address", "netns", "sshd", "ssh answers");
  for (const auto& h : *health) {
    all_ok = all_ok && h.netns && h.sshd_running && h.sshd_answers;
    std::printf("%-5s %-16s %-9s %-6s %s\n", h.name.c_str(), h.address.c_str(),
                h.netns ? "yes" : "MISSING", h.sshd_running ? "up" : "DOWN",
                h.sshd_answers ? "yes" : "NO");
  }
  return all_ok ? kExitValid : kExitInfra;
}

int RunImage(const std::vector<std::string>& args) {
  ContainerClusterSpec spec;
  bool rebuild = false;
  Flags flags("cluster image");
  flags.String("runtime", &spec.runtime, "podman (default) or docker");
  flags.String("runtime-binary", &spec.binary, "the runtime program (default: from PATH)");
  flags.Bool("rebuild", &rebuild, "build it again even when cached");
  if (int rc = ParseOrExit("image", flags, args, "image [--runtime podman|docker] [--rebuild]"); rc >= 0) {
    return rc;
  }
  auto binary = ContainerRuntimeBinary(spec);
  if (!binary.ok()) return BadInput("cluster image", binary.status().message());
  NodeImageRecipe recipe = DefaultNodeImageRecipe();
  auto image = EnsureNodeImage(*binary, recipe, rebuild);
  if (!image.ok()) {
    std::fprintf(stderr, "faultline cluster image: %s\n", image.status().message().c_str());
    return kExitInfra;
  }
  std::string packages;
  for (const auto& p : recipe.packages) packages += " " + p;
  std::printf("%s (%s in %.1fs)\nrecipe: debootstrap --variant=%s %s +%s\n", image->name.c_str(),
              image->built ? "built" : "cached", image->seconds, recipe.variant.c_str(), recipe.suite.c_str(),
              packages.c_str());
  return kExitValid;
}

int RunCluster(const std::vector<std::string>& args) {
  const auto& subs = ClusterSubcommandRegistry::Get();
  auto usage = [&] {
    std::string s = "usage: faultline cluster <subcommand> [flags]\n\nsubcommands:\n";
    for (const auto* e : subs.All()) {
      char line[256];
      std::snprintf(line, sizeof line, "  %-8s %s\n", e->name.c_str(), e->summary.c_str());
      s += line;
    }
    return s;
  };
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::printf("%s", usage().c_str());
    return args.empty() ? kExitBadInput : kExitValid;
  }
  const auto* entry = subs.Find(args[0]);
  if (!entry) {
    return BadInput("cluster", "unknown subcommand \"" + args[0] + "\" (known: " +
                                   subs.NamesJoined() + ")");
  }
  return entry->factory.run(std::vector<std::string>(args.begin() + 1, args.end()));
}

static Registrar<ClusterSubcommand> up_reg(
    "up", "create nodes n1..nN: namespaces with sshd on a private bridge, or containers (--runtime)",
    ClusterSubcommand{&RunUp});
static Registrar<ClusterSubcommand> image_reg(
    "image", "print (and build when missing, or --rebuild) the container nodes' image",
    ClusterSubcommand{&RunImage});
static Registrar<ClusterSubcommand> down_reg(
    "down", "remove everything the cluster made (idempotent)", ClusterSubcommand{&RunDown});
static Registrar<ClusterSubcommand> status_reg(
    "status", "show each node, its address and whether its sshd answers",
    ClusterSubcommand{&RunClusterStatus});
// More subcommands (e.g. `heal`) register from their own files.

static Registrar<CommandFn> kClusterCommand("cluster", "local cluster of namespace nodes: up, down, status, ...",
                                &RunCluster);

}  // namespace

}  // namespace faultline
