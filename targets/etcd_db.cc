#include "targets/etcd_db.h"

#include <httplib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <chrono>
#include <thread>

#include "harness/core/bounded_json.h"
#include "targets/etcd_gateway_call.h"

namespace faultline {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const DaemonSpec EtcdDb::kSpec = {"etcd", EtcdDb::kBinary, EtcdDb::kPidFile, EtcdDb::kLogFile,
                                  EtcdDb::kDir, /*user=*/"", /*children=*/false};

namespace {

Result<int> IntOption(const std::string& key, const std::string& value, int lo, int hi) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    return Status::Error("target etcd: " + key + "=\"" + value + "\" must be an integer in [" +
                         std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return static_cast<int>(v);
}

// The first `etcd` on the controller's PATH, or "".
std::string EtcdOnPath() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path candidate = fs::path(dirs.substr(start, end - start)) / "etcd";
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    start = end + 1;
  }
  return "";
}

}  // namespace

Result<EtcdOptions> ParseEtcdOptions(const TargetOptions& options) {
  EtcdOptions o;
  for (const auto& [key, value] : options) {
    if (key == "client-port" || key == "peer-port") {
      auto v = IntOption(key, value, 1, 65535);
      if (!v.ok()) return v.status();
      (key == "client-port" ? o.client_port : o.peer_port) = *v;
    } else if (key == "start-timeout-ms" || key == "request-timeout-ms") {
      auto v = IntOption(key, value, 1, 600000);
      if (!v.ok()) return v.status();
      (key == "start-timeout-ms" ? o.start_timeout : o.request_timeout) = std::chrono::milliseconds(*v);
    } else if (key == "initial-members") {
      auto v = IntOption(key, value, 1, 1000);
      if (!v.ok()) return v.status();
      o.initial_members = *v;
    } else if (key == "binary") {
      o.binary = value;
    } else {
      return Status::Error("target etcd: unknown option \"" + key +
                           "\" (known: binary, client-port, initial-members, peer-port, request-timeout-ms, "
                           "start-timeout-ms)");
    }
  }
  if (o.client_port == o.peer_port) {
    return Status::Error("target etcd: client-port and peer-port must differ");
  }
  if (o.binary.empty()) o.binary = EtcdOnPath();
  return o;
}

namespace {

std::string PeerUrl(const std::string& address, int port) { return "http://" + address + ":" + std::to_string(port); }

// The host of "http://HOST:PORT" ("" when it is not that shape).
std::string UrlHost(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find(':', start);
  if (end == std::string::npos) end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The gateway writes 64-bit ids as strings; older ones as numbers.
std::string IdText(const json& v) { return v.is_string() ? v.get<std::string>() : v.is_number() ? v.dump() : ""; }

int NodeIndex(const ClusterInfo& cluster, const std::string& name) {
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    if (cluster.nodes[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// `node`'s entry in a member list (null when it is not listed) and the node
// names of the other listed members (whom to ask for the change).
struct EtcdMemberSplit {
  const EtcdMember* member = nullptr;
  std::vector<std::string> others;
};
EtcdMemberSplit SplitEtcdMembers(const std::vector<EtcdMember>& list, const std::string& node) {
  EtcdMemberSplit split;
  for (const auto& m : list) {
    if (m.node == node) {
      split.member = &m;
    } else if (!m.node.empty()) {
      split.others.push_back(m.node);
    }
  }
  return split;
}

}  // namespace

Result<std::vector<EtcdMember>> ParseEtcdMembers(const ClusterInfo& cluster, const json& answer) {
  if (!answer.is_object() || !answer.contains("members") || !answer["members"].is_array()) {
    return Status::Error("etcd member list: the answer has no \"members\" array");
  }
  std::vector<EtcdMember> out;
  for (const json& m : answer["members"]) {
    if (!m.is_object()) continue;
    EtcdMember member;
    member.id = IdText(m.value("ID", json()));
    const std::string name = m.value("name", std::string());
    member.started = !name.empty();
    // Peer URLs identify the member even before it starts (no name yet).
    if (m.contains("peerURLs") && m["peerURLs"].is_array()) {
      for (const json& url : m["peerURLs"]) {
        if (!url.is_string() || !member.node.empty()) continue;
        const std::string host = UrlHost(url.get<std::string>());
        for (const auto& n : cluster.nodes) {
          if (n.address == host) member.node = n.name;
        }
      }
    }
    if (member.node.empty() && NodeIndex(cluster, name) >= 0) member.node = name;
    out.push_back(member);
  }
  return out;
}

std::string EtcdInitialCluster(const ClusterInfo& cluster, const std::vector<EtcdMember>& members, int peer_port) {
  std::string out;
  for (const auto& n : cluster.nodes) {
    for (const auto& m : members) {
      if (m.node != n.name) continue;
      out += (out.empty() ? "" : ",") + n.name + "=" + PeerUrl(n.address, peer_port);
      break;
    }
  }
  return out;
}

std::vector<std::string> EtcdDb::Args(const ClusterInfo& cluster, const NodeInfo& node) const {
  auto url = [](const std::string& address, int port) {
    return "http://" + address + ":" + std::to_string(port);
  };
  std::string initial;
  const size_t limit = options_.initial_members > 0 ? static_cast<size_t>(options_.initial_members) : cluster.nodes.size();
  for (size_t i = 0; i < cluster.nodes.size() && i < limit; ++i) {
    const auto& n = cluster.nodes[i];
    initial += (initial.empty() ? "" : ",") + n.name + "=" + url(n.address, options_.peer_port);
  }
  // An initial member bootstraps a new cluster.
  return MemberArgs(node, initial, "new");
}

std::vector<std::string> EtcdDb::MemberArgs(const NodeInfo& node, const std::string& initial_cluster,
                                            const std::string& state) const {
  auto url = [](const std::string& address, int port) {
    return "http://" + address + ":" + std::to_string(port);
  };
  return {"--name", node.name,
          "--data-dir", kDataDir,
          "--listen-client-urls", url("0.0.0.0", options_.client_port),
          "--advertise-client-urls", url(node.address, options_.client_port),
          "--listen-peer-urls", url("0.0.0.0", options_.peer_port),
          "--initial-advertise-peer-urls", url(node.address, options_.peer_port),
          "--initial-cluster", initial_cluster,
          "--initial-cluster-state", state,
          "--initial-cluster-token", "faultline",
          // Faster leader election than the 1 s default, so short tests see
          // recovery; still well above loopback/namespace round trips.
          "--heartbeat-interval", "100",
          "--election-timeout", "1000"};
}

Status EtcdDb::WaitUp(Remote& remote, const NodeInfo& node, bool any_answer) {
  const auto deadline = Clock::now() + options_.start_timeout;
  std::string last = "no answer yet";
  httplib::Client client(node.address, options_.client_port);
  client.set_connection_timeout(std::chrono::seconds(1));
  client.set_read_timeout(std::chrono::seconds(3));
  auto next_liveness_check = Clock::now() + std::chrono::milliseconds(500);
  while (Clock::now() < deadline) {
    auto res = client.Get("/health");
    if (res) {
      if (any_answer || (res->status == 200 && res->body.find("\"true\"") != std::string::npos)) {
        return Status::Ok();
      }
      last = "HTTP " + std::to_string(res->status) + " " + res->body;
    } else {
      // Connected, then no answer within the read timeout: the member is up
      // and listening but serves no request until it has published itself
      // through raft, which a member cut off by a partition cannot do (it
      // would wait out start_timeout behind the nemesis otherwise).
      if (any_answer && res.error() == httplib::Error::Read) return Status::Ok();
      last = httplib::to_string(res.error());
    }
    if (Clock::now() >= next_liveness_check) {
      auto alive = DaemonRunning(remote, kSpec);
      if (alive.ok() && !*alive) {
        return Status::Error(node.name + ": etcd exited during start; " + DaemonLogTail(remote, kSpec));
      }
      next_liveness_check = Clock::now() + std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::Error(node.name + ": etcd did not become healthy at http://" + node.address + ":" +
                       std::to_string(options_.client_port) + "/health within " +
                       std::to_string(options_.start_timeout.count() / 1000) + "s (" + last + "); " +
                       DaemonLogTail(remote, kSpec));
}

Status EtcdDb::Setup(const ClusterInfo& cluster, const NodeInfo& node) {
  nodes_seen_ = cluster.nodes.size();
  if (options_.initial_members > static_cast<int>(cluster.nodes.size())) {
    return Status::Error("target etcd: initial-members=" + std::to_string(options_.initial_members) +
                         " exceeds the cluster's " + std::to_string(cluster.nodes.size()) + " nodes");
  }
  if (!node.remote) return Status::Error(node.name + ": etcd needs a connected node (no remote)");
  Remote& r = *node.remote;
  if (Status s = Teardown(cluster, node); !s.ok()) return s;
  // The node's own etcd when it has one (copied, so the pid check has one
  // path to look for), else the controller's.
  auto have = r.Exec("mkdir -p /opt/faultline/bin && [ -x /usr/bin/etcd ] && cp -f /usr/bin/etcd " +
                         ShellQuote(std::string(kBinary) + ".new") + " && mv -f " +
                         ShellQuote(std::string(kBinary) + ".new") + " " + ShellQuote(kBinary),
                     "", std::chrono::seconds(60));
  if (!have.ok()) return have.status();
  if (have->exit_code != 0) {
    std::error_code ec;
    if (options_.binary.empty() || !fs::is_regular_file(options_.binary, ec)) {
      return Status::Error(node.name + ": has no /usr/bin/etcd and there is no local etcd to upload "
                           "(apt-get install etcd-server, or --target-opt binary=PATH)");
    }
    std::string staged = std::string(kBinary) + ".upload";
    if (Status s = r.Upload(options_.binary, staged); !s.ok()) return s;
    auto moved = ExecOrError(r, "mv -f " + ShellQuote(staged) + " " + ShellQuote(kBinary));
    if (!moved.ok()) return moved.status();
  }
  const auto initial = InitialMembers(cluster);
  if (std::find(initial.begin(), initial.end(), node.name) == initial.end()) {
    // Installed only: it runs once it joins.
    auto marked = ExecOrError(r, "mkdir -p " + ShellQuote(kDir) + " && touch " + ShellQuote(kLeftFile));
    return marked.ok() ? Status::Ok() : marked.status();
  }
  if (Status s = LaunchWith(r, Args(cluster, node)); !s.ok()) return s;
  return WaitUp(r, node, /*any_answer=*/false);
}

Status EtcdDb::LaunchWith(Remote& remote, const std::vector<std::string>& args) {
  std::string lines;
  for (const auto& a : args) lines += a + "\n";
  auto written = ExecOrError(remote, "mkdir -p " + ShellQuote(kDir) + " && cat > " + ShellQuote(kArgsFile), lines);
  if (!written.ok()) return written.status().Prefixed("writing etcd's command line");
  auto started = LaunchDaemon(remote, kSpec, args);
  return started.ok() ? Status::Ok() : started.status();
}

Status EtcdDb::Start(const ClusterInfo& cluster, const NodeInfo& node) {
  if (!node.remote) return Status::Error(node.name + ": etcd needs a connected node (no remote)");
  Remote& r = *node.remote;
  // The command line it last started with (a member that joined later has
  // its own initial cluster and state "existing"), or "left" on a node that
  // is not a member: nothing to restart there.
  auto saved = ExecOrError(r, "if [ -e " + ShellQuote(kLeftFile) + " ]; then echo left; else cat " +
                                  ShellQuote(kArgsFile) + " 2>/dev/null; fi; true");
  if (!saved.ok()) return saved.status();
  if (*saved == "left\n") return Status::Ok();
  std::vector<std::string> args;
  for (size_t start = 0; start < saved->size();) {
    size_t end = saved->find('\n', start);
    if (end == std::string::npos) end = saved->size();
    args.push_back(saved->substr(start, end - start));
    start = end + 1;
  }
  // No saved line (set up by an older faultline): an initial member's.
  if (args.empty()) args = Args(cluster, node);
  auto started = LaunchDaemon(r, kSpec, args);
  if (!started.ok()) return started.status();
  // A restarted member may be cut off (a partition): answering at all is up.
  return WaitUp(r, node, /*any_answer=*/true);
}

std::vector<std::string> EtcdDb::InitialMembers(const ClusterInfo& cluster) {
  nodes_seen_ = cluster.nodes.size();
  std::vector<std::string> out;
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    if (options_.initial_members > 0 && i >= static_cast<size_t>(options_.initial_members)) break;
    out.push_back(cluster.nodes[i].name);
  }
  return out;
}

size_t EtcdDb::MinMembers() const {
  const size_t nodes = nodes_seen_;
  if (nodes > 0) return nodes / 2 + 1;
  return options_.initial_members > 0 ? static_cast<size_t>(options_.initial_members / 2 + 1) : 1;
}

std::vector<std::string> EtcdDb::Names(const ClusterInfo& cluster, const std::vector<EtcdMember>& members) {
  std::vector<std::string> out;
  for (const auto& n : cluster.nodes) {
    for (const auto& m : members) {
      if (m.node == n.name) {
        out.push_back(n.name);
        break;
      }
    }
  }
  return out;
}

Result<json> EtcdDb::ClusterCall(const ClusterInfo& cluster, const std::vector<std::string>& via,
                                 const std::string& path, const json& body) {
  for (int attempt = 1;; ++attempt) {
    auto r = ClusterCallOnce(cluster, via, path, body);
    if (r.ok() || attempt == 8) return r;
    const std::string& m = r.status().message();
    if (m.find("unhealthy cluster") == std::string::npos && m.find("not enough started members") == std::string::npos) {
      return r;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

Result<json> EtcdDb::ClusterCallOnce(const ClusterInfo& cluster, const std::vector<std::string>& via,
                                     const std::string& path, const json& body) {
  std::string errors;
  for (const auto& name : via) {
    int i = NodeIndex(cluster, name);
    if (i < 0) continue;
    const NodeInfo& n = cluster.nodes[i];
    bool sent = false;
    // A member change is a raft proposal: a few seconds when healthy.
    auto res = EtcdGatewayPost(n.address, options_.client_port, path, body.dump(), std::chrono::seconds(1),
                               std::chrono::seconds(15), &sent);
    if (!res.ok()) {
      // Never reached it (down, cut off): another member may answer.
      if (!sent) {
        errors += (errors.empty() ? "" : "; ") + name + ": " + res.status().message();
        continue;
      }
      return Status::Error("etcd " + name + " " + path + ": " + res.status().message() + " (it may have taken effect)");
    }
    json reply = ParseBoundedJsonOrDiscarded(res->body);
    if (res->status == 200 && reply.is_object()) return reply;
    std::string message = reply.is_object() && reply.contains("message") && reply["message"].is_string()
                              ? reply["message"].get<std::string>()
                              : res->body.substr(0, 300);
    return Status::Error("etcd " + name + " " + path + ": HTTP " + std::to_string(res->status) + " " + message);
  }
  return Status::Error("etcd " + path + ": no member could be reached (" + errors + ")");
}

Result<std::vector<EtcdMember>> EtcdDb::MemberList(const ClusterInfo& cluster) {
  nodes_seen_ = cluster.nodes.size();
  std::string errors;
  for (const auto& n : cluster.nodes) {
    httplib::Client client(n.address, options_.client_port);
    client.set_connection_timeout(std::chrono::seconds(1));
    client.set_read_timeout(std::chrono::seconds(3));
    auto res = client.Post("/v3/cluster/member/list", "{}", "application/json");
    if (!res || res->status != 200) {
      errors += (errors.empty() ? "" : "; ") + n.name + ": " +
                (res ? "HTTP " + std::to_string(res->status) : httplib::to_string(res.error()));
      continue;
    }
    json reply = ParseBoundedJsonOrDiscarded(res->body);
    auto members = ParseEtcdMembers(cluster, reply);
    if (!members.ok()) continue;
    // Only a member's own view counts (a removed member that still runs
    // keeps the list it had).
    const std::string self = IdText(reply.value("header", json::object()).value("member_id", json()));
    bool listed = false;
    for (const auto& m : *members) listed |= m.id == self;
    if (listed) return members;
    errors += (errors.empty() ? "" : "; ") + n.name + ": not on its own member list";
  }
  return Status::Error("etcd member list: no member answered (" + errors + ")");
}

Result<std::vector<std::string>> EtcdDb::Members(const ClusterInfo& cluster) {
  auto list = MemberList(cluster);
  if (!list.ok()) return list.status();
  return Names(cluster, *list);
}

Result<json> EtcdDb::Join(const ClusterInfo& cluster, const NodeInfo& node) {
  auto list = MemberList(cluster);
  if (!list.ok()) return list.status();
  auto [listed, via] = SplitEtcdMembers(*list, node.name);
  if (listed != nullptr && listed->started) return Status::Error("etcd join: " + node.name + " is already a member");
  // Listed but never started (added by a join that was cut short): start it now.
  std::string id = listed != nullptr ? listed->id : "";
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  std::vector<EtcdMember> after = *list;
  if (id.empty()) {
    auto added = ClusterCall(cluster, via, "/v3/cluster/member/add",
                             {{"peerURLs", {PeerUrl(node.address, options_.peer_port)}}});
    if (!added.ok()) return added.status().Prefixed("etcd join " + node.name);
    auto members = ParseEtcdMembers(cluster, *added);
    if (!members.ok()) return members.status();
    after = *members;
    id = IdText(added->value("member", json::object()).value("ID", json()));
  }
  // A new member with a new id: whatever the node held before is not its.
  if (Status s = Kill(cluster, node); !s.ok()) return s;
  auto wiped = ExecOrError(**remote, "rm -rf " + ShellQuote(kDataDir) + " && rm -f " + ShellQuote(kLeftFile));
  Status started = wiped.ok() ? LaunchWith(**remote, MemberArgs(node, EtcdInitialCluster(cluster, after, options_.peer_port),
                                                                "existing"))
                              : wiped.status();
  if (started.ok()) started = WaitUp(**remote, node, /*any_answer=*/false);
  if (!started.ok()) {
    // A member that never runs still counts in the quorum: take it out.
    (void)Kill(cluster, node);
    (void)ExecOrError(**remote, "rm -rf " + ShellQuote(kDataDir) + " && touch " + ShellQuote(kLeftFile));
    auto removed = ClusterCall(cluster, via, "/v3/cluster/member/remove", {{"ID", id}});
    return Status::Error("etcd join " + node.name + ": added as member " + id + " but it did not start (" +
                         started.message() + "); " +
                         (removed.ok() ? "removed it again" : "removing it again failed: " + removed.status().message()));
  }
  json out = {{"member_id", id}};
  auto now = Members(cluster);
  out["members"] = now.ok() ? json(*now) : json(Names(cluster, after));
  out["member_count"] = out["members"].size();
  return out;
}

Result<json> EtcdDb::Leave(const ClusterInfo& cluster, const NodeInfo& node) {
  auto list = MemberList(cluster);
  if (!list.ok()) return list.status();
  auto [listed, via] = SplitEtcdMembers(*list, node.name);
  if (listed == nullptr) return Status::Error("etcd leave: " + node.name + " is not a member");
  const std::string id = listed->id;
  if (list->size() - 1 < MinMembers()) {
    return Status::Error("etcd leave: " + node.name + " would leave " + std::to_string(list->size() - 1) +
                         " members, fewer than a majority of the " + std::to_string(cluster.nodes.size()) + " nodes");
  }
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  auto removed = ClusterCall(cluster, via, "/v3/cluster/member/remove", {{"ID", id}});
  if (!removed.ok()) return removed.status().Prefixed("etcd leave " + node.name);
  // etcd never lets a removed member's data serve again: wipe it, so a
  // later join starts clean.
  if (Status s = Kill(cluster, node); !s.ok()) return s;
  auto wiped = ExecOrError(**remote, "rm -rf " + ShellQuote(kDataDir) + " && touch " + ShellQuote(kLeftFile));
  if (!wiped.ok()) return wiped.status();
  json out = {{"member_id", id}};
  auto members = ParseEtcdMembers(cluster, *removed);
  out["members"] = members.ok() ? json(Names(cluster, *members)) : json(nullptr);
  out["member_count"] = members.ok() ? json(members->size()) : json(nullptr);
  return out;
}

namespace {

// One round of asking every member's status.
Result<ClusterRoles> AskRoles(const ClusterInfo& cluster, int client_port) {
  struct Answer {
    bool ok = false;
    std::string member, leader, error;
    uint64_t term = 0;
  };
  std::vector<Answer> answers(cluster.nodes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      const NodeInfo& node = cluster.nodes[i];
      Answer& a = answers[i];
      httplib::Client client(node.address, client_port);
      client.set_connection_timeout(std::chrono::seconds(1));
      client.set_read_timeout(std::chrono::seconds(2));
      auto res = client.Post("/v3/maintenance/status", "{}", "application/json");
      if (!res) {
        a.error = httplib::to_string(res.error());
        return;
      }
      json j = ParseBoundedJsonOrDiscarded(res->body);
      if (res->status != 200 || !j.is_object()) {
        a.error = "HTTP " + std::to_string(res->status);
        return;
      }
      // The gateway writes 64-bit ids and terms as strings.
      auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.is_number() ? v.dump() : ""; };
      a.member = text(j.value("header", json::object()).value("member_id", json()));
      a.leader = text(j.value("leader", json()));
      std::string term = text(j.value("raftTerm", json()));
      a.term = term.empty() ? 0 : std::strtoull(term.c_str(), nullptr, 10);
      a.ok = !a.member.empty();
      if (!a.ok) a.error = "no member id in the status";
    });
  }
  for (auto& t : threads) t.join();
  const Answer* best = nullptr;
  int answered = 0;
  std::string errors;
  for (size_t i = 0; i < answers.size(); ++i) {
    const Answer& a = answers[i];
    if (!a.ok) {
      errors += (errors.empty() ? "" : "; ") + cluster.nodes[i].name + ": " + a.error;
      continue;
    }
    ++answered;
    if (a.leader.empty() || a.leader == "0") continue;
    if (best == nullptr || a.term > best->term) best = &a;
  }
  if (answered == 0) return Status::Error("etcd endpoint status: no member answered (" + errors + ")");
  if (best == nullptr) return Status::Error("etcd endpoint status: no member knows a leader");
  for (size_t i = 0; i < answers.size(); ++i) {
    if (answers[i].ok && answers[i].member == best->leader) {
      ClusterRoles roles;
      roles.leader = cluster.nodes[i].name;
      roles.primaries = {roles.leader};
      roles.why = "etcd endpoint status: " + roles.leader + " leads (member " + best->leader + ", raft term " +
                  std::to_string(best->term) + "; " + std::to_string(answered) + " of " +
                  std::to_string(cluster.nodes.size()) + " members answered)";
      return roles;
    }
  }
  return Status::Error("etcd endpoint status: the leader, member " + best->leader +
                       ", did not answer its own status");
}

}  // namespace

Result<ClusterRoles> EtcdDb::Roles(const ClusterInfo& cluster) {
  // Right after the leader was cut off or killed an election is under way
  // and no member knows a leader: ask again for up to 5 s (etcd's election
  // takes about a second; longer on a loaded machine).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    auto roles = AskRoles(cluster, options_.client_port);
    if (roles.ok() || std::chrono::steady_clock::now() >= deadline ||
        roles.status().message().find("no member answered") != std::string::npos) {
      return roles;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace faultline
