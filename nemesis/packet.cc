// "packet": degrades the network between nodes without cutting it.
//
// Loss: on each target node, iptables rules in the FAULTLINE chain drop the
// given fraction of packets from every other node (`-m statistic --mode random
// --probability P`), so traffic from the controller is untouched.
// Delay and duplication need the kernel's netem qdisc (`tc qdisc ... netem`).
// Setup probes for it on the first node; where the kernel lacks it, Setup
// refuses with one line instead of pretending. With netem, the qdisc goes on
// the node's interface towards its peers (it then also delays the controller's
// traffic on that interface, which only slows the run down).
//
// Options: "packet-loss" (0..1, default 0.2), "packet-delay-ms" (default 0),
// "packet-duplicate" (percent, default 0), "targets" (one|minority|majority|all,
// comma list to pick from; default all).
// start-packet value: {"nodes", "loss", "delay-ms", "duplicate-percent"}.
// stop-packet deletes this nemesis's rules and qdiscs; Heal flushes the chain
// and deletes the netem qdiscs it added. Calls are serialised by a mutex.
#include <cstdio>
#include <mutex>

#include "nemesis/faultline_chain.h"
#include "nemesis/nemesis.h"
#include "nemesis/nemesis_support.h"
#include "nemesis/node_selection.h"

namespace faultline {
namespace {

// Probes netem by adding (then deleting) a zero-delay netem qdisc on lo.
// Returns true/false, or an error when the probe itself could not run.
Result<bool> NodeHasNetem(Remote& remote) {
  const std::string probe =
      "command -v tc >/dev/null 2>&1 || { echo 'tc not found (install iproute2)' >&2; exit 127; }; "
      "if out=$(tc qdisc add dev lo root netem delay 0ms 2>&1); then "
      "tc qdisc del dev lo root; echo yes; "
      "else case \"$out\" in *nknown*|*\"ot supported\"*|*\"o such file\"*) echo no;; "
      "*) echo \"$out\" >&2; exit 1;; esac; fi";
  auto r = ExecOrError(remote, probe);
  if (!r.ok()) return r.status();
  return r->rfind("yes", 0) == 0;
}

class PacketNemesis : public Nemesis {
 public:
  PacketNemesis(double loss, double delay_ms, double duplicate, std::vector<std::string> targets)
      : loss_(loss), delay_ms_(delay_ms), duplicate_(duplicate), targets_(std::move(targets)) {}

  std::string name() const override { return "packet"; }
  std::vector<FaultPair> Faults() const override { return {{"start-packet", "stop-packet"}}; }

  Status Setup(const ClusterInfo& cluster, Db* db) override {
    std::lock_guard<std::mutex> lock(mu_);
    Status s = RequireRemotes(cluster, "packet");
    if (!s.ok()) return s;
    if (NeedsNetem()) {
      auto has = NodeHasNetem(*cluster.nodes.front().remote);
      if (!has.ok()) return has.status().Prefixed("packet: probing tc netem");
      if (!*has) {
        return Status::Error(std::string("packet ") + (delay_ms_ > 0 ? "delay" : "duplication") +
                             " needs tc netem, which this kernel lacks");
      }
    }
    cluster_ = cluster;
    return ForEachNode(AllNodes(cluster_), [](const NodeInfo& n) {
      return EnsureChain(*n.remote).Prefixed("packet setup");
    });
  }

  Op Invoke(const Op& op, Rng& rng) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (op.f == "stop-packet") {
      std::vector<std::string> healed;
      for (const auto& [node, state] : active_) healed.push_back(node);
      Status s = RemoveActive();
      return CompleteFault(op, {{"nodes", healed}}, s.Prefixed("packet"));
    }
    if (op.f != "start-packet") {
      return CompleteFault(op, nullptr, Status::Error("packet: unknown fault op " + op.f));
    }
    Status s = RemoveActive();
    std::string spec;
    std::vector<std::string> targets = PickTargets(targets_, NodeNames(cluster_), rng, &spec);
    for (const auto& node : targets) {
      NodeState& state = active_[node];
      for (const auto& other : cluster_.nodes) {
        if (other.name != node && loss_ > 0) state.rules.push_back(DropFrom(other.address, loss_));
      }
    }
    Status applied = ForEachNode(NodesNamed(cluster_, targets), [&](const NodeInfo& n) {
      NodeState& state = active_.at(n.name);
      Status st = AppendRules(*n.remote, state.rules);
      if (!st.ok() || !NeedsNetem()) return st;
      auto dev = AddNetem(n);
      if (!dev.ok()) return dev.status();
      state.netem_dev = *dev;
      return Status::Ok();
    });
    if (!applied.ok()) s = applied;
    nlohmann::json value = {{"nodes", targets},
                            {"targets", spec},
                            {"loss", loss_},
                            {"delay-ms", delay_ms_},
                            {"duplicate-percent", duplicate_}};
    nlohmann::json devs = nlohmann::json::object();
    for (const auto& [node, state] : active_) {
      if (!state.netem_dev.empty()) devs[node] = state.netem_dev;
    }
    if (!devs.empty()) value["netem-devs"] = devs;  // what Adopt needs to remove them
    return CompleteFault(op, std::move(value), s.Prefixed("packet"));
  }

  // The recorded nodes' drop rules (at the recorded loss) and netem qdiscs
  // become this nemesis's active state.
  Status Adopt(const nlohmann::json& start_value) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!start_value.is_object() || !start_value.contains("nodes") || !start_value["nodes"].is_array()) {
      return Status::Error("packet: the recorded start has no \"nodes\" list");
    }
    const double loss = start_value.value("loss", 0.0);
    const nlohmann::json devs = start_value.value("netem-devs", nlohmann::json::object());
    for (const auto& n : start_value["nodes"]) {
      if (!n.is_string() || NodesNamed(cluster_, {n.get<std::string>()}).empty()) {
        return Status::Error("packet: the recorded start names an unknown node " + n.dump());
      }
      const std::string node = n.get<std::string>();
      NodeState& state = active_[node];
      for (const auto& other : cluster_.nodes) {
        if (other.name != node && loss > 0) state.rules.push_back(DropFrom(other.address, loss));
      }
      if (devs.contains(node) && devs[node].is_string()) state.netem_dev = devs[node].get<std::string>();
    }
    return Status::Ok();
  }

  Status Heal() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (cluster_.nodes.empty()) return Status::Ok();
    Status s = RemoveActive();  // the netem qdiscs; the rules go with the flush anyway
    active_.clear();
    Status f = ForEachNode(AllNodes(cluster_), [](const NodeInfo& n) {
      return FlushChain(*n.remote).Prefixed("packet heal");
    });
    return s.ok() ? f : s;
  }

 private:
  struct NodeState {
    std::vector<RuleSpec> rules;
    std::string netem_dev;  // interface with our netem qdisc; empty if none
  };

  bool NeedsNetem() const { return delay_ms_ > 0 || duplicate_ > 0; }

  // Puts a netem qdisc on the interface `n` uses to reach its first peer.
  Result<std::string> AddNetem(const NodeInfo& n) {
    std::string peer;
    for (const auto& other : cluster_.nodes) {
      if (other.name != n.name) {
        peer = other.address;
        break;
      }
    }
    std::vector<std::string> netem = {"netem"};
    auto num = [](double v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", v);
      return std::string(buf);
    };
    if (delay_ms_ > 0) netem.insert(netem.end(), {"delay", num(delay_ms_) + "ms"});
    if (duplicate_ > 0) netem.insert(netem.end(), {"duplicate", num(duplicate_) + "%"});
    const std::string cmd = "dev=$(ip -o route get " + ShellQuote(peer) +
                            " | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p') && [ -n \"$dev\" ] && "
                            "tc qdisc replace dev \"$dev\" root " + ShellJoin(netem) +
                            " && echo \"$dev\"";
    auto r = ExecOrError(*n.remote, cmd);
    if (!r.ok()) return r.status();
    std::string dev = *r;
    while (!dev.empty() && (dev.back() == '\n' || dev.back() == ' ')) dev.pop_back();
    return dev;
  }

  Status RemoveActive() {
    if (active_.empty()) return Status::Ok();
    std::vector<std::string> nodes;
    for (const auto& [node, state] : active_) nodes.push_back(node);
    Status s = ForEachNode(NodesNamed(cluster_, nodes), [&](const NodeInfo& n) {
      const NodeState& state = active_.at(n.name);
      Status st = DeleteRules(*n.remote, state.rules);
      if (st.ok() && !state.netem_dev.empty()) {
        auto r = ExecOrError(*n.remote, "tc qdisc del dev " + ShellQuote(state.netem_dev) +
                                            " root 2>/dev/null || true");
        if (!r.ok()) st = r.status();
      }
      return st;
    });
    if (s.ok()) active_.clear();
    return s;
  }

  std::mutex mu_;
  const double loss_;
  const double delay_ms_;
  const double duplicate_;
  const std::vector<std::string> targets_;
  ClusterInfo cluster_;
  std::map<std::string, NodeState> active_;
};

Result<std::unique_ptr<Nemesis>> MakePacket(const NemesisOptions& options) {
  auto loss = DoubleOption(options, "packet-loss", 0.2, 0.0, 1.0);
  if (!loss.ok()) return loss.status();
  auto delay = DoubleOption(options, "packet-delay-ms", 0, 0, 600000);
  if (!delay.ok()) return delay.status();
  auto duplicate = DoubleOption(options, "packet-duplicate", 0, 0, 100);
  if (!duplicate.ok()) return duplicate.status();
  if (*loss == 0 && *delay == 0 && *duplicate == 0) {
    return Status::Error("packet: packet-loss, packet-delay-ms and packet-duplicate are all 0");
  }
  auto targets = ParseTargetSpecs(StringOption(options, "targets", "all"));
  if (!targets.ok()) return targets.status().Prefixed("--fault-targets");
  return std::unique_ptr<Nemesis>(new PacketNemesis(*loss, *delay, *duplicate, *targets));
}

Registrar<NemesisFactory> reg("packet",
                              "packet loss between nodes (iptables statistic DROP in the FAULTLINE "
                              "chain); delay/duplication where the kernel has tc netem",
                              &MakePacket);

}  // namespace
}  // namespace faultline
