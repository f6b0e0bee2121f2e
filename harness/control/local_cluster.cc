#include "harness/control/local_cluster.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "harness/control/cluster_up.h"
#include "harness/control/process_tree.h"
#include "harness/core/bounded_json.h"
#include "harness/core/text_lines.h"

namespace faultline {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kSshd[] = "/usr/sbin/sshd";

std::string StateDir(const LocalClusterSpec& spec) { return spec.state_root + "/" + spec.name; }
std::string BridgeName(const std::string& name) { return "flb-" + name; }
std::string VethPrefix(const std::string& name) { return "flv-" + name + "-"; }
std::string NetnsPrefix(const std::string& name) { return "faultline-" + name + "-n"; }

struct Subnet {
  uint32_t base = 0;  // host byte order, masked
  int prefix = 0;
  uint32_t Mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  uint32_t Size() const { return prefix == 0 ? 0 : uint32_t{1} << (32 - prefix); }
};

std::string IpString(uint32_t host_order) {
  in_addr a{htonl(host_order)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

Result<Subnet> ParseSubnet(const std::string& text) {
  auto slash = text.find('/');
  Status bad = Status::Error("--subnet \"" + text + "\": expected an IPv4 network like 10.77.0.0/24");
  if (slash == std::string::npos) return bad;
  in_addr a{};
  if (inet_pton(AF_INET, text.substr(0, slash).c_str(), &a) != 1) return bad;
  std::string p = text.substr(slash + 1);
  if (p.empty() || p.size() > 2 || p.find_first_not_of("0123456789") != std::string::npos) {
    return bad;
  }
  Subnet s;
  s.prefix = std::stoi(p);
  if (s.prefix < 8 || s.prefix > 29) {
    return Status::Error("--subnet \"" + text + "\": prefix must be between /8 and /29");
  }
  s.base = ntohl(a.s_addr) & s.Mask();
  return s;
}

bool Overlaps(const Subnet& a, const Subnet& b) {
  int p = std::min(a.prefix, b.prefix);
  uint32_t mask = p == 0 ? 0 : ~uint32_t{0} << (32 - p);
  return (a.base & mask) == (b.base & mask);
}

Status WriteFile(const std::string& path, const std::string& content, fs::perms perms) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  out.close();
  if (!out) return Status::Error("cannot write " + path);
  std::error_code ec;
  fs::permissions(path, perms, ec);
  return Status::Ok();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Interfaces on the host and their IPv4 networks: "eth0" -> 172.17.0.2/16.
std::vector<std::pair<std::string, Subnet>> HostAddresses() {
  std::vector<std::pair<std::string, Subnet>> out;
  auto r = RunLocal({"ip", "-o", "-4", "addr", "show"});
  if (!r.ok()) return out;
  std::istringstream lines(r->out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string idx, dev, family, cidr;
    words >> idx >> dev >> family >> cidr;
    if (family != "inet") continue;
    auto s = ParseSubnet(cidr);
    if (s.ok()) out.emplace_back(dev, *s);
  }
  return out;
}

std::vector<std::string> ListNetns() {
  std::vector<std::string> out;
  auto r = RunLocal({"ip", "netns", "list"});
  if (!r.ok()) return out;
  std::istringstream lines(r->out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    if (words >> name) out.push_back(name);
  }
  return out;
}

std::vector<std::string> ListLinks() {
  std::vector<std::string> out;
  auto r = RunLocal({"ip", "-o", "link", "show"});
  if (!r.ok()) return out;
  std::istringstream lines(r->out);
  std::string line;
  while (std::getline(lines, line)) {
    // "7: flv-x-1@if6: <BROADCAST,...>"
    auto a = line.find(": ");
    if (a == std::string::npos) continue;
    auto b = line.find_first_of("@:", a + 2);
    if (b == std::string::npos) continue;
    out.push_back(line.substr(a + 2, b - a - 2));
  }
  return out;
}

bool IsNodeNetns(const std::string& netns, const std::string& cluster) {
  std::string prefix = NetnsPrefix(cluster);
  if (netns.rfind(prefix, 0) != 0 || netns.size() == prefix.size()) return false;
  return netns.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
}

bool BridgeNetfilterOn() {
  std::string v = TrimTrailing(ReadFile("/proc/sys/net/bridge/bridge-nf-call-iptables"));
  return v == "1";
}

std::vector<std::string> ForwardRule(const std::string& bridge, const char* op) {
  return {"iptables", "-w", op, "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT"};
}

json ProcessJson(const ProcessId& p) { return {{"pid", p.pid}, {"start_time", p.start_time}}; }
ProcessId ProcessFromJson(const json& j) {
  ProcessId p;
  if (j.is_object()) {
    p.pid = j.value("pid", 0);
    p.start_time = j.value("start_time", 0ULL);
  }
  return p;
}

}  // namespace

Status CheckClusterName(const std::string& name) {
  // Interface names are limited to 15 characters: "flv-" + name + "-" + 2 digits.
  if (name.empty() || name.size() > 8) {
    return Status::Error("cluster name \"" + name + "\" must be 1-8 characters of [a-z0-9]");
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return Status::Error("cluster name \"" + name + "\" must be 1-8 characters of [a-z0-9]");
    }
  }
  return Status::Ok();
}

Status SaveClusterFile(const ClusterFile& c, const std::string& path) {
  json nodes = json::array();
  for (const auto& n : c.nodes) {
    nodes.push_back({{"name", n.name},
                     {"address", n.address},
                     {"netns", n.netns},
                     {"veth", n.veth},
                     {"launcher", ProcessJson(n.launcher)},
                     {"sshd", ProcessJson(n.sshd)},
                     {"container", n.container}});
  }
  json j = {{"name", c.name},         {"subnet", c.subnet},     {"bridge", c.bridge},
            {"host_address", c.host_address}, {"username", c.username}, {"ssh_key", c.ssh_key},
            {"known_hosts", c.known_hosts},   {"ssh_port", c.ssh_port}, {"nodes", nodes},
            {"password_file", c.password_file}, {"transport", c.transport},
            {"runtime_binary", c.runtime_binary}, {"network", c.network},
            {"storage_faults", c.storage_faults}};
  std::string tmp = path + ".tmp";
  Status s = WriteFile(tmp, j.dump(2) + "\n", fs::perms(0644));
  if (!s.ok()) return s;
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Error("cannot write " + path + ": " + ec.message());
  return Status::Ok();
}

namespace {

// Kills every process still inside network namespace `netns` (only processes
// this cluster started can be in it), then deletes the namespace.
void RemoveNetns(const std::string& netns) {
  for (int round = 0; round < 5; ++round) {
    auto r = RunLocal({"ip", "netns", "pids", netns});
    if (!r.ok() || r->exit_code != 0) break;
    std::istringstream pids(r->out);
    long pid;
    bool any = false;
    while (pids >> pid) {
      ProcessId id = IdentifyProcess(static_cast<pid_t>(pid));
      if (id.start_time == 0) continue;
      any = true;
      KillProcess(id, std::chrono::seconds(2));
    }
    if (!any) break;
  }
  RunLocal({"ip", "netns", "del", netns});
}

}  // namespace

std::string ClusterFilePath(const std::string& name, const std::string& state_root) {
  return state_root + "/" + name + "/cluster.json";
}

Result<ClusterFile> LoadClusterFile(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status::Error("no local cluster at " + path +
                         ": run `faultline cluster up` (or give --nodes / --nodes-file)");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = ParseBoundedJson(text);
  if (!parsed.ok()) return Status::Error(path + ": not valid JSON: " + parsed.status().message());
  json j = std::move(*parsed);
  try {
    ClusterFile c;
    c.name = j.value("name", "");
    c.subnet = j.value("subnet", "");
    c.bridge = j.value("bridge", "");
    c.host_address = j.value("host_address", "");
    c.username = j.value("username", "root");
    c.transport = j.value("transport", "ssh");
    c.runtime_binary = j.value("runtime_binary", "");
    c.network = j.value("network", "");
    c.storage_faults = j.value("storage_faults", false);
    // Container nodes are reached through their runtime: no key.
    c.ssh_key = c.transport == "ssh" ? j.at("ssh_key").get<std::string>() : j.value("ssh_key", "");
    c.known_hosts = j.value("known_hosts", "");
    c.ssh_port = j.value("ssh_port", 22);
    c.password_file = j.value("password_file", "");
    for (const auto& n : j.at("nodes")) {
      ClusterNode node;
      node.name = n.at("name").get<std::string>();
      node.address = n.at("address").get<std::string>();
      node.netns = n.value("netns", "");
      node.veth = n.value("veth", "");
      node.launcher = ProcessFromJson(n.value("launcher", json()));
      node.sshd = ProcessFromJson(n.value("sshd", json()));
      node.container = n.value("container", "");
      c.nodes.push_back(node);
    }
    if (c.nodes.empty()) return Status::Error(path + ": the cluster has no nodes");
    return c;
  } catch (const std::exception& e) {
    return Status::Error(path + ": missing or malformed field: " + e.what());
  }
}

Result<std::string> SubnetAddress(const std::string& subnet, uint32_t offset) {
  auto s = ParseSubnet(subnet);
  if (!s.ok()) return s.status();
  return IpString(s->base + offset);
}

Status RequireRoot() {
  if (geteuid() != 0) {
    return Status::Error(
        "the local cluster needs root (namespaces, bridge, iptables): run it as root or with sudo");
  }
  return Status::Ok();
}

Status ValidateSpec(const LocalClusterSpec& spec) {
  if (Status s = CheckClusterName(spec.name); !s.ok()) return s;
  if (spec.nodes < 1 || spec.nodes > 50) {
    return Status::Error("--nodes " + std::to_string(spec.nodes) + ": must be between 1 and 50");
  }
  auto subnet = ParseSubnet(spec.subnet);
  if (!subnet.ok()) return subnet.status();
  if (static_cast<uint64_t>(kFirstNodeOffset) + spec.nodes + 1 >= subnet->Size()) {
    return Status::Error("--subnet " + spec.subnet + " is too small for " +
                         std::to_string(spec.nodes) + " nodes (node i gets address .10+i)");
  }
  for (const auto& [dev, net] : HostAddresses()) {
    if (dev == BridgeName(spec.name)) continue;
    if (Overlaps(net, *subnet)) {
      return Status::Error("--subnet " + spec.subnet + " overlaps " + IpString(net.base) + "/" +
                           std::to_string(net.prefix) + " already on interface " + dev +
                           " (choose another --subnet)");
    }
  }
  return Status::Ok();
}

Status LocalClusterDown(const LocalClusterSpec& spec, bool* found) {
  bool any = false;
  if (found == nullptr) found = &any;
  *found = false;
  if (Status s = RequireRoot(); !s.ok()) return s;
  if (Status s = CheckClusterName(spec.name); !s.ok()) return s;
  const std::string dir = StateDir(spec);
  const std::string file = ClusterFilePath(spec.name, spec.state_root);
  std::error_code ec;
  if (fs::exists(dir, ec) || fs::exists(file, ec)) *found = true;
  if (fs::exists(file, ec)) {
    auto c = LoadClusterFile(file);
    if (c.ok()) {
      // sshd is PID 1 of the node's PID namespace: killing it ends the node.
      for (const auto& n : c->nodes) KillProcess(n.sshd);
      for (const auto& n : c->nodes) KillProcess(n.launcher);
    }
  }
  // Whatever a crash left: namespaces, links and the FORWARD rule by their
  // names (all derived from the cluster name, so other clusters are untouched).
  for (const auto& netns : ListNetns()) {
    if (IsNodeNetns(netns, spec.name)) RemoveNetns(netns), *found = true;
  }
  for (const auto& link : ListLinks()) {
    if (link.rfind(VethPrefix(spec.name), 0) == 0 || link == BridgeName(spec.name)) {
      RunLocal({"ip", "link", "del", link});
      *found = true;
    }
  }
  for (int i = 0; i < 10; ++i) {
    auto check = RunLocal(ForwardRule(BridgeName(spec.name), "-C"));
    if (!check.ok() || check->exit_code != 0) break;
    RunLocal(ForwardRule(BridgeName(spec.name), "-D"));
    *found = true;
  }
  fs::remove_all(dir, ec);
  if (ec) return Status::Error("cannot remove " + dir + ": " + ec.message());
  // Verify: say precisely what could not be removed.
  for (const auto& netns : ListNetns()) {
    if (IsNodeNetns(netns, spec.name)) return Status::Error("namespace " + netns + " remains");
  }
  for (const auto& link : ListLinks()) {
    if (link.rfind(VethPrefix(spec.name), 0) == 0 || link == BridgeName(spec.name)) {
      return Status::Error("interface " + link + " remains");
    }
  }
  return Status::Ok();
}

namespace {

// What every namespace node's files share, made once per cluster.
struct NodeCommon {
  std::string authorized_keys;  // the controller's public key
  std::string hosts;            // /etc/hosts: localhost and every node
  std::string shadow;           // /etc/shadow with the generated root password; empty: key login only
  std::string known_hosts;      // collected: every node's host key
};

Status RunOrError(const std::vector<std::string>& argv) {
  auto r = RunLocalOrError(argv);
  return r.ok() ? Status::Ok() : r.status();
}

std::string NodeDir(const LocalClusterSpec& spec, const ClusterNode& n) {
  return StateDir(spec) + "/nodes/" + n.name;
}

// Error when the nodes' sshd is not installed.
Status RequireSshd() {
  if (access(kSshd, X_OK) != 0) {
    return Status::Error(std::string(kSshd) + " not found: install openssh-server");
  }
  return Status::Ok();
}

// Fills in what namespace nodes add to the shared plan: the normalized
// subnet, bridge, key paths, and each node's namespace and veth.
ClusterFile PlanNamespaceNodes(const LocalClusterSpec& spec, ClusterFile c) {
  Subnet subnet = *ParseSubnet(spec.subnet);
  c.subnet = IpString(subnet.base) + "/" + std::to_string(subnet.prefix);
  c.bridge = BridgeName(spec.name);
  c.ssh_key = StateDir(spec) + "/id_ed25519";
  c.known_hosts = StateDir(spec) + "/known_hosts";
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    c.nodes[i].netns = NetnsPrefix(spec.name) + std::to_string(i + 1);
    c.nodes[i].veth = VethPrefix(spec.name) + std::to_string(i + 1);
  }
  return c;
}

std::string HostsFile(const std::vector<ClusterNode>& nodes) {
  std::string hosts = "127.0.0.1 localhost\n";
  for (const auto& n : nodes) hosts += n.address + " " + n.name + "\n";
  return hosts;
}

// STATE_ROOT/NAME/, readable by everyone (0755) whatever the umask.
Status MakeNamespaceStateDir(const LocalClusterSpec& spec) {
  if (Status s = MakeStateDir(spec); !s.ok()) return s;
  std::error_code ec;
  fs::permissions(StateDir(spec), fs::perms(0755), ec);
  return Status::Ok();
}

// The controller's key pair (one for every node); its public half becomes
// every node's authorized_keys.
Status MakeClientKey(const LocalClusterSpec& spec, const ClusterFile& c, NodeCommon* common) {
  if (Status s = RunOrError({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                             "faultline-" + spec.name + "-controller", "-f", c.ssh_key});
      !s.ok()) {
    return s;
  }
  common->authorized_keys = ReadFile(c.ssh_key + ".pub");
  return Status::Ok();
}

// A generated root password, valid on the nodes only (each node sees its own
// /etc/shadow), so password authentication works and can be tested: sets
// common->shadow and c->password_file. Skipped (OK, both left empty) when
// openssl is missing: then the nodes take keys only. Error when the password
// file cannot be written.
Status MakeRootPassword(const LocalClusterSpec& spec, ClusterFile* c, NodeCommon* common) {
  std::random_device rd;
  char pw[33];
  std::snprintf(pw, sizeof pw, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
  auto hash = RunLocal({"openssl", "passwd", "-6", "-stdin"}, std::string(pw) + "\n");
  std::string host_shadow = ReadFile("/etc/shadow");
  if (!hash.ok() || hash->exit_code != 0 || TrimTrailing(hash->out).rfind("$6$", 0) != 0 ||
      host_shadow.empty()) {
    return Status::Ok();
  }
  std::istringstream lines(host_shadow);
  std::string line, shadow;
  bool root_seen = false;
  while (std::getline(lines, line)) {
    if (line.rfind("root:", 0) == 0) {
      auto second = line.find(':', 5);
      line = "root:" + TrimTrailing(hash->out) + (second == std::string::npos ? "" : line.substr(second));
      root_seen = true;
    }
    shadow += line + "\n";
  }
  if (!root_seen) return Status::Ok();
  common->shadow = shadow;
  c->password_file = StateDir(spec) + "/root_password";
  return WriteFile(c->password_file, std::string(pw) + "\n", fs::perms(0600));
}

std::string SshdConfig(const LocalClusterSpec& spec, const ClusterNode& n, const std::string& nd,
                       bool password) {
  return "# faultline local node " + n.name + " of cluster " + spec.name + "\n"
         "ListenAddress " + n.address + "\n"
         "Port 22\n"
         "HostKey " + nd + "/ssh_host_ed25519_key\n"
         "AuthorizedKeysFile " + nd + "/authorized_keys\n"
         "PermitRootLogin yes\n" +
         std::string(password ? "PasswordAuthentication yes\n" : "PasswordAuthentication no\n") +
         "KbdInteractiveAuthentication no\n"
         "UsePAM no\n"
         "StrictModes no\n"
         "UseDNS no\n"
         "PrintMotd no\n"
         "PrintLastLog no\n"
         "PidFile none\n"
         "MaxStartups 100\n"
         "MaxSessions 100\n"
         "Subsystem sftp internal-sftp\n";
}

// Runs as PID 1 of the node's fresh mount/UTS/IPC/PID namespaces.
std::string SetupScript(const ClusterNode& n, const std::string& nd, bool shadow) {
  return "set -e\n"
         "mount --make-rprivate /\n"
         // Its own /dev/shm, as a machine (or a container) has: the POSIX
         // shared memory and semaphores a SIGKILLed store leaves there
         // (libfaketime's, PostgreSQL's) neither meet other nodes' pids nor
         // outlive the node; the IPC namespace does that for SysV segments.
         "mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm\n"
         "mkdir -p /var/lib/faultline /opt/faultline /var/log/faultline /run/sshd\n"
         "mount --bind " + ShellQuote(nd + "/lib") + " /var/lib/faultline\n"
         "mount --bind " + ShellQuote(nd + "/opt") + " /opt/faultline\n"
         "mount --bind " + ShellQuote(nd + "/log") + " /var/log/faultline\n"
         "mount --bind " + ShellQuote(nd + "/tmp") + " /tmp\n"
         "mount --bind " + ShellQuote(nd + "/hosts") + " /etc/hosts\n" +
         (shadow ? "mount --bind " + ShellQuote(nd + "/shadow") + " /etc/shadow\n" : std::string()) +
         // A private, empty home: the host root's shell startup files (sourced
         // by bash under sshd) stay out of the node.
         "mount --bind " + ShellQuote(nd + "/root") + " /root\n"
         "hostname " + n.name + "\n"
         "exec " + kSshd + " -D -e -f " + ShellQuote(nd + "/sshd_config") + "\n";
}

// STATE_ROOT/NAME/nodes/nI/: the node's private directories, host key (added
// to common->known_hosts), authorized_keys, hosts, shadow, sshd_config and
// setup.sh. Error when ssh-keygen fails or a file cannot be written.
Status WriteNodeFiles(const LocalClusterSpec& spec, const ClusterNode& n, NodeCommon* common) {
  const std::string nd = NodeDir(spec, n);
  std::error_code ec;
  for (const char* sub : {"lib", "opt", "log", "tmp", "root"}) fs::create_directories(nd + "/" + sub, ec);
  fs::permissions(nd + "/tmp", fs::perms(01777), ec);
  fs::permissions(nd + "/root", fs::perms(0700), ec);
  if (Status s = RunOrError({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                             "faultline-" + spec.name + "-" + n.name, "-f", nd + "/ssh_host_ed25519_key"});
      !s.ok()) {
    return s;
  }
  std::istringstream pub(ReadFile(nd + "/ssh_host_ed25519_key.pub"));
  std::string type, key;
  pub >> type >> key;
  common->known_hosts += n.address + " " + type + " " + key + "\n";
  const bool shadow = !common->shadow.empty();
  Status w = WriteFile(nd + "/authorized_keys", common->authorized_keys, fs::perms(0600));
  if (w.ok()) w = WriteFile(nd + "/hosts", common->hosts, fs::perms(0644));
  if (w.ok() && shadow) w = WriteFile(nd + "/shadow", common->shadow, fs::perms(0600));
  if (w.ok()) w = WriteFile(nd + "/sshd_config", SshdConfig(spec, n, nd, shadow), fs::perms(0644));
  if (w.ok()) w = WriteFile(nd + "/setup.sh", SetupScript(n, nd, shadow), fs::perms(0644));
  return w;
}

// The bridge with the host's address. With br_netfilter loaded, bridged
// frames traverse the host's FORWARD chain; a DROP policy there (docker does
// that) would cut nodes off from each other: accept this bridge's own traffic.
Status MakeBridge(const ClusterFile& c, const std::string& prefix_len) {
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"ip", "link", "add", c.bridge, "type", "bridge"},
           {"ip", "addr", "add", c.host_address + "/" + prefix_len, "dev", c.bridge},
           {"ip", "link", "set", c.bridge, "up"}}) {
    if (Status s = RunOrError(argv); !s.ok()) return s;
  }
  if (BridgeNetfilterOn()) return RunOrError(ForwardRule(c.bridge, "-I"));
  return Status::Ok();
}

// The node's namespace, its eth0 (a veth to the bridge) with its address, and
// a default route via the host.
Status MakeNodeNetwork(const LocalClusterSpec& spec, const ClusterFile& c, const ClusterNode& n,
                       const std::string& prefix_len) {
  const std::string peer = "flp-" + spec.name + "-" + n.name.substr(1);
  const std::string& ns = n.netns;
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"ip", "netns", "add", ns},
           {"ip", "link", "add", n.veth, "type", "veth", "peer", "name", peer},
           {"ip", "link", "set", peer, "netns", ns},
           {"ip", "netns", "exec", ns, "ip", "link", "set", peer, "name", "eth0"},
           {"ip", "netns", "exec", ns, "ip", "addr", "add", n.address + "/" + prefix_len, "dev", "eth0"},
           {"ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up"},
           {"ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"},
           {"ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", c.host_address},
           {"ip", "link", "set", n.veth, "master", c.bridge},
           {"ip", "link", "set", n.veth, "up"}}) {
    if (Status s = RunOrError(argv); !s.ok()) return s;
  }
  return Status::Ok();
}

// Starts the node's sshd as PID 1 of fresh mount/UTS/IPC/PID namespaces and
// records n->launcher and n->sshd. --kill-child: if the launcher dies, the
// node's PID 1 gets SIGKILL, and with it everything running on the node.
// Error (with the end of sshd's log) when sshd does not start within 5 s.
Status StartNodeSshd(const LocalClusterSpec& spec, ClusterNode* n) {
  const std::string nd = NodeDir(spec, *n);
  auto pid = SpawnDaemon({"ip", "netns", "exec", n->netns, "unshare", "--mount", "--uts", "--ipc", "--pid", "--fork",
                          "--mount-proc", "--kill-child", "sh", nd + "/setup.sh"},
                         nd + "/sshd.log");
  if (!pid.ok()) return pid.status();
  n->launcher = IdentifyProcess(*pid);
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    auto kids = ChildrenOf(*pid);
    if (!kids.empty()) {
      n->sshd = IdentifyProcess(kids.front());
      break;
    }
    if (!ProcessAlive(n->launcher)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (n->sshd.start_time == 0) {
    return Status::Error(n->name + ": the node's sshd did not start: " +
                         LastLines(ReadFile(nd + "/sshd.log"), 5));
  }
  return Status::Ok();
}

// OK once the node's sshd answers with an SSH banner; error (with the end of
// its log) when it has not within 15 s or has exited.
Status AwaitNodeSshd(const LocalClusterSpec& spec, const ClusterNode& n) {
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < deadline && ProcessAlive(n.sshd)) {
    if (SshAnswers(n.address, 22, std::chrono::milliseconds(500))) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string log = LastLines(ReadFile(NodeDir(spec, n) + "/sshd.log"), 5);
  return Status::Error(n.name + ": sshd on " + n.address + ":22 does not answer" +
                       (log.empty() ? "" : ": " + log));
}

}  // namespace

Result<ClusterFile> LocalClusterUp(const LocalClusterSpec& spec) {
  if (Status s = RequireRoot(); !s.ok()) return s;
  if (Status s = CheckClusterName(spec.name); !s.ok()) return s;
  if (Status s = ReplaceEarlierCluster(spec, [&] { return LocalClusterDown(spec); }); !s.ok()) return s;
  if (Status s = RequireSshd(); !s.ok()) return s;
  auto plan = PlanCluster(spec);
  if (!plan.ok()) return plan.status();
  ClusterFile c = PlanNamespaceNodes(spec, *plan);
  const std::string prefix_len = std::to_string(ParseSubnet(spec.subnet)->prefix);
  NodeCommon common;
  common.hosts = HostsFile(c.nodes);
  Status s = RunUpSteps(
      {[&] { return MakeNamespaceStateDir(spec); },
       [&] { return MakeClientKey(spec, c, &common); },
       [&] { return MakeRootPassword(spec, &c, &common); },
       EachNode(&c.nodes, [&](ClusterNode& n) { return WriteNodeFiles(spec, n, &common); }),
       [&] { return WriteFile(c.known_hosts, common.known_hosts, fs::perms(0644)); },
       [&] { return MakeBridge(c, prefix_len); },
       EachNode(&c.nodes, [&](ClusterNode& n) { return MakeNodeNetwork(spec, c, n, prefix_len); }),
       EachNode(&c.nodes, [&](ClusterNode& n) { return StartNodeSshd(spec, &n); }),
       // Recorded now, so `cluster down` finds the pids even if a node fails to answer.
       [&] { return RecordCluster(spec, c); },
       EachNode(&c.nodes, [&](ClusterNode& n) { return AwaitNodeSshd(spec, n); })},
      [&] { LocalClusterDown(spec); });
  if (!s.ok()) return s;
  return c;
}

Result<std::vector<NodeHealth>> LocalClusterStatus(const LocalClusterSpec& spec) {
  if (Status s = RequireRoot(); !s.ok()) return s;
  if (Status s = CheckClusterName(spec.name); !s.ok()) return s;
  auto c = LoadClusterFile(ClusterFilePath(spec.name, spec.state_root));
  if (!c.ok()) return c.status();
  auto netns = ListNetns();
  std::vector<NodeHealth> out;
  for (const auto& n : c->nodes) {
    NodeHealth h;
    h.name = n.name;
    h.address = n.address;
    h.netns = std::find(netns.begin(), netns.end(), n.netns) != netns.end();
    h.sshd_running = ProcessAlive(n.sshd);
    h.sshd_answers = SshAnswers(n.address, c->ssh_port, std::chrono::seconds(2));
    out.push_back(h);
  }
  return out;
}

bool SshAnswers(const std::string& address, int port, std::chrono::milliseconds timeout) {
  in_addr a{};
  if (inet_pton(AF_INET, address.c_str(), &a) != 1) return false;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr = a;
  auto deadline = Clock::now() + timeout;
  bool ok = false;
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  if (rc == 0 || errno == EINPROGRESS) {
    std::string banner;
    while (Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{fd, POLLIN, 0};
      int pr = poll(&p, 1, static_cast<int>(std::max<long long>(left.count(), 1)));
      if (pr <= 0) continue;
      char buf[64];
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        break;
      }
      banner.append(buf, n);
      if (banner.size() >= 4) {
        ok = banner.rfind("SSH-", 0) == 0;
        break;
      }
    }
  }
  close(fd);
  return ok;
}

}  // namespace faultline
