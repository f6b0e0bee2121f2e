// "packet": degrades the network between nodes without cutting it.
//
// Loss: on each target node, iptables rules in the FAULTLINE chain drop the
// given fraction of packets from every other node (`-m statistic --mode random
// --probability P`), so traffic from the controller is untouched.
// Delay, jitter, duplication and reordering ("shaping"): with the kernel's
// netem qdisc where the node has it (on the interface towards its peers: it
// then also slows the controller's traffic on that interface), else with
// faultline-shaper (nemesis/packet_shaper.h), uploaded to the nodes at setup:
// NFQUEUE rules in FAULTLINE-OUT send the node's packets to its peers (never
// to the controller) through it. "packet-mechanism=shaper" forces the shaper,
// as do per-link faults. A bandwidth limit ("packet-rate", e.g. 1mbit) is a
// tbf qdisc (netem's rate with netem).
//
// Options: "packet-loss" (0..1; default 0.2 when no other effect is asked
// for, else 0), "packet-delay-ms", "packet-jitter-ms", "packet-distribution"
// (uniform|normal), "packet-duplicate" and "packet-reorder" (percent),
// "packet-rate" (tc rate: 500kbit, 1mbit, ...), "packet-links" (a grudge
// kind, nemesis/grudge.h: shape only the links it names, e.g. halves = the
// links between the two halves; one = one node to everyone), "targets"
// (one|minority|majority|all, comma list to pick from; default all).
// start-packet value: {"nodes", "targets", "mechanism" (iptables|netem|
// shaper), "loss", "delay-ms", "jitter-ms", "distribution",
// "duplicate-percent", "reorder-percent", "rate", "links": {node: [peers]},
// "qdisc-devs": {node: dev}}. stop-packet deletes this nemesis's rules,
// qdiscs and shapers; Heal flushes the chains and stops every shaper.
// Calls are serialised by a mutex.
#include <algorithm>
#include <cstdio>
#include <mutex>
#include <regex>

#include "harness/core/format_double.h"
#include "nemesis/faultline_chain.h"
#include "nemesis/grudge.h"
#include "nemesis/nemesis.h"
#include "nemesis/nemesis_support.h"
#include "nemesis/node_selection.h"
#include "nemesis/packet_shaper.h"

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

struct PacketSettings {
  double loss = 0;
  ShaperSettings shaping;
  std::string rate;       // "" = no bandwidth limit
  std::string links;      // "" = every link from a target node
  std::string mechanism;  // "auto", "netem", "shaper"
  bool Shaping() const {
    return shaping.delay_ms > 0 || shaping.jitter_ms > 0 || shaping.duplicate_percent > 0 ||
           shaping.reorder_percent > 0;
  }
};

class PacketNemesis : public Nemesis {
 public:
  PacketNemesis(PacketSettings settings, std::vector<std::string> targets)
      : settings_(std::move(settings)), targets_(std::move(targets)) {}

  std::string name() const override { return "packet"; }
  std::vector<FaultPair> Faults() const override { return {{"start-packet", "stop-packet"}}; }

  // Loss is iptables rules; shaping by faultline-shaper queues through them too.
  std::vector<NodeNeed> NodeNeeds() const override { return {NodeNeed::kIptables}; }

  Status Setup(const ClusterInfo& cluster, Db* db) override {
    std::lock_guard<std::mutex> lock(mu_);
    Status s = RequireRemotes(cluster, "packet");
    if (!s.ok()) return s;
    cluster_ = cluster;
    mechanism_ = "iptables";
    if (settings_.Shaping()) {
      bool netem = false;
      if (settings_.mechanism != "shaper" && settings_.links.empty()) {
        auto has = NodeHasNetem(*cluster.nodes.front().remote);
        if (!has.ok()) return has.status().Prefixed("packet: probing tc netem");
        netem = *has;
        if (!netem && settings_.mechanism == "netem") {
          return Status::Error("packet: packet-mechanism=netem, but this kernel lacks tc netem");
        }
      }
      mechanism_ = netem ? "netem" : "shaper";
      if (mechanism_ == "shaper") {
        const std::string binary = LocalShaperBinary();
        if (binary.empty()) {
          return Status::Error(std::string("packet: ") +
                               (settings_.mechanism == "shaper" ? "packet-mechanism=shaper, but"
                                                                : "this kernel lacks tc netem and") +
                               " faultline-shaper is not built beside faultline (cmake --build build "
                               "--target faultline-shaper)");
        }
        s = ForEachNode(AllNodes(cluster_), [&](const NodeInfo& n) {
          return DeployShaper(*n.remote, binary).Prefixed("packet setup");
        });
        if (!s.ok()) return s;
      }
    } else if (!settings_.rate.empty() && settings_.mechanism == "netem") {
      mechanism_ = "netem";
    }
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
    std::map<std::string, std::vector<std::string>> links;  // node -> peers it degrades
    if (!settings_.links.empty()) {
      auto grudge = MakeGrudge(settings_.links, NodeNames(cluster_), rng);
      if (!grudge.ok()) return CompleteFault(op, nullptr, grudge.status().Prefixed("packet"));
      for (const auto& [node, peers] : *grudge) links[node].assign(peers.begin(), peers.end());
      spec = "links " + settings_.links;
    } else {
      std::vector<std::string> targets;
      if (op.value.is_object() && op.value.contains("nodes") && op.value["nodes"].is_array()) {
        spec = "explicit";
        for (const auto& n : op.value["nodes"]) {
          if (!n.is_string() || NodesNamed(cluster_, {n.get<std::string>()}).empty()) {
            return CompleteFault(op, op.value, Status::Error("packet: unknown node " + n.dump()));
          }
          targets.push_back(n.get<std::string>());
        }
      } else {
        std::vector<std::string> specs = targets_;
        if (op.value.is_object() && op.value.contains("targets") && op.value["targets"].is_string()) {
          auto parsed = ParseTargetSpecs(op.value["targets"].get<std::string>());
          if (!parsed.ok()) return CompleteFault(op, op.value, parsed.status().Prefixed("packet"));
          for (const auto& t : *parsed) {
            if (IsRoleSpec(t)) return CompleteFault(op, op.value, Status::Error("packet: targets " + t + ": not a role"));
          }
          specs = *parsed;
        }
        targets = PickTargets(specs, NodeNames(cluster_), rng, &spec);
      }
      for (const auto& node : targets) {
        for (const auto& other : cluster_.nodes) {
          if (other.name != node) links[node].push_back(other.name);
        }
      }
    }
    const uint64_t seed = rng.Next();
    for (const auto& [node, peers] : links) active_[node] = StateFor(peers);
    Status applied = ForEachNode(NodesNamed(cluster_, Keys(links)), [&](const NodeInfo& n) {
      return Apply(n, active_.at(n.name), seed);
    });
    if (!applied.ok()) s = applied;
    return CompleteFault(op, ValueOf(links, spec), s.Prefixed("packet"));
  }

  // The recorded links' rules, qdiscs and shapers become this nemesis's.
  Status Adopt(const nlohmann::json& start_value) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!start_value.is_object() || !start_value.contains("links") || !start_value["links"].is_object()) {
      return Status::Error("packet: the recorded start has no \"links\"");
    }
    const nlohmann::json devs = start_value.value("qdisc-devs", nlohmann::json::object());
    for (const auto& [node, peers] : start_value["links"].items()) {
      if (NodesNamed(cluster_, {node}).empty() || !peers.is_array()) {
        return Status::Error("packet: the recorded start names an unknown node \"" + node + "\"");
      }
      std::vector<std::string> names;
      for (const auto& p : peers) {
        if (p.is_string()) names.push_back(p.get<std::string>());
      }
      NodeState state = StateFor(names, start_value.value("loss", 0.0),
                                 start_value.value("mechanism", std::string()) == "shaper");
      if (devs.contains(node) && devs[node].is_string()) state.qdisc_dev = devs[node].get<std::string>();
      active_[node] = std::move(state);
    }
    return Status::Ok();
  }

  Status Heal() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (cluster_.nodes.empty()) return Status::Ok();
    Status s = RemoveActive();  // the qdiscs; the rules go with the flush anyway
    active_.clear();
    Status f = ForEachNode(AllNodes(cluster_), [&](const NodeInfo& n) {
      Status flushed = FlushChain(*n.remote).Prefixed("packet heal");
      if (mechanism_ != "shaper") return flushed;
      Status stopped = StopShaper(*n.remote);
      return flushed.ok() ? stopped : flushed;
    });
    return s.ok() ? f : s;
  }

 private:
  struct NodeState {
    std::vector<RuleSpec> in_rules;   // loss: DROP in FAULTLINE
    std::vector<RuleSpec> out_rules;  // shaper: NFQUEUE in FAULTLINE-OUT
    bool shaper = false;
    std::string qdisc_dev;  // interface with our netem/tbf qdisc; empty if none
  };

  static std::vector<std::string> Keys(const std::map<std::string, std::vector<std::string>>& m) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : m) keys.push_back(k);
    return keys;
  }

  std::string AddressOf(const std::string& node) const {
    for (const auto& n : cluster_.nodes) {
      if (n.name == node) return n.address;
    }
    return node;
  }

  NodeState StateFor(const std::vector<std::string>& peers) const {
    return StateFor(peers, settings_.loss, mechanism_ == "shaper");
  }
  NodeState StateFor(const std::vector<std::string>& peers, double loss, bool shaper) const {
    NodeState state;
    state.shaper = shaper;
    for (const auto& peer : peers) {
      if (loss > 0) state.in_rules.push_back(DropFrom(AddressOf(peer), loss));
      if (shaper) state.out_rules.push_back(QueueTo(AddressOf(peer), kShaperQueue, kShaperMark));
    }
    return state;
  }

  nlohmann::json ValueOf(const std::map<std::string, std::vector<std::string>>& links,
                         const std::string& spec) const {
    nlohmann::json devs = nlohmann::json::object();
    for (const auto& [node, state] : active_) {
      if (!state.qdisc_dev.empty()) devs[node] = state.qdisc_dev;
    }
    nlohmann::json value = {{"nodes", Keys(links)},
                            {"targets", spec},
                            {"mechanism", mechanism_},
                            {"loss", settings_.loss},
                            {"delay-ms", settings_.shaping.delay_ms},
                            {"jitter-ms", settings_.shaping.jitter_ms},
                            {"distribution", settings_.shaping.distribution},
                            {"duplicate-percent", settings_.shaping.duplicate_percent},
                            {"reorder-percent", settings_.shaping.reorder_percent},
                            {"rate", settings_.rate},
                            {"links", links}};
    if (!devs.empty()) value["qdisc-devs"] = devs;  // what Adopt needs to remove them
    return value;
  }

  // The interface `n` uses to reach its first peer.
  Result<std::string> PeerDevice(const NodeInfo& n) {
    std::string peer;
    for (const auto& other : cluster_.nodes) {
      if (other.name != n.name) {
        peer = other.address;
        break;
      }
    }
    auto r = ExecOrError(*n.remote, "ip -o route get " + ShellQuote(peer) +
                                        " | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p'");
    if (!r.ok()) return r.status();
    std::string dev = *r;
    while (!dev.empty() && (dev.back() == '\n' || dev.back() == ' ')) dev.pop_back();
    if (dev.empty()) return Status::Error(n.name + ": no route to " + peer);
    return dev;
  }

  // The root qdisc for netem shaping and/or a rate limit; "" when none is needed.
  std::vector<std::string> QdiscArgs() const {
    const ShaperSettings& s = settings_.shaping;
    if (mechanism_ == "netem") {
      std::vector<std::string> q = {"netem"};
      if (s.delay_ms > 0 || s.jitter_ms > 0) {
        q.insert(q.end(), {"delay", FormatDouble("%g", s.delay_ms) + "ms"});
        if (s.jitter_ms > 0) q.push_back(FormatDouble("%g", s.jitter_ms) + "ms");
        if (s.jitter_ms > 0 && s.distribution == "normal") q.insert(q.end(), {"distribution", "normal"});
      }
      if (s.duplicate_percent > 0) q.insert(q.end(), {"duplicate", FormatDouble("%g", s.duplicate_percent) + "%"});
      if (s.reorder_percent > 0) q.insert(q.end(), {"reorder", FormatDouble("%g", s.reorder_percent) + "%"});
      if (!settings_.rate.empty()) q.insert(q.end(), {"rate", settings_.rate});
      return q;
    }
    if (!settings_.rate.empty()) {
      return {"tbf", "rate", settings_.rate, "burst", "32kbit", "latency", "400ms"};
    }
    return {};
  }

  Status Apply(const NodeInfo& n, NodeState& state, uint64_t seed) {
    Status st = AppendRules(*n.remote, state.in_rules);
    if (!st.ok()) return st;
    if (state.shaper) {
      st = StartShaper(*n.remote, settings_.shaping, seed ^ std::hash<std::string>()(n.name));
      if (!st.ok()) return st;
      st = AppendRules(*n.remote, state.out_rules, kFaultlineOutChain);
      if (!st.ok()) return st;
    }
    std::vector<std::string> qdisc = QdiscArgs();
    if (qdisc.empty()) return Status::Ok();
    auto dev = PeerDevice(n);
    if (!dev.ok()) return dev.status();
    state.qdisc_dev = *dev;
    auto r = ExecOrError(*n.remote, "tc qdisc replace dev " + ShellQuote(*dev) + " root " + ShellJoin(qdisc));
    return r.ok() ? Status::Ok() : r.status();
  }

  Status RemoveActive() {
    if (active_.empty()) return Status::Ok();
    std::vector<std::string> nodes;
    for (const auto& [node, state] : active_) nodes.push_back(node);
    Status s = ForEachNode(NodesNamed(cluster_, nodes), [&](const NodeInfo& n) {
      const NodeState& state = active_.at(n.name);
      Status st = DeleteRules(*n.remote, state.in_rules);
      // Rules first: packets stop reaching the shaper, then it lets the held ones go.
      if (st.ok()) st = DeleteRules(*n.remote, state.out_rules, kFaultlineOutChain);
      if (st.ok() && state.shaper) st = StopShaper(*n.remote);
      if (st.ok() && !state.qdisc_dev.empty()) {
        auto r = ExecOrError(*n.remote, "tc qdisc del dev " + ShellQuote(state.qdisc_dev) +
                                            " root 2>/dev/null || true");
        if (!r.ok()) st = r.status();
      }
      return st;
    });
    if (s.ok()) active_.clear();
    return s;
  }

  std::mutex mu_;
  const PacketSettings settings_;
  const std::vector<std::string> targets_;
  ClusterInfo cluster_;
  std::string mechanism_ = "iptables";
  std::map<std::string, NodeState> active_;
};

Result<std::unique_ptr<Nemesis>> MakePacket(const NemesisOptions& options) {
  PacketSettings s;
  auto delay = DoubleOption(options, "packet-delay-ms", 0, 0, 600000);
  if (!delay.ok()) return delay.status();
  auto jitter = DoubleOption(options, "packet-jitter-ms", 0, 0, 600000);
  if (!jitter.ok()) return jitter.status();
  auto duplicate = DoubleOption(options, "packet-duplicate", 0, 0, 100);
  if (!duplicate.ok()) return duplicate.status();
  auto reorder = DoubleOption(options, "packet-reorder", 0, 0, 100);
  if (!reorder.ok()) return reorder.status();
  s.shaping = {*delay, *jitter, StringOption(options, "packet-distribution", "uniform"), *duplicate,
               *reorder};
  if (s.shaping.distribution != "uniform" && s.shaping.distribution != "normal") {
    return Status::Error("packet-distribution: \"" + s.shaping.distribution +
                         "\" is not uniform or normal");
  }
  s.rate = StringOption(options, "packet-rate", "");
  if (!s.rate.empty() && !std::regex_match(s.rate, std::regex("[0-9]+(\\.[0-9]+)?([kmg]?bit|[kmg]?bps)"))) {
    return Status::Error("packet-rate: \"" + s.rate + "\" is not a rate like 500kbit or 1mbit");
  }
  s.links = StringOption(options, "packet-links", "");
  if (!s.links.empty() &&
      std::find(GrudgeKinds().begin(), GrudgeKinds().end(), s.links) == GrudgeKinds().end()) {
    return Status::Error("packet-links: unknown kind \"" + s.links +
                         "\" (known: one, halves, random-halves, majority, majorities-ring, bridge)");
  }
  s.mechanism = StringOption(options, "packet-mechanism", "auto");
  if (s.mechanism != "auto" && s.mechanism != "netem" && s.mechanism != "shaper") {
    return Status::Error("packet-mechanism: \"" + s.mechanism + "\" is not auto, netem or shaper");
  }
  const bool other_effect = s.Shaping() || !s.rate.empty();
  auto loss = DoubleOption(options, "packet-loss", other_effect ? 0.0 : 0.2, 0.0, 1.0);
  if (!loss.ok()) return loss.status();
  s.loss = *loss;
  if (s.loss == 0 && !other_effect) {
    return Status::Error("packet: packet-loss, packet-delay-ms, packet-jitter-ms, packet-duplicate, "
                         "packet-reorder and packet-rate are all 0");
  }
  auto targets = ParseTargetSpecs(StringOption(options, "targets", "all"));
  if (!targets.ok()) return targets.status().Prefixed("--fault-targets");
  for (const auto& t : *targets) {
    if (IsRoleSpec(t)) {
      return Status::Error("--fault-targets " + t + ": packet faults take one|minority|majority|all, not roles");
    }
  }
  return std::unique_ptr<Nemesis>(new PacketNemesis(std::move(s), *targets));
}

Registrar<NemesisFactory> kPacketNemesis("packet",
                                         "slow or lossy links: loss (iptables statistic DROP), delay/jitter/"
                                         "duplicate/reorder (tc netem, else faultline-shaper over NFQUEUE), "
                                         "rate (tbf)",
                                         &MakePacket);

}  // namespace
}  // namespace faultline
