#include "targets/external/external_db.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <utility>
#include <chrono>
#include <cstdio>
#include <thread>
#include <type_traits>

#include "harness/control/subprocess.h"
#include "targets/external/node_env.h"
#include "targets/faketime_preload.h"

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string OneLine(std::string text, size_t max = 300) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (auto& c : text) {
    if (c == '\n') c = '|';
  }
  if (text.size() > max) text = "..." + text.substr(text.size() - max);
  return text;
}

class ExternalDbBase : public Db, public HasLogs {
 public:
  ExternalDbBase(ExternalSpec spec, TargetOptions options)
      : spec_(std::move(spec)), options_(std::move(options)) {}

  Status Setup(const ClusterInfo& cluster, const NodeInfo& node) override {
    if (spec_.db.setup.empty()) return WaitHealthy(cluster, node, "setup");  // "nodes": "none" only
    auto r = Run(cluster, node, "setup", spec_.db.setup, spec_.db.faketime,
                 SpecSeconds(spec_.db.start_timeout_s) + std::chrono::minutes(10));
    if (!r.ok()) return r.status();
    return WaitHealthy(cluster, node, "setup");
  }

  Status Teardown(const ClusterInfo& cluster, const NodeInfo& node) override {
    if (!spec_.db.teardown.empty()) {
      auto r = Run(cluster, node, "teardown", spec_.db.teardown, false, std::chrono::minutes(2));
      if (!r.ok()) return r.status();
    }
    std::string cleanup = "rm -rf " + ShellQuote(ExternalDataDir(spec_, cluster));
    if (spec_.db.faketime) {
      cleanup += "; " + FaketimePairRemoveCommand(FaketimePairId(spec_.name, node.name, node.address)) +
                 "; echo +0 > " + ShellQuote(kExternalOffsetFile) + " 2>/dev/null; true";
    }
    auto out = Checked(node, cleanup, std::chrono::seconds(60));
    return out.ok() ? Status::Ok() : out.status().Prefixed("teardown");
  }

  std::vector<std::string> LogFiles(const NodeInfo& node) override { return spec_.db.log_files; }

  // The capabilities' bodies; the mix-ins below expose the ones the spec has.
  // Errors name the node: the nemeses report them as they are.
  Status DoKill(const ClusterInfo& cluster, const NodeInfo& node) {
    if (spec_.db.pid_file.empty())
      return Run(cluster, node, "kill", spec_.db.kill, false).status().Prefixed(node.name);
    return Signal(node, "kill",
                  "if running; then\n"
                  "  kill -CONT $p 2>/dev/null; kill -KILL $p 2>/dev/null\n"
                  "  for i in $(seq 1 200); do running || break; sleep 0.05; done\n"
                  "  if running; then echo \"pid $p survived SIGKILL for 10s\" >&2; exit 1; fi\n"
                  "fi\n");
  }
  Status DoStart(const ClusterInfo& cluster, const NodeInfo& node) {
    auto r = Run(cluster, node, "start", spec_.db.start, spec_.db.faketime,
                 SpecSeconds(spec_.db.start_timeout_s) + std::chrono::minutes(1));
    Status s = (r.ok() ? WaitHealthy(cluster, node, "start") : r.status()).Prefixed(node.name);
    if (!s.ok() && cluster.log) cluster.log(s.message() + " (the node stays down)");
    return s;
  }
  Status DoPause(const ClusterInfo& cluster, const NodeInfo& node) {
    if (spec_.db.pid_file.empty())
      return Run(cluster, node, "pause", spec_.db.pause, false).status().Prefixed(node.name);
    return Signal(node, "pause",
                  "running || { echo \"not running (no live pid matching the process_match in "
                  "$PIDFILE)\" >&2; exit 1; }\n"
                  "kill -STOP $p\n");
  }
  // The roles command on the nodes in turn, until one exits 0 with
  // {"leader": NAME, "primaries": [NAME, ...]} on stdout (names of nodes).
  // db.data_dir on the node: absolute, or under FAULTLINE_DATA_DIR.
  std::string SpecDataDir() const {
    if (spec_.db.data_dir.front() == '/') return spec_.db.data_dir;
    return ExternalDataDir(spec_, ClusterInfo{}) + "/" + spec_.db.data_dir;
  }

  Result<ClusterRoles> DoRoles(const ClusterInfo& cluster) {
    std::string errors;
    for (const NodeInfo& node : cluster.nodes) {
      auto r = Run(cluster, node, "roles", spec_.db.roles, false, std::chrono::seconds(10));
      if (!r.ok()) {
        errors += (errors.empty() ? "" : "; ") + r.status().message();
        continue;
      }
      json j = json::parse(r->out, nullptr, false);
      auto named = [&](const json& v) {
        for (const NodeInfo& n : cluster.nodes) {
          if (v.is_string() && v.get<std::string>() == n.name) return true;
        }
        return false;
      };
      ClusterRoles roles;
      bool ok = j.is_object();
      if (ok && j.contains("leader") && !j["leader"].is_null()) {
        ok = named(j["leader"]);
        if (ok) roles.leader = j["leader"].get<std::string>();
      }
      if (ok && j.contains("primaries")) {
        ok = j["primaries"].is_array();
        for (const auto& p : ok ? j["primaries"] : json::array()) {
          if (!named(p)) {
            ok = false;
            break;
          }
          roles.primaries.push_back(p.get<std::string>());
        }
      }
      if (!ok) {
        return Status::Error(node.name + ": " + spec_.name + " roles printed " + OneLine(r->out, 200) +
                             ", not {\"leader\": NODE, \"primaries\": [NODE, ...]} with node names");
      }
      roles.why = spec_.name + " roles command on " + node.name + ": " + OneLine(r->out, 200);
      return roles;
    }
    return Status::Error("roles: " + errors);
  }
  Status DoResume(const ClusterInfo& cluster, const NodeInfo& node) {
    if (spec_.db.pid_file.empty())
      return Run(cluster, node, "resume", spec_.db.resume, false).status().Prefixed(node.name);
    return Signal(node, "resume", "if running; then kill -CONT $p; fi\n");
  }

  // The members command on the nodes in turn, until one exits 0 printing a
  // JSON array of node names; those names, in cluster order.
  Result<std::vector<std::string>> DoMembers(const ClusterInfo& cluster) {
    remember(cluster);
    std::string errors;
    for (const NodeInfo& node : cluster.nodes) {
      auto r = Run(cluster, node, "members", spec_.db.members, false, std::chrono::seconds(10));
      if (!r.ok()) {
        errors += (errors.empty() ? "" : "; ") + r.status().message();
        continue;
      }
      json j = json::parse(r->out, nullptr, false);
      std::vector<std::string> out;
      bool ok = j.is_array();
      for (const json& m : ok ? j : json::array()) {
        ok = ok && m.is_string() &&
             std::any_of(cluster.nodes.begin(), cluster.nodes.end(), [&](const NodeInfo& n) { return m == n.name; });
      }
      if (!ok) {
        return Status::Error(node.name + ": " + spec_.name + " members printed " + OneLine(r->out, 200) +
                             ", not a JSON array of node names");
      }
      for (const NodeInfo& n : cluster.nodes) {
        if (std::find(j.begin(), j.end(), json(n.name)) != j.end()) out.push_back(n.name);
      }
      return out;
    }
    return Status::Error("members: " + errors);
  }
  // The first --target-opt initial-members=N nodes (the option the built-in
  // targets take; the spec's setup reads it as FAULTLINE_OPT_INITIAL_MEMBERS).
  std::vector<std::string> DoInitialMembers(const ClusterInfo& cluster) {
    remember(cluster);
    size_t n = cluster.nodes.size();
    auto it = options_.find("initial-members");
    if (it != options_.end()) n = std::min(n, static_cast<size_t>(std::max(0, std::atoi(it->second.c_str()))));
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) out.push_back(cluster.nodes[i].name);
    return out;
  }
  size_t DoMinMembers() const {
    if (spec_.db.min_members > 0) return static_cast<size_t>(spec_.db.min_members);
    return nodes_seen_ / 2 + 1;
  }
  // join on the node, then health as after a start. Refused when the
  // members command says it is a member already.
  Result<json> DoJoin(const ClusterInfo& cluster, const NodeInfo& node) {
    auto members = DoMembers(cluster);
    if (!members.ok()) return members.status();
    if (std::find(members->begin(), members->end(), node.name) != members->end()) {
      return Status::Error(spec_.name + " join: " + node.name + " is already a member");
    }
    auto r = Run(cluster, node, "join", spec_.db.join, spec_.db.faketime,
                 SpecSeconds(spec_.db.start_timeout_s) + std::chrono::minutes(1));
    if (!r.ok()) return r.status().Prefixed(node.name);
    if (Status s = WaitHealthy(cluster, node, "join"); !s.ok()) return s.Prefixed(node.name);
    return Report(r->out);
  }
  // leave on the node; refused when it is not a member or fewer than
  // MinMembers would remain.
  Result<json> DoLeave(const ClusterInfo& cluster, const NodeInfo& node) {
    auto members = DoMembers(cluster);
    if (!members.ok()) return members.status();
    if (std::find(members->begin(), members->end(), node.name) == members->end()) {
      return Status::Error(spec_.name + " leave: " + node.name + " is not a member");
    }
    if (members->size() - 1 < DoMinMembers()) {
      return Status::Error(spec_.name + " leave: " + node.name + " would leave " + std::to_string(members->size() - 1) +
                           " members, fewer than " + std::to_string(DoMinMembers()));
    }
    auto r = Run(cluster, node, "leave", spec_.db.leave, false, std::chrono::minutes(2));
    if (!r.ok()) return r.status().Prefixed(node.name);
    return Report(r->out);
  }

 private:
  // Runs `command` (the spec's db.<what>) on the node: stdout is returned,
  // a non-zero exit is an error "n2: mystore setup exited 1: <stderr tail>".
  Result<ExecResult> Run(const ClusterInfo& cluster, const NodeInfo& node, const std::string& what,
                         const std::string& command, bool faketime,
                         milliseconds timeout = std::chrono::seconds(60)) {
    const std::string data = ExternalDataDir(spec_, cluster);
    std::string script = "mkdir -p " + ShellQuote(data) + " " + ShellQuote(ExternalLogDir(spec_, cluster)) +
                         " || exit 1\ncd " + ShellQuote(data) + " || exit 1\n";
    for (const auto& [k, v] : NodeEnvironment(spec_, cluster, node, options_)) {
      script += "export " + k + "=" + ShellQuote(v) + "\n";
    }
    if (faketime) {
      script += FaketimeLibFindScript() +
                "if [ -z \"$lib\" ]; then echo \"libfaketime is not installed on this node "
                "(apt-get install faketime), but the spec says faketime: true\" >&2; exit 1; fi\n"
                "[ -s " +
                ShellQuote(kExternalOffsetFile) + " ] || echo +0 > " + ShellQuote(kExternalOffsetFile) +
                "\n"
                "export FAKETIME_TIMESTAMP_FILE=" +
                ShellQuote(kExternalOffsetFile) + " FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1\n" +
                FaketimePairScript(FaketimePairId(spec_.name, node.name, node.address)) +
                "export LD_PRELOAD=\"$lib\"\n";
    }
    script += "exec bash -c " + ShellQuote(command) + "\n";
    auto r = Exec(node, script, timeout);
    std::string where = spec_.name + " " + what;
    if (!r.ok()) return r.status().Prefixed(where);
    if (r->exit_code != 0) {
      std::string err = OneLine(r->err.empty() ? r->out : r->err);
      return Status::Error(where + " exited " + std::to_string(r->exit_code) +
                           (err.empty() ? "" : ": " + err));
    }
    return r;
  }

  Status WaitHealthy(const ClusterInfo& cluster, const NodeInfo& node, const std::string& after) {
    if (spec_.db.health.empty()) return Status::Ok();
    const auto deadline = Clock::now() + SpecSeconds(spec_.db.start_timeout_s);
    std::string last = "no answer yet";
    do {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      auto r = Run(cluster, node, "health", spec_.db.health, false,
                   std::clamp(left, milliseconds(1000), milliseconds(10000)));
      if (r.ok()) return Status::Ok();
      last = r.status().message();
      if (cluster.StopRequested()) return Status::Error(spec_.name + " " + after + ": stopped (the run was interrupted) while waiting for health (" + last + ")");
      std::this_thread::sleep_for(milliseconds(250));
    } while (Clock::now() < deadline);
    char secs[32];
    std::snprintf(secs, sizeof secs, "%g", spec_.db.start_timeout_s);
    return Status::Error(spec_.name + " not healthy " + secs + "s after " + after + " (" + last + ")" +
                         LogTail(node));
  }

  std::string LogTail(const NodeInfo& node) {
    if (spec_.db.log_files.empty()) return "";
    const std::string& file = spec_.db.log_files.front();
    auto r = Exec(node, "tail -n 10 " + ShellQuote(file) + " 2>/dev/null", std::chrono::seconds(10));
    if (!r.ok() || r->out.empty()) return "; " + file + " is empty";
    return "; " + file + ": " + OneLine(r->out, 1500);
  }

  // Runs `body` after a prelude defining `running` (true when pid_file names
  // a live process whose cmdline contains process_match; $p is then its pid).
  Status Signal(const NodeInfo& node, const std::string& what, const std::string& body) {
    std::string prelude = "PIDFILE=" + ShellQuote(spec_.db.pid_file) +
                          "\nMATCH=" + ShellQuote(spec_.db.process_match) +
                          "\n"
                          "running() {\n"
                          "  p=$(cat \"$PIDFILE\" 2>/dev/null) || return 1\n"
                          "  case \"$p\" in ''|*[!0-9]*) return 1;; esac\n"
                          "  [ \"$p\" -gt 1 ] || return 1\n"
                          // A zombie's cmdline is empty: it counts as gone.
                          "  tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -qF -- \"$MATCH\"\n"
                          "}\n";
    auto out = Checked(node, prelude + body, std::chrono::seconds(30));
    return out.ok() ? Status::Ok() : out.status().Prefixed(node.name + ": " + what + " " + spec_.name);
  }

  // Runs a shell script on the node (its Remote), or with "nodes": "none"
  // on the controller (bash -c, without a shell in between to quote for).
  Result<ExecResult> Exec(const NodeInfo& node, const std::string& script, milliseconds timeout) {
    if (node.remote) return node.remote->Exec(script, "", timeout);
    if (!spec_.no_nodes)
      return Status::Error(node.name + ": " + spec_.name + " needs a connected node (no remote)");
    return RunLocal({"bash", "-c", script}, "", timeout);
  }
  // Exec with a non-zero exit as an error (ExecOrError's, on the controller too).
  Result<std::string> Checked(const NodeInfo& node, const std::string& script, milliseconds timeout) {
    if (node.remote) return ExecOrError(*node.remote, script, "", timeout);
    auto r = Exec(node, script, timeout);
    if (!r.ok()) return r.status();
    if (r->exit_code != 0) {
      std::string err = OneLine(r->err.empty() ? r->out : r->err, 600);
      return Status::Error(node.name + ": exited " + std::to_string(r->exit_code) + (err.empty() ? "" : ": " + err));
    }
    return std::move(r->out);
  }

  // A join's or leave's stdout: a JSON object is the store's report of the
  // change; other output is kept as text.
  static json Report(const std::string& out) {
    json j = json::parse(out, nullptr, false);
    if (j.is_object()) return j;
    return out.empty() ? json::object() : json{{"output", OneLine(out, 300)}};
  }
  // MinMembers has no cluster to look at: the last one a call had.
  void remember(const ClusterInfo& cluster) { nodes_seen_ = cluster.nodes.size(); }

  const ExternalSpec spec_;
  const TargetOptions options_;
  std::atomic<size_t> nodes_seen_{0};
};

// Capability mix-ins (CRTP: D is the final class, an ExternalDbBase).
template <int>
struct NoCapability {};  // distinct per slot: a class cannot have one base twice
template <class D>
struct KillCap : Killable {
  Status Kill(const ClusterInfo& c, const NodeInfo& n) override {
    return static_cast<D*>(this)->DoKill(c, n);
  }
  Status Start(const ClusterInfo& c, const NodeInfo& n) override {
    return static_cast<D*>(this)->DoStart(c, n);
  }
};
template <class D>
struct PauseCap : Pausable {
  Status Pause(const ClusterInfo& c, const NodeInfo& n) override {
    return static_cast<D*>(this)->DoPause(c, n);
  }
  Status Resume(const ClusterInfo& c, const NodeInfo& n) override {
    return static_cast<D*>(this)->DoResume(c, n);
  }
};
template <class D>
struct RolesCap : HasRoles {
  Result<ClusterRoles> Roles(const ClusterInfo& c) override { return static_cast<D*>(this)->DoRoles(c); }
};
struct ClockCap : ClockSkewable {
  std::string FaketimeOffsetFile(const NodeInfo& node) override { return kExternalOffsetFile; }
};
template <class D>
struct DataDirCap : HasDataDir {
  std::string DataDir(const NodeInfo& node) override { return static_cast<D*>(this)->SpecDataDir(); }
};

template <class D>
struct MembersCap : Reconfigurable {
  Result<std::vector<std::string>> Members(const ClusterInfo& c) override { return static_cast<D*>(this)->DoMembers(c); }
  std::vector<std::string> InitialMembers(const ClusterInfo& c) override {
    return static_cast<D*>(this)->DoInitialMembers(c);
  }
  size_t MinMembers() const override { return static_cast<const D*>(this)->DoMinMembers(); }
  Result<json> Join(const ClusterInfo& c, const NodeInfo& n) override { return static_cast<D*>(this)->DoJoin(c, n); }
  Result<json> Leave(const ClusterInfo& c, const NodeInfo& n) override { return static_cast<D*>(this)->DoLeave(c, n); }
};

// One bit per optional capability; ExternalDb<M> has exactly the mix-ins of
// M's bits, so dynamic_cast finds only what the spec gives.
enum CapabilityBit : unsigned { kKill = 1, kPause = 2, kClock = 4, kRoles = 8, kData = 16, kMembers = 32, kAllBits = 64 };

template <unsigned M>
class ExternalDb final : public ExternalDbBase,
                         public std::conditional_t<(M & kKill) != 0, KillCap<ExternalDb<M>>, NoCapability<0>>,
                         public std::conditional_t<(M & kPause) != 0, PauseCap<ExternalDb<M>>, NoCapability<1>>,
                         public std::conditional_t<(M & kClock) != 0, ClockCap, NoCapability<2>>,
                         public std::conditional_t<(M & kRoles) != 0, RolesCap<ExternalDb<M>>, NoCapability<3>>,
                         public std::conditional_t<(M & kData) != 0, DataDirCap<ExternalDb<M>>, NoCapability<4>>,
                         public std::conditional_t<(M & kMembers) != 0, MembersCap<ExternalDb<M>>, NoCapability<5>> {
 public:
  using ExternalDbBase::ExternalDbBase;
};

// The ExternalDb<M> for the run-time `mask`: one instantiation per mask.
template <unsigned... Ms>
std::unique_ptr<Db> MakeForMask(unsigned mask, const ExternalSpec& spec, const TargetOptions& options,
                                std::integer_sequence<unsigned, Ms...>) {
  std::unique_ptr<Db> out;
  ((mask == Ms ? (out = std::make_unique<ExternalDb<Ms>>(spec, options), true) : false) || ...);
  return out;
}

}  // namespace

std::unique_ptr<Db> MakeExternalDb(ExternalSpec spec, TargetOptions options) {
  unsigned mask = 0;
  if (spec.db.killable()) mask |= kKill;
  if (spec.db.pausable()) mask |= kPause;
  if (spec.db.faketime) mask |= kClock;
  if (!spec.db.roles.empty()) mask |= kRoles;
  if (!spec.db.data_dir.empty()) mask |= kData;
  if (spec.db.reconfigurable()) mask |= kMembers;
  return MakeForMask(mask, spec, options, std::make_integer_sequence<unsigned, kAllBits>());
}

}  // namespace faultline
