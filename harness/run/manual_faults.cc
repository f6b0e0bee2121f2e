#include "harness/run/manual_faults.h"

#include <map>
#include <mutex>

#include "harness/core/rng.h"
#include "nemesis/faultline_chain.h"
#include "nemesis/nemesis_support.h"
#include "nemesis/packet_shaper.h"
#include "targets/daemon_db.h"

namespace faultline {

using nlohmann::json;

namespace {

// The nemesis of `kind`, made from the options and set up on the cluster.
// `*refused` says whether an error refuses the request itself (an unknown
// kind, bad options, a fault the target cannot take: exit 3) rather than
// reports that the setup failed on this machine or the nodes (a missing
// binary, an unreachable node: exit 4). With `probe`, a node that lacks
// what the fault needs (node_needs.h) refuses it too, before Setup touches
// the nodes; a stop does not probe (it must undo what is there).
Result<std::unique_ptr<Nemesis>> SetUpNemesis(const ManualFaultContext& ctx, const std::string& kind,
                                              bool* refused, bool probe) {
  *refused = true;
  const auto* entry = NemesisRegistry::Get().Find(kind);
  if (entry == nullptr) {
    return Status::Error("unknown fault \"" + kind + "\" (known: " + NemesisRegistry::Get().NamesJoined() +
                         ")");
  }
  auto nemesis = entry->factory(ctx.options);
  if (!nemesis.ok()) return nemesis.status();
  if (Status fits = (*nemesis)->CheckTarget(ctx.db); !fits.ok()) return fits;
  if (probe) {
    if (Status fits = CheckNodeNeeds(*ctx.cluster, {nemesis->get()}); !fits.ok()) return fits;
  }
  *refused = false;
  if (Status s = (*nemesis)->Setup(*ctx.cluster, ctx.db); !s.ok()) return s;
  return std::move(*nemesis);
}

std::string FaultOf(const Nemesis& nemesis) {
  auto pairs = nemesis.Faults();
  return pairs.empty() ? nemesis.name() : pairs[0].start.substr(6);  // "start-" + fault
}

std::string TrimNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// For kill and pause: "" when the store's process can take the fault on
// every node it may hit (the nodes of `value`, else all), else why not
// ("the store is not running on n2 (...)"). A kill needs a process (running
// or paused), a pause a running one. Errors: a node could not be read. Dbs
// other than DaemonDb cannot say: "".
Result<std::string> WhyStoreCannotTake(const ManualFaultContext& ctx, const std::string& kind,
                                       const json& value) {
  auto* daemon = dynamic_cast<DaemonDb*>(ctx.db);
  if (daemon == nullptr || (kind != "kill" && kind != "pause")) return std::string();
  const bool named = value.is_object() && value.contains("nodes") && value["nodes"].is_array();
  std::vector<std::string> names;
  if (named) {
    for (const auto& n : value["nodes"]) {
      if (n.is_string()) names.push_back(n.get<std::string>());
    }
  } else {
    names = NodeNames(*ctx.cluster);
  }
  const std::vector<const NodeInfo*> nodes = NodesNamed(*ctx.cluster, names);
  std::map<std::string, std::string> states;  // node -> ProcessState
  std::mutex mu;
  Status read = ForEachNode(nodes, [&](const NodeInfo& n) {
    auto state = daemon->ProcessState(n);
    if (!state.ok()) return state.status();
    std::lock_guard<std::mutex> lock(mu);
    states[n.name] = *state;
    return Status::Ok();
  });
  if (!read.ok()) return read;
  std::string not_running, paused;
  for (const NodeInfo* n : nodes) {
    const std::string& state = states[n->name];
    if (state == "not running") not_running += (not_running.empty() ? "" : ", ") + n->name;
    if (state == "stopped" && kind == "pause") paused += (paused.empty() ? "" : ", ") + n->name;
  }
  std::string why;
  if (!not_running.empty()) why = "the store is not running on " + not_running;
  if (!paused.empty()) why += (why.empty() ? "" : "; ") + ("the store is already paused on " + paused);
  if (why.empty()) return why;
  return kind + " refused: " + why + " (faultline fault status shows each node" +
         (named ? "" : "; name the nodes to " + kind + " with --on") + ")";
}

}  // namespace

Result<Op> StartManualFault(const ManualFaultContext& ctx, const std::string& kind, const json& value,
                            bool* refused) {
  bool refusal = false;
  if (refused == nullptr) refused = &refusal;
  *refused = true;
  json start_value = value;
  if (kind == "clock") {
    std::string kinds = ctx.options.count("clock") ? ctx.options.at("clock") : "bump";
    if (kinds != "bump") {
      return Status::Error("clock by hand is a bump only (strobe and drift need a running "
                           "controller: use faultline test --nemesis clock)");
    }
    if (start_value.is_null()) start_value = json::object();
    start_value["kind"] = "bump";
  }
  auto nemesis = SetUpNemesis(ctx, kind, refused, /*probe=*/true);
  if (!nemesis.ok()) return nemesis.status();
  *refused = false;
  const std::string fault = FaultOf(**nemesis);
  auto recorded = FindManualFaults(ctx.store, *ctx.cluster);
  if (!recorded.ok()) return recorded.status();
  if (recorded->faults.contains(fault)) {
    *refused = true;
    return Status::Error(fault + " was already started by hand on these nodes (since " +
                         recorded->faults[fault].value("since", std::string("?")) +
                         "): faultline fault stop " + fault + " first");
  }
  auto why_not = WhyStoreCannotTake(ctx, kind, start_value);
  if (!why_not.ok()) return why_not.status();
  if (!why_not->empty()) {
    *refused = true;
    return Status::Error(*why_not);
  }
  // Write-ahead: recorded before anything touches the nodes.
  if (Status s = RecordManualFault(ctx.store, *ctx.cluster, fault, nullptr); !s.ok()) {
    return s.Prefixed("fault ledger");
  }
  Rng rng(ctx.seed);
  Op invoke;
  invoke.f = "start-" + fault;
  invoke.value = start_value;
  Op done = (*nemesis)->Invoke(invoke, rng);
  Status r = RecordManualFault(ctx.store, *ctx.cluster, fault, done.value.is_null() ? json::object()
                                                                                    : done.value);
  if (!r.ok()) done.error += (done.error.empty() ? "" : "; ") + ("fault ledger: " + r.message());
  return done;
}

Result<std::vector<Op>> StopManualFaults(const ManualFaultContext& ctx, const std::string& kind) {
  auto recorded = FindManualFaults(ctx.store, *ctx.cluster);
  if (!recorded.ok()) return recorded.status();
  std::vector<std::string> faults;
  for (const auto& [fault, entry] : recorded->faults.items()) {
    if (kind.empty() || fault == kind) faults.push_back(fault);
  }
  if (faults.empty()) {
    return Status::Error(kind.empty() ? "no fault was started by hand on these nodes"
                                      : "no " + kind + " fault was started by hand on these nodes");
  }
  std::vector<Op> stops;
  for (const auto& fault : faults) {
    Op stop;
    stop.f = "stop-" + fault;
    bool refused = false;
    auto nemesis = SetUpNemesis(ctx, fault, &refused, /*probe=*/false);
    if (!nemesis.ok()) {
      stop.error = nemesis.status().message();
      stops.push_back(stop);
      continue;
    }
    const json& start = recorded->faults[fault]["value"];
    Status adopted = (*nemesis)->Adopt(start);
    Rng rng(ctx.seed);
    if (adopted.ok()) {
      stop = (*nemesis)->Invoke(stop, rng);
    } else {
      // Cannot take it over (or it was never applied): undo everything of its kind.
      Status healed = (*nemesis)->Heal();
      stop.value = {{"healed", "all of " + fault}, {"why", adopted.message()}};
      if (!healed.ok()) stop.error = healed.message();
    }
    if (stop.error.empty()) {
      Status forgot = ForgetManualFault(ctx.store, *ctx.cluster, fault);
      if (!forgot.ok()) stop.error = "fault ledger: " + forgot.message();
    }
    stops.push_back(stop);
  }
  return stops;
}

Result<FaultStatusReport> ManualFaultStatus(const ManualFaultContext& ctx) {
  FaultStatusReport report;
  auto by_hand = FindManualFaults(ctx.store, *ctx.cluster);
  if (!by_hand.ok()) return by_hand.status();
  report.by_hand = std::move(*by_hand);
  auto live = FindLiveRuns(ctx.store, *ctx.cluster);
  if (!live.ok()) return live.status();
  report.live = std::move(*live);
  auto leftover = FindLeftoverRuns(ctx.store, *ctx.cluster);
  if (!leftover.ok()) return leftover.status();
  for (auto& run : *leftover) {
    if (!run.manual) report.leftover.push_back(std::move(run));
  }

  const ClusterInfo& cluster = *ctx.cluster;
  report.nodes.resize(cluster.nodes.size());
  auto* skewable = dynamic_cast<ClockSkewable*>(ctx.db);
  auto* daemon = dynamic_cast<DaemonDb*>(ctx.db);
  ForEachNode(AllNodes(cluster), [&](const NodeInfo& n) {
    NodeFaultState& state = report.nodes[&n - cluster.nodes.data()];
    state.node = n.name;
    if (!n.remote) {
      state.errors.push_back("no remote to reach the node");
      return Status::Ok();
    }
    auto rules = ListChainRules(*n.remote);
    if (rules.ok()) {
      state.faultline_rules = rules->size();
    } else {
      state.errors.push_back(rules.status().message());
    }
    auto qdiscs = ExecOrError(
        *n.remote,
        "command -v tc >/dev/null 2>&1 || exit 0; for d in $(ls /sys/class/net); do "
        "q=$(tc qdisc show dev \"$d\" root 2>/dev/null | grep -o -w -m1 'netem\\|tbf'); "
        "[ -n \"$q\" ] && echo \"$q on $d\"; done; true");
    if (qdiscs.ok()) {
      state.qdiscs = SplitLines(*qdiscs);
    } else {
      state.errors.push_back(qdiscs.status().message());
    }
    auto shaper = ShaperRunning(*n.remote);
    if (shaper.ok()) {
      state.shaper = *shaper;
    } else {
      state.errors.push_back(shaper.status().message());
    }
    const std::string file = skewable ? skewable->FaketimeOffsetFile(n) : "";
    if (!file.empty()) {
      auto offset = ExecOrError(*n.remote, "cat " + ShellQuote(file) + " 2>/dev/null || true");
      if (offset.ok()) {
        state.clock_offset = TrimNewlines(*offset);
      } else {
        state.errors.push_back(offset.status().message());
      }
    }
    if (daemon) {
      auto process = daemon->ProcessState(n);
      if (process.ok()) {
        state.store = *process;
      } else {
        state.errors.push_back(process.status().message());
      }
    }
    return Status::Ok();
  });
  return report;
}

}  // namespace faultline
