#include "targets/etcd_db.h"

#include <httplib.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <chrono>
#include <thread>

#include "harness/core/bounded_json.h"

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
    } else if (key == "binary") {
      o.binary = value;
    } else {
      return Status::Error("target etcd: unknown option \"" + key +
                           "\" (known: binary, client-port, peer-port, request-timeout-ms, "
                           "start-timeout-ms)");
    }
  }
  if (o.client_port == o.peer_port) {
    return Status::Error("target etcd: client-port and peer-port must differ");
  }
  if (o.binary.empty()) o.binary = EtcdOnPath();
  return o;
}

std::vector<std::string> EtcdDb::Args(const ClusterInfo& cluster, const NodeInfo& node) const {
  auto url = [](const std::string& address, int port) {
    return "http://" + address + ":" + std::to_string(port);
  };
  std::string initial;
  for (const auto& n : cluster.nodes) {
    initial += (initial.empty() ? "" : ",") + n.name + "=" + url(n.address, options_.peer_port);
  }
  return {"--name", node.name,
          "--data-dir", kDataDir,
          "--listen-client-urls", url("0.0.0.0", options_.client_port),
          "--advertise-client-urls", url(node.address, options_.client_port),
          "--listen-peer-urls", url("0.0.0.0", options_.peer_port),
          "--initial-advertise-peer-urls", url(node.address, options_.peer_port),
          "--initial-cluster", initial,
          "--initial-cluster-state", "new",
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
  auto started = LaunchDaemon(r, kSpec, Args(cluster, node));
  if (!started.ok()) return started.status();
  return WaitUp(r, node, /*any_answer=*/false);
}

Status EtcdDb::Start(const ClusterInfo& cluster, const NodeInfo& node) {
  if (!node.remote) return Status::Error(node.name + ": etcd needs a connected node (no remote)");
  auto started = LaunchDaemon(*node.remote, kSpec, Args(cluster, node));
  if (!started.ok()) return started.status();
  // A restarted member may be cut off (a partition): answering at all is up.
  return WaitUp(*node.remote, node, /*any_answer=*/true);
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
