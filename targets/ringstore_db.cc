#include "targets/ringstore_db.h"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <thread>

#include "harness/control/own_binaries.h"
#include "targets/faketime_preload.h"

namespace faultline {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const DaemonSpec kSpec = {"ringstore", RingstoreDb::kBinary, RingstoreDb::kPidFile,
                          RingstoreDb::kLogFile, RingstoreDb::kDir, /*user=*/"", /*children=*/false};

std::string Prelude() { return DaemonPrelude(kSpec); }

Result<int> ParseIntOption(const std::string& key, const std::string& value, int lo, int hi) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    return Status::Error("target ringstore: " + key + "=\"" + value + "\" must be an integer in [" +
                         std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return static_cast<int>(v);
}

size_t RingstoreMajority(size_t n) { return n / 2 + 1; }

bool HasName(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// An HTTP client of a node's store: connecting takes at most `connect`,
// each answer at most `read` (an unreachable or paused node costs no more).
httplib::Client NodeClient(const std::string& address, int port, std::chrono::seconds read,
                           std::chrono::seconds connect = std::chrono::seconds(1)) {
  httplib::Client client(address, port);
  client.set_connection_timeout(connect);
  client.set_read_timeout(read);
  return client;
}

// A node's own ring (GET /ring?config=1 with `client`): nothing when it does
// not answer, or knows only a --join placeholder ring.
std::optional<json> NodeRing(httplib::Client& client) {
  auto res = client.Get("/ring?config=1");
  if (!res || res->status != 200) return std::nullopt;
  json j = json::parse(res->body, nullptr, false);
  if (!j.is_object() || !j.contains("nodes") || !j["nodes"].is_array() || j.value("joining", false)) {
    return std::nullopt;
  }
  return j;
}

// The node names in ring[key] ("nodes", or "next_nodes" while joint).
std::vector<std::string> RingNames(const json& ring, const char* key) {
  std::vector<std::string> out;
  if (!ring.contains(key) || !ring[key].is_array()) return out;
  for (const auto& m : ring[key]) {
    if (m.is_string()) out.push_back(m.get<std::string>());
  }
  return out;
}

// RingstoreDb::Outlook's snapshot (see ringstore_db.h).
class RingstoreChangeOutlook : public ChangeOutlook {
 public:
  std::map<std::string, RingstoreNodeView> running;  // the nodes whose store answered
  size_t may_miss = 0;
  bool agreed = true;  // paxos mode; lww and eventual hand data off unagreed

  std::string Blocker(const std::vector<std::string>& from, const std::vector<std::string>& to) const override {
    return agreed ? RingstoreChangeBlocker(running, may_miss, from, to)
                  : RingstoreHandoffChangeBlocker(running, from, to);
  }
};

}  // namespace

std::string RingstoreChangeBlocker(const std::map<std::string, RingstoreNodeView>& running, size_t may_miss,
                                   const std::vector<std::string>& from, const std::vector<std::string>& to) {
  std::vector<std::string> all = from;
  for (const auto& n : to) {
    if (!HasName(all, n)) all.push_back(n);
  }
  std::string best;
  size_t best_missed = SIZE_MAX;
  for (const auto& c : from) {
    if (!HasName(to, c)) continue;  // the leaver does not coordinate its leave
    auto it = running.find(c);
    if (it == running.end()) continue;
    std::vector<std::string> need = all;
    for (const auto& n : it->second.ring) {
      if (!HasName(need, n)) need.push_back(n);  // a half-made change it finishes first
    }
    std::vector<std::string> missed;
    size_t reach_from = 0, reach_to = 0;
    for (const auto& n : need) {
      // A joiner that does not run yet is started by the join.
      bool reached = it->second.hears.count(n) > 0 || (HasName(to, n) && !HasName(from, n) && running.count(n) == 0);
      if (!reached) missed.push_back(n);
      reach_from += reached && HasName(from, n);
      reach_to += reached && HasName(to, n);
    }
    if (missed.size() <= may_miss && reach_from >= RingstoreMajority(from.size()) &&
        reach_to >= RingstoreMajority(to.size())) {
      return "";
    }
    if (missed.size() < best_missed) {
      best_missed = missed.size();
      std::string list;
      for (const auto& m : missed) list += (list.empty() ? "" : ",") + m;
      best = c + " misses " + list;
    }
  }
  std::string members;
  for (const auto& n : all) members += (members.empty() ? "" : ",") + n;
  if (best.empty()) return "no member of " + members + " that could coordinate answers";
  return "no member reaches enough of " + members + " (all but " + std::to_string(may_miss) +
         ", and a majority of the old and of the new members): at best " + best;
}

std::string DefaultRingstoreBinary() {
  std::string beside = BinaryBesideSelf("ringstore", /*must_exist=*/false);
  return beside.empty() ? "ringstore" : beside;
}

Result<RingstoreOptions> ParseRingstoreOptions(const TargetOptions& options) {
  RingstoreOptions o;
  for (const auto& [key, value] : options) {
    if (key == "mode") {
      if (value != "paxos" && value != "lww" && value != "eventual") {
        return Status::Error("target ringstore: mode=\"" + value +
                             "\" must be one of paxos, lww, eventual");
      }
      o.mode = value;
    } else if (key == "replicas" || key == "vnodes" || key == "port" ||
               key == "start-timeout-ms" || key == "request-timeout-ms" ||
               key == "rpc-timeout-ms" || key == "heartbeat-timeout-ms") {
      int lo = key == "port" ? 1 : key == "rpc-timeout-ms" || key == "heartbeat-timeout-ms" ? 10 : 1;
      int hi = key == "port" ? 65535 : key == "replicas" ? 1000 : key == "vnodes" ? 100000 : 600000;
      auto v = ParseIntOption(key, value, lo, hi);
      if (!v.ok()) return v.status();
      if (key == "replicas") o.replicas = *v;
      if (key == "vnodes") o.vnodes = *v;
      if (key == "port") o.port = *v;
      if (key == "start-timeout-ms") o.start_timeout = std::chrono::milliseconds(*v);
      if (key == "request-timeout-ms") o.request_timeout = std::chrono::milliseconds(*v);
      if (key == "rpc-timeout-ms") o.rpc_timeout_ms = *v;
      if (key == "heartbeat-timeout-ms") o.heartbeat_timeout_ms = *v;
    } else if (key == "fsync") {
      if (value != "always" && value != "never") {
        return Status::Error("target ringstore: fsync=\"" + value + "\" must be always or never");
      }
      o.fsync = value == "always";
    } else if (key == "initial-members") {
      auto v = ParseIntOption(key, value, 1, 1000);
      if (!v.ok()) return v.status();
      o.initial_members = *v;
    } else if (key == "handoff") {
      if (value != "safe" && value != "unsafe") {
        return Status::Error("target ringstore: handoff=\"" + value + "\" must be safe or unsafe");
      }
      o.handoff_unsafe = value == "unsafe";
    } else if (key == "binary") {
      o.binary = value;
    } else if (key == "faketime") {
      if (value != "auto" && value != "off") {
        return Status::Error("target ringstore: faketime=\"" + value + "\" must be auto or off");
      }
      o.faketime = value == "auto";
    } else {
      return Status::Error("target ringstore: unknown option \"" + key +
                           "\" (known: binary, faketime, fsync, handoff, heartbeat-timeout-ms, initial-members, mode, "
                           "port, replicas, request-timeout-ms, rpc-timeout-ms, start-timeout-ms, vnodes)");
    }
  }
  if (o.handoff_unsafe && o.mode != "paxos") {
    return Status::Error("target ringstore: handoff=unsafe needs mode=paxos (lww and eventual hand data off "
                         "Dynamo-style, without agreement)");
  }
  if (o.binary.empty()) o.binary = DefaultRingstoreBinary();
  return o;
}

RingstoreDb::RingstoreDb(RingstoreOptions options)
    : DaemonDb(kSpec, {kDataDir, kPidFile, kLogFile, kLeftFile}), options_(std::move(options)) {}

std::string RingstoreDb::BaseUrl(const NodeInfo& node) const {
  return "http://" + node.address + ":" + std::to_string(options_.port);
}

std::string RingstoreDb::LogTail(Remote& remote) { return DaemonLogTail(remote, kSpec); }

int RingstoreDb::InitialIndex(const ClusterInfo& cluster, const NodeInfo& node) const {
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    if (cluster.nodes[i].name != node.name) continue;
    int limit = options_.initial_members > 0 ? options_.initial_members : static_cast<int>(cluster.nodes.size());
    return static_cast<int>(i) < limit ? static_cast<int>(i) : -1;
  }
  return -1;
}

std::string RingstoreDb::Seed(const ClusterInfo& cluster) const {
  return cluster.nodes.empty() ? "" : cluster.nodes.front().address + ":" + std::to_string(options_.port);
}

Status RingstoreDb::Launch(Remote& remote, const ClusterInfo& cluster, const NodeInfo& node) {
  std::string script = Prelude() +
                       "if running; then echo already-running; exit 0; fi\n"
                       "mkdir -p " + ShellQuote(kDataDir) + " /var/log/faultline\n"
                       "[ -s " + ShellQuote(kOffsetFile) + " ] || echo +0 > " + ShellQuote(kOffsetFile) + "\n"
                       "mapfile -t args < " + ShellQuote(kArgsFile) + "\n" +
                       // faketime=off: never preloaded.
                       (options_.faketime ? FaketimeLibFindScript() : std::string("lib=\n")) +
                       "pre=()\n"
                       "if [ -n \"$lib\" ]; then\n"
                       "  pre=(LD_PRELOAD=\"$lib\" FAKETIME_TIMESTAMP_FILE=" + ShellQuote(kOffsetFile) +
                       " FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1)\n" +
                       FaketimePairScript(FaketimePairId("ringstore", node.name, node.address)) +
                       "fi\n"
                       "cd " + ShellQuote(kDir) + "\n"
                       "echo \"=== $(date -u +%FT%TZ) starting ringstore on $(hostname)\" >> " + ShellQuote(kLogFile) + "\n"
                       // setsid: its own session, so nothing that ends this
                       // shell's process group ends the store.
                       "setsid env \"${pre[@]}\" \"$BIN\" \"${args[@]}\" >> " + ShellQuote(kLogFile) +
                       " 2>&1 < /dev/null &\n"
                       "echo $! > \"$PIDFILE\"\n"
                       "echo \"started faketime=$lib\"\n";
  auto out = ExecOrError(remote, script, "", std::chrono::seconds(30));
  if (!out.ok()) return out.status().Prefixed("starting ringstore");
  bool faketime = out->find("faketime=/") != std::string::npos;
  if (out->find("already-running") == std::string::npos) {
    std::lock_guard<std::mutex> lock(mu_);
    faketime_[node.name] = faketime;
  }
  return Status::Ok();
}

Status RingstoreDb::WaitHealthy(Remote& remote, const NodeInfo& node) {
  const auto deadline = Clock::now() + options_.start_timeout;
  std::string last_error = "no answer yet";
  httplib::Client client = NodeClient(node.address, options_.port, std::chrono::seconds(2));
  auto next_liveness_check = Clock::now() + std::chrono::milliseconds(500);
  while (Clock::now() < deadline) {
    auto res = client.Get("/health");
    if (res && res->status == 200) return Status::Ok();
    last_error = res ? "HTTP " + std::to_string(res->status) + " " + res->body
                     : httplib::to_string(res.error());
    if (Clock::now() >= next_liveness_check) {
      // A store that crashed at start will never answer: say so now.
      auto alive = remote.Exec(Prelude() + "running", "", std::chrono::seconds(10));
      if (alive.ok() && alive->exit_code != 0) {
        return Status::Error(node.name + ": ringstore exited during start; " + LogTail(remote));
      }
      next_liveness_check = Clock::now() + std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  char secs[32];
  std::snprintf(secs, sizeof secs, "%g", options_.start_timeout.count() / 1000.0);
  return Status::Error(node.name + ": ringstore did not answer " + BaseUrl(node) + "/health within " +
                       secs + "s (" + last_error + "); " + LogTail(remote));
}

Status RingstoreDb::Setup(const ClusterInfo& cluster, const NodeInfo& node) {
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  std::error_code ec;
  if (!fs::exists(options_.binary, ec)) {
    return Status::Error("ringstore binary " + options_.binary +
                         " not found (build it: cmake --build build --target ringstore; or give "
                         "--target-opt binary=PATH)");
  }
  if (Status s = Kill(cluster, node); !s.ok()) return s;
  Remote& r = **remote;
  // Upload beside the target and rename: replacing a binary in place fails
  // while an old copy still runs (ETXTBSY) and could leave a torn file.
  std::string staged = std::string(kBinary) + ".upload";
  if (Status s = r.Upload(options_.binary, staged); !s.ok()) return s;
  const bool initial = InitialIndex(cluster, node) >= 0;
  std::string args = ArgsFor(cluster, node, !initial, Seed(cluster));
  auto written = ExecOrError(
      r,
      "mv -f " + ShellQuote(staged) + " " + ShellQuote(kBinary) + " && mkdir -p " +
          ShellQuote(fs::path(kArgsFile).parent_path().string()) + " " + ShellQuote(kDataDir) +
          " /var/log/faultline && cat > " + ShellQuote(kArgsFile) + " && echo +0 > " +
          ShellQuote(kOffsetFile) + (initial ? " && rm -f " : " && touch ") + ShellQuote(kLeftFile),
      args);
  if (!written.ok()) return written.status();
  if (!initial) return Status::Ok();  // installed; it runs once it joins
  if (Status s = Launch(r, cluster, node); !s.ok()) return s;
  return WaitHealthy(r, node);
}

std::string RingstoreDb::ArgsFor(const ClusterInfo& cluster, const NodeInfo& node, bool joiner,
                                 const std::string& seed) const {
  std::string args;
  args += "--id\n" + node.name + "\n";
  args += "--listen\n0.0.0.0:" + std::to_string(options_.port) + "\n";
  std::string peers;
  for (const auto& n : cluster.nodes) {
    if (joiner ? n.name != node.name : InitialIndex(cluster, n) < 0) continue;
    peers += (peers.empty() ? "" : ",") + n.name + "=" + n.address + ":" + std::to_string(options_.port);
  }
  args += "--peers\n" + peers + "\n";
  if (joiner) args += "--join\n" + seed + "\n";
  args += "--data-dir\n" + std::string(kDataDir) + "\n";
  args += "--replicas\n" + std::to_string(options_.replicas) + "\n";
  args += "--vnodes\n" + std::to_string(options_.vnodes) + "\n";
  args += "--mode\n" + options_.mode + "\n";
  if (options_.rpc_timeout_ms > 0) {
    args += "--rpc-timeout-ms\n" + std::to_string(options_.rpc_timeout_ms) + "\n";
  }
  if (options_.heartbeat_timeout_ms > 0) {
    args += "--heartbeat-timeout-ms\n" + std::to_string(options_.heartbeat_timeout_ms) + "\n";
  }
  if (!options_.fsync) args += "--fsync\nnever\n";
  if (options_.handoff_unsafe) args += "--handoff\nunsafe\n";
  return args;
}

std::vector<std::string> RingstoreDb::InitialMembers(const ClusterInfo& cluster) {
  std::vector<std::string> out;
  for (const auto& n : cluster.nodes) {
    if (InitialIndex(cluster, n) >= 0) out.push_back(n.name);
  }
  return out;
}

Result<std::vector<std::string>> RingstoreDb::Members(const ClusterInfo& cluster) {
  std::string last = "no node answered";
  std::optional<std::vector<std::string>> newest;
  uint64_t newest_epoch = 0;
  for (const auto& n : cluster.nodes) {
    httplib::Client client = NodeClient(n.address, options_.port, std::chrono::seconds(3));
    auto ring = NodeRing(client);
    if (!ring) continue;
    const json& j = *ring;
    // A node that left, or has not joined, still knows a ring: only a
    // member's own view counts.
    if (!HasName(RingNames(j, "nodes"), n.name)) continue;
    // Mid-change (joint): the members it is heading for.
    std::vector<std::string> out = RingNames(j, j.value("joint", false) && j.contains("next_nodes") &&
                                                        j["next_nodes"].is_array() ? "next_nodes" : "nodes");
    // paxos: any member's ring is the agreed one (a stale node is refused
    // and catches up). lww/eventual: changes are pushed best effort, and a
    // member cut off from a change still shows the ring before it; the
    // newest ring any member shows is the store's.
    if (options_.mode == "paxos") return out;
    const uint64_t epoch = j.contains("epoch") && j["epoch"].is_number_unsigned() ? j["epoch"].get<uint64_t>() : 0;
    if (!newest || epoch > newest_epoch) {
      newest = std::move(out);
      newest_epoch = epoch;
    }
  }
  if (newest) return *newest;
  return Status::Error("ringstore membership: " + last);
}

std::string RingstoreHandoffChangeBlocker(const std::map<std::string, RingstoreNodeView>& running,
                                          const std::vector<std::string>& from, const std::vector<std::string>& to) {
  bool any_running = false;
  for (const auto& c : from) {
    if (!HasName(to, c)) continue;  // the leaver does not coordinate its leave
    auto it = running.find(c);
    if (it == running.end()) continue;
    any_running = true;
    for (const auto& n : from) {
      if (n != c && it->second.hears.count(n) > 0) return "";
    }
  }
  std::string members;
  for (const auto& n : from) members += (members.empty() ? "" : ",") + n;
  return any_running ? "no running member of " + members + " hears another member"
                     : "no member of " + members + " that could coordinate answers";
}

std::unique_ptr<ChangeOutlook> RingstoreDb::Outlook(const ClusterInfo& cluster) {
  auto outlook = std::make_unique<RingstoreChangeOutlook>();
  outlook->agreed = options_.mode == "paxos";
  const int r = options_.replicas;
  outlook->may_miss = static_cast<size_t>(r) - RingstoreMajority(static_cast<size_t>(r));
  // As PeerSet::Suspected: heard from within 1.4 heartbeat timeouts (250 ms
  // by default); plus the time the /status request took.
  const int64_t heard_within_ms =
      static_cast<int64_t>(1.4 * (options_.heartbeat_timeout_ms > 0 ? options_.heartbeat_timeout_ms : 250)) + 200;
  std::vector<std::optional<RingstoreNodeView>> seen(cluster.nodes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      const NodeInfo& node = cluster.nodes[i];
      httplib::Client client = NodeClient(node.address, options_.port, std::chrono::seconds(2));
      auto status = client.Get("/status");
      if (!status || status->status != 200) return;
      json st = json::parse(status->body, nullptr, false);
      if (!st.is_object() || !st.contains("peers") || !st["peers"].is_object()) return;
      RingstoreNodeView s;
      s.hears.insert(node.name);
      for (const auto& [id, p] : st["peers"].items()) {
        if (!p.is_object() || !p.value("up", false)) continue;
        const json& ago = p.contains("last_seen_ms_ago") ? p["last_seen_ms_ago"] : json();
        if (ago.is_number() && ago.get<int64_t>() <= heard_within_ms) s.hears.insert(id);
      }
      if (auto ring = NodeRing(client)) {
        s.ring = RingNames(*ring, "nodes");
        if (ring->value("joint", false)) {
          for (const auto& m : RingNames(*ring, "next_nodes")) {
            if (!HasName(s.ring, m)) s.ring.push_back(m);
          }
        }
      }
      seen[i] = std::move(s);
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    if (seen[i]) outlook->running[cluster.nodes[i].name] = std::move(*seen[i]);
  }
  return outlook;
}

Result<json> RingstoreDb::AdminCall(const ClusterInfo& cluster, const std::vector<std::string>& via_in,
                                    const std::string& path, const json& body, bool* not_done) {
  std::vector<std::string> via = via_in;
  {
    // The member that hears the most of the others first: a coordinator
    // that misses too many members may agree the joint ring and then fail
    // to broadcast it, leaving the change half made.
    auto outlook = RingstoreDb::Outlook(cluster);  // not virtual: always this class's snapshot
    const auto& running = static_cast<const RingstoreChangeOutlook&>(*outlook).running;
    auto heard = [&](const std::string& n) {
      auto it = running.find(n);
      if (it == running.end()) return 0;
      int count = 0;
      for (const auto& m : via_in) count += it->second.hears.count(m) > 0;
      return count;
    };
    std::stable_sort(via.begin(), via.end(),
                     [&](const std::string& a, const std::string& b) { return heard(a) > heard(b); });
  }
  bool definite = false, indefinite = false;
  if (not_done != nullptr) *not_done = false;
  auto note = [&](const json& reply) {
    if (!reply.is_object() || !reply.contains("definite")) return;
    (reply.value("definite", false) ? definite : indefinite) = true;
    if (not_done != nullptr) *not_done = definite && !indefinite;
  };
  std::string errors;
  for (const auto& name : via) {
    auto nodes = std::find_if(cluster.nodes.begin(), cluster.nodes.end(), [&](const NodeInfo& n) { return n.name == name; });
    if (nodes == cluster.nodes.end()) continue;
    httplib::Client client =
        NodeClient(nodes->address, options_.port, std::chrono::seconds(120), std::chrono::seconds(2));
    auto res = client.Post(path, body.dump(), "application/json");
    if (!res) {
      errors += (errors.empty() ? "" : "; ") + name + ": " + httplib::to_string(res.error());
      continue;  // never reached it: try another member
    }
    json reply = json::parse(res->body, nullptr, false);
    if (res->status == 200) return reply;
    note(reply);
    std::string error = "ringstore " + name + " " + path + ": HTTP " + std::to_string(res->status) + " " +
                        res->body.substr(0, 300);
    // No quorum from there (cut off by a partition, say), and certainly
    // nothing done, or the store says it is cut off ("ask_another": a
    // half-made change it cannot resume from there): another member may be
    // on the majority side.
    if (res->status == 503 && reply.is_object() &&
        (reply.value("definite", false) || reply.value("ask_another", false))) {
      errors += (errors.empty() ? "" : "; ") + error;
      continue;
    }
    return Status::Error(error);
  }
  return Status::Error("ringstore " + path + ": no member could (" + errors + ")");
}

std::string RingstoreDb::HalfMade(const ClusterInfo& cluster, const std::string& name) {
  for (const auto& n : cluster.nodes) {
    httplib::Client client = NodeClient(n.address, options_.port, std::chrono::seconds(3));
    auto ring = NodeRing(client);
    if (!ring) continue;
    const std::vector<std::string> old_nodes = RingNames(*ring, "nodes");
    if (!HasName(old_nodes, n.name)) continue;  // only a member's own view counts (as Members)
    if (!ring->value("joint", false) || !ring->contains("next_nodes") || !(*ring)["next_nodes"].is_array()) return "";
    const bool in_old = HasName(old_nodes, name), in_next = HasName(RingNames(*ring, "next_nodes"), name);
    return in_old == in_next ? "" : in_next ? "join" : "leave";
  }
  return "";
}

Result<json> RingstoreDb::Join(const ClusterInfo& cluster, const NodeInfo& node) {
  auto members = Members(cluster);
  if (!members.ok()) return members.status();
  if (std::find(members->begin(), members->end(), node.name) != members->end()) {
    // Its join was cut short (the ring is still joint, heading for a ring
    // with it): asking again resumes it.
    if (HalfMade(cluster, node.name) == "join") {
      std::vector<std::string> via;
      for (const auto& m : *members) {
        if (m != node.name) via.push_back(m);
      }
      return AdminCall(cluster, via, "/admin/join",
                       {{"id", node.name}, {"host", node.address}, {"port", options_.port}});
    }
    return Status::Error("ringstore join: " + node.name + " is already a member");
  }
  std::string seed;
  for (const auto& n : cluster.nodes) {
    if (seed.empty() && n.name == members->front()) seed = n.address + ":" + std::to_string(options_.port);
  }
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  // Still running with its data (its leave was cut short): only ask, which
  // aborts the leave; wiping a replica that holds accepted values is unsafe.
  auto mine = ExecOrError(**remote, "[ -e " + ShellQuote(kLeftFile) + " ] && echo left; true");
  if (mine.ok() && mine->find("left") == std::string::npos) {
    auto asked = AdminCall(cluster, *members, "/admin/join",
                           {{"id", node.name}, {"host", node.address}, {"port", options_.port}});
    if (asked.ok()) return asked;
  }
  if (Status s = Kill(cluster, node); !s.ok()) return s;
  // A fresh data dir: what the node held before it left is not part of the
  // ring any more.
  auto written = ExecOrError(**remote,
                             "rm -rf " + ShellQuote(kDataDir) + " && mkdir -p " + ShellQuote(kDataDir) +
                                 " && rm -f " + ShellQuote(kLeftFile) + " && cat > " + ShellQuote(kArgsFile),
                             ArgsFor(cluster, node, true, seed));
  if (!written.ok()) return written.status();
  if (Status s = Launch(**remote, cluster, node); !s.ok()) return s;
  if (Status s = WaitHealthy(**remote, node); !s.ok()) return s;
  bool not_joined = false;
  auto r = AdminCall(cluster, *members, "/admin/join",
                     {{"id", node.name}, {"host", node.address}, {"port", options_.port}}, &not_joined);
  // The node's own --join asks too: whichever ran first, the other finds it
  // a member already; the node's log then has the change's report.
  if (!r.ok() && r.status().message().find("is already a member") != std::string::npos) {
    auto line = ExecOrError(**remote, "grep 'joined the ring via' " + ShellQuote(kLogFile) + " | tail -n 1");
    if (line.ok()) {
      auto brace = line->find('{');
      json report = brace == std::string::npos ? json() : json::parse(line->substr(brace), nullptr, false);
      if (report.is_object()) return report;
    }
    auto now = Members(cluster);
    return json{{"ok", true}, {"members", now.ok() ? json(*now) : json(nullptr)}};
  }
  if (!r.ok() && not_joined) {
    // Certainly not joined (every member that answered said so; one that
    // found the join half made answers definite=false): stop it, so its own
    // --join does not add it later behind the caller's back.
    (void)Kill(cluster, node);
    (void)ExecOrError(**remote, "touch " + ShellQuote(kLeftFile));
  }
  return r;
}

Result<json> RingstoreDb::Leave(const ClusterInfo& cluster, const NodeInfo& node) {
  auto members = Members(cluster);
  if (!members.ok()) return members.status();
  // Its leave was cut short (the ring is still joint, heading for a ring
  // without it): asking again resumes it.
  const bool resume = std::find(members->begin(), members->end(), node.name) == members->end() &&
                      HalfMade(cluster, node.name) == "leave";
  if (!resume && std::find(members->begin(), members->end(), node.name) == members->end()) {
    return Status::Error("ringstore leave: " + node.name + " is not a member");
  }
  if (!resume && members->size() - 1 < MinMembers()) {
    return Status::Error("ringstore leave: " + node.name + " would leave " + std::to_string(members->size() - 1) +
                         " members, fewer than a majority of replicas=" + std::to_string(options_.replicas));
  }
  std::vector<std::string> via;
  for (const auto& m : *members) {
    if (m != node.name) via.push_back(m);
  }
  auto r = AdminCall(cluster, via, "/admin/leave", {{"id", node.name}});
  if (!r.ok()) return r;
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  if (Status s = Kill(cluster, node); !s.ok()) return s;
  auto wiped = ExecOrError(**remote, "rm -rf " + ShellQuote(kDataDir) + " && touch " + ShellQuote(kLeftFile));
  if (!wiped.ok()) return wiped.status();
  return r;
}

Status RingstoreDb::Start(const ClusterInfo& cluster, const NodeInfo& node) {
  auto remote = RemoteOf(node);
  if (!remote.ok()) return remote.status();
  // Not a member (left, or never joined): nothing to restart.
  auto left = ExecOrError(**remote, "[ -e " + ShellQuote(kLeftFile) + " ] && echo left; true");
  if (left.ok() && left->find("left") != std::string::npos) return Status::Ok();
  if (Status s = Launch(**remote, cluster, node); !s.ok()) return s;
  return WaitHealthy(**remote, node);
}

Status RingstoreDb::Teardown(const ClusterInfo& cluster, const NodeInfo& node) {
  if (Status s = DaemonDb::Teardown(cluster, node); !s.ok()) return s;
  auto out = ExecOrError(*node.remote, "echo +0 > " + ShellQuote(kOffsetFile) + " 2>/dev/null; " +
                                           FaketimePairRemoveCommand(FaketimePairId("ringstore", node.name, node.address)));
  return out.ok() ? Status::Ok() : out.status();
}
std::string RingstoreDb::FaketimeOffsetFile(const NodeInfo& node) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = faketime_.find(node.name);
  // Unknown (Setup ran in another process): the path is fixed, and writing it
  // is harmless if the store happens not to read it.
  return it != faketime_.end() && !it->second ? "" : kOffsetFile;
}

Result<ClusterRoles> RingstoreDb::Roles(const ClusterInfo& cluster) {
  if (options_.mode != "paxos") {
    return Status::Error("ringstore mode " + options_.mode + " has no key leaders (roles need mode paxos)");
  }
  std::vector<int64_t> led(cluster.nodes.size(), -1);  // -1: no answer
  std::vector<std::thread> threads;
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      httplib::Client client = NodeClient(cluster.nodes[i].address, options_.port, std::chrono::seconds(2));
      auto res = client.Get("/status");
      if (!res || res->status != 200) return;
      json j = json::parse(res->body, nullptr, false);
      if (!j.is_object() || !j.contains("coordinator") || !j["coordinator"].is_object()) return;
      const json& c = j["coordinator"];
      if (c.contains("led") && c["led"].is_number_unsigned()) led[i] = static_cast<int64_t>(c["led"].get<uint64_t>());
    });
  }
  for (auto& t : threads) t.join();
  std::lock_guard<std::mutex> lock(mu_);
  const bool first = led_seen_.empty();
  std::vector<std::pair<std::string, int64_t>> deltas;  // answering nodes
  int64_t total = 0;
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    if (led[i] < 0) continue;
    const std::string& name = cluster.nodes[i].name;
    int64_t before = led_seen_.count(name) ? static_cast<int64_t>(led_seen_[name]) : 0;
    int64_t d = led[i] >= before ? led[i] - before : led[i];  // a restart counts from 0 again
    led_seen_[name] = static_cast<uint64_t>(led[i]);
    deltas.emplace_back(name, d);
    total += d;
  }
  if (deltas.empty()) return Status::Error("ringstore /status: no node answered");
  if (total == 0) return Status::Error("ringstore /status: no node led a Paxos round since the last look");
  ClusterRoles roles;
  std::string counts;
  int64_t best = -1;
  const double mean = static_cast<double>(total) / static_cast<double>(deltas.size());
  for (const auto& [name, d] : deltas) {
    if (static_cast<double>(d) >= mean) roles.primaries.push_back(name);
    if (d > best) {
      best = d;
      roles.leader = name;
    }
    counts += (counts.empty() ? "" : ", ") + name + " " + std::to_string(d);
  }
  roles.why = "ringstore /status: Paxos rounds led since " + std::string(first ? "the start" : "the last look") +
              ": " + counts + " (" + std::to_string(deltas.size()) + " of " +
              std::to_string(cluster.nodes.size()) + " answered); primaries led at least the mean, the leader the most";
  return roles;
}

}  // namespace faultline
