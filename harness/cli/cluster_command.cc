// `faultline cluster up|down|status`: creates, removes and inspects a local
// cluster of namespace nodes (local_cluster.h). Exit codes: 0 done / all nodes
// healthy, 3 bad flags or not root, 4 infrastructure failure or unhealthy node.
#include "harness/cli/cluster_command.h"

#include <cstdio>

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

int RunUp(const std::vector<std::string>& args) {
  LocalClusterSpec spec;
  Flags flags("cluster up");
  AddClusterNameFlags(flags, &spec);
  flags.Int("nodes", &spec.nodes, "number of nodes n1..nN (default 5)");
  flags.String("subnet", &spec.subnet, "private IPv4 subnet (default 10.77.0.0/24)", "CIDR");
  if (int rc = ParseOrExit("up", flags, args, "up [--nodes N] [--subnet CIDR] [--name NAME]");
      rc >= 0) {
    return rc;
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
  Status s = LocalClusterDown(spec, &found);
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

int RunStatus(const std::vector<std::string>& args) {
  LocalClusterSpec spec;
  Flags flags("cluster status");
  AddClusterNameFlags(flags, &spec);
  if (int rc = ParseOrExit("status", flags, args, "status [--name NAME]"); rc >= 0) return rc;
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
    "up", "create nodes n1..nN as namespaces with sshd on a private bridge", ClusterSubcommand{&RunUp});
static Registrar<ClusterSubcommand> down_reg(
    "down", "remove everything the cluster made (idempotent)", ClusterSubcommand{&RunDown});
static Registrar<ClusterSubcommand> status_reg(
    "status", "show each node, its address and whether its sshd answers",
    ClusterSubcommand{&RunStatus});
// More subcommands (e.g. `heal`) register from their own files.

static Registrar<CommandFn> reg("cluster", "local cluster of namespace nodes: up, down, status, ...",
                                &RunCluster);

}  // namespace

}  // namespace faultline
