// `faultline fault start|stop|status|kill|pause`: faults by hand, for
// exploratory chaos testing on a cluster that is up (the local cluster, or
// --nodes with the SSH flags), through the nemeses' own code and recorded in
// the fault ledger of --store (harness/run/manual_faults.h), so `fault stop`,
// `cluster heal` and the next `faultline test` undo them.
//   faultline fault start partition --partition halves
//   faultline fault start packet --packet-loss 0.3
//   faultline fault start clock --clock-max-skew-ms 3000
//   faultline fault kill n2            (= fault start kill --on n2)
//   faultline fault status
//   faultline fault stop [KIND]
// Exit: 0 done, 3 bad flags, nothing to stop, or a kill/pause of a store that
// is not running (refused before anything is recorded), 4 a node could not be
// reached or the fault could not be (fully) applied or undone.
#include <cstdio>
#include <map>
#include <random>

#include "harness/cli/cli.h"
#include "harness/cli/node_target_flags.h"
#include "harness/run/manual_faults.h"
#include "harness/core/split_commas.h"
#include "nemesis/nemesis_support.h"

namespace faultline {
namespace {

using nlohmann::json;

// The fault options, as `faultline test` takes them (test_spec.cc).
struct FaultFlagValues {
  NodeTargetFlags nodes;
  std::string partition, clock_strategy, fault_targets, on;
  double clock_max_skew_ms = 0, packet_loss = 0;
  std::vector<std::string> nemesis_opts;
  long long seed = 0;
};

// The flags `fault <sub>` takes: every subcommand the nodes and target ones;
// stop also what changes how a fault is undone (--clock-strategy,
// --nemesis-opt); start also what chooses the fault.
void AddFaultFlags(const std::string& sub, Flags& f, FaultFlagValues* v) {
  AddNodeTargetFlags(f, &v->nodes);
  if (sub != "start" && sub != "stop") return;
  f.String("clock-strategy", &v->clock_strategy, "faketime|system", "STRATEGY");
  f.Strings("nemesis-opt", &v->nemesis_opts, "nemesis option key=value (repeatable)");
  if (sub != "start") return;
  f.String("partition", &v->partition, "partition kind: one, halves, random-halves, majority, "
                                       "majorities-ring, bridge (default majority)", "KIND");
  f.Double("clock-max-skew-ms", &v->clock_max_skew_ms, "largest clock offset (default 5000)");
  f.Double("packet-loss", &v->packet_loss, "fraction of packets dropped (default 0.2)");
  f.String("fault-targets", &v->fault_targets, "one|minority|majority|all: which nodes", "WHICH");
  f.String("on", &v->on, "kill/pause/slow/disk exactly these nodes (comma list, e.g. n2)");
  f.Int("seed", &v->seed, "seed for the nemesis's random choices (default: random)");
}

Result<NemesisOptions> OptionsFrom(const Flags& flags, const FaultFlagValues& v) {
  NemesisOptions options;
  for (const auto& kv : v.nemesis_opts) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Error("--nemesis-opt: expected key=value, got \"" + kv + "\"");
    }
    options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto number = [](double d) { return json(d).dump(); };
  if (flags.WasSet("partition")) options["partition"] = v.partition;
  if (flags.WasSet("clock-max-skew-ms")) options["clock-max-skew-ms"] = number(v.clock_max_skew_ms);
  if (flags.WasSet("clock-strategy")) options["clock-strategy"] = v.clock_strategy;
  if (flags.WasSet("packet-loss")) options["packet-loss"] = number(v.packet_loss);
  if (flags.WasSet("fault-targets")) options["targets"] = v.fault_targets;
  return options;
}

std::string Value(const Op& op) {
  return op.value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// One `fault <sub>` invocation: its flags, then (Prepare) the connected
// nodes and the context the library calls take. Not copyable (the flags
// point into `values`).
struct Invocation {
  explicit Invocation(const std::string& sub) : sub(sub), flags("fault " + sub) {
    AddFaultFlags(sub, flags, &values);
  }
  Invocation(const Invocation&) = delete;
  Invocation& operator=(const Invocation&) = delete;

  // Parses `args`, connects to the nodes. Returns -1 to go on, else the exit code.
  int Prepare(const std::vector<std::string>& args, const std::string& usage, size_t max_positionals) {
    const std::string command = "fault " + sub;
    Status parsed = flags.Parse(args);
    if (!parsed.ok()) return BadInput(command, parsed.message());
    if (flags.help_requested()) {
      std::printf("usage: faultline fault %s\n\n%s", usage.c_str(), flags.Usage().c_str());
      return kExitValid;
    }
    if (flags.positionals().size() > max_positionals) {
      return BadInput(command, "unexpected argument \"" + flags.positionals()[max_positionals] + "\"");
    }
    auto options = OptionsFrom(flags, values);
    if (!options.ok()) return BadInput(command, options.status().message());
    int code = kExitValid;
    nodes = ConnectNodeTarget(command, flags, values.nodes, &code);
    if (!nodes) return code;
    ctx.store = values.nodes.store;
    ctx.cluster = &nodes->cluster;
    ctx.db = nodes->target.db.get();
    ctx.options = std::move(*options);
    if (flags.WasSet("seed")) {
      ctx.seed = static_cast<uint64_t>(values.seed);
    } else {
      std::random_device rd;
      ctx.seed = (static_cast<uint64_t>(rd()) << 32) | rd();
    }
    return -1;
  }

  std::string sub;
  FaultFlagValues values;
  Flags flags;
  std::unique_ptr<ConnectedNodes> nodes;
  ManualFaultContext ctx;
};

int Start(const std::string& sub, const std::string& kind, const std::vector<std::string>& args,
          const std::vector<std::string>& on_nodes) {
  Invocation in(sub);
  Flags& flags = in.flags;
  ManualFaultContext& ctx = in.ctx;
  std::string usage = sub == "start" ? "start KIND [flags]   (KIND: partition, packet, clock, kill, pause)"
                                     : sub + " NODE...";
  int rc = in.Prepare(args, usage, sub == "start" ? 1 : 64);
  if (rc >= 0) return rc;
  std::string fault = kind;
  std::vector<std::string> targets = on_nodes;
  if (sub == "start") {
    if (flags.positionals().empty()) return BadInput("fault start", "which fault? (partition, packet, clock, kill, pause, disk)");
    fault = flags.positionals()[0];
    targets = SplitCommas(in.values.on);
  } else {
    targets = flags.positionals();
    if (targets.empty()) return BadInput("fault " + sub, "which node? e.g. faultline fault " + sub + " n2");
  }
  json value = nullptr;
  if (!targets.empty()) {
    if (fault != "kill" && fault != "pause" && fault != "packet" && fault != "disk") {
      return BadInput("fault " + sub, "--on is for kill, pause, packet and disk (use --fault-targets for " +
                                          fault + ")");
    }
    for (const auto& t : targets) {
      if (NodesNamed(*ctx.cluster, {t}).empty()) {
        return BadInput("fault " + sub, "unknown node \"" + t + "\" (nodes: " +
                                            [&] {
                                              std::string names;
                                              for (const auto& n : NodeNames(*ctx.cluster)) {
                                                names += (names.empty() ? "" : ", ") + n;
                                              }
                                              return names;
                                            }() + ")");
      }
    }
    value = {{"nodes", targets}};
  }
  bool refused = false;
  auto done = StartManualFault(ctx, fault, value, &refused);
  if (!done.ok()) {
    const std::string& m = done.status().message();
    std::fprintf(stderr, "faultline fault %s: %s\n", sub.c_str(), m.c_str());
    return refused ? kExitBadInput : kExitInfra;
  }
  if (!done->error.empty()) {
    std::fprintf(stderr,
                 "faultline fault %s: %s (recorded: faultline fault stop %s undoes what was applied)\n",
                 sub.c_str(), done->error.c_str(), done->f.substr(6).c_str());
    return kExitInfra;
  }
  std::printf("started %s: %s\n", done->f.substr(6).c_str(), Value(*done).c_str());
  return kExitValid;
}

int RunStart(const std::vector<std::string>& args) { return Start("start", "", args, {}); }
int RunKill(const std::vector<std::string>& args) { return Start("kill", "kill", args, {}); }
int RunPause(const std::vector<std::string>& args) { return Start("pause", "pause", args, {}); }

int RunStop(const std::vector<std::string>& args) {
  Invocation in("stop");
  Flags& flags = in.flags;
  ManualFaultContext& ctx = in.ctx;
  int rc = in.Prepare(args, "stop [KIND]   (default: every fault started by hand)", 1);
  if (rc >= 0) return rc;
  std::string kind = flags.positionals().empty() ? "" : flags.positionals()[0];
  auto stops = StopManualFaults(ctx, kind);
  if (!stops.ok()) {
    std::fprintf(stderr, "faultline fault stop: %s\n", stops.status().message().c_str());
    return stops.status().message().rfind("no ", 0) == 0 ? kExitBadInput : kExitInfra;
  }
  bool all_ok = true;
  for (const auto& op : *stops) {
    if (op.error.empty()) {
      std::printf("stopped %s: %s\n", op.f.substr(5).c_str(), Value(op).c_str());
    } else {
      std::fprintf(stderr, "faultline fault stop: %s: %s (still recorded; faultline cluster heal undoes it)\n",
                   op.f.substr(5).c_str(), op.error.c_str());
      all_ok = false;
    }
  }
  return all_ok ? kExitValid : kExitInfra;
}

void PrintRecord(const std::string& what, const LedgerRun& run) {
  for (const auto& [fault, entry] : run.faults.items()) {
    std::string value = entry.contains("value") && !entry["value"].is_null()
                            ? entry["value"].dump(-1, ' ', false, json::error_handler_t::replace)
                            : "(being applied)";
    std::printf("%s: %s since %s: %s\n", what.c_str(), fault.c_str(),
                entry.value("since", std::string("?")).c_str(), value.c_str());
  }
}

int RunFaultStatus(const std::vector<std::string>& args) {
  Invocation in("status");
  ManualFaultContext& ctx = in.ctx;
  int rc = in.Prepare(args, "status", 0);
  if (rc >= 0) return rc;
  auto report = ManualFaultStatus(ctx);
  if (!report.ok()) {
    std::fprintf(stderr, "faultline fault status: %s\n", report.status().message().c_str());
    return kExitInfra;
  }
  bool any = !report->by_hand.faults.empty();
  PrintRecord("by hand", report->by_hand);
  for (const auto& run : report->live) {
    any = true;
    std::printf("run %s (pid %d) is running\n", run.run_dir.c_str(), run.controller.pid);
    PrintRecord("  run", run);
  }
  for (const auto& run : report->leftover) {
    any = true;
    std::printf("crashed run %s left: %s (healed by the next test or cluster heal)\n",
                run.run_dir.c_str(), DescribeFaults(run).c_str());
  }
  if (!any) std::printf("no fault recorded in %s\n", FaultLedgerPath(ctx.store).c_str());
  bool all_ok = true;
  for (const auto& n : report->nodes) {
    std::string line = std::to_string(n.faultline_rules) + " FAULTLINE rules";
    std::string qdiscs;
    for (const auto& q : n.qdiscs) qdiscs += (qdiscs.empty() ? "" : ", ") + q;
    line += "; qdisc " + (qdiscs.empty() ? std::string("none") : qdiscs);
    if (n.shaper) line += "; shaper running";
    if (!n.clock_offset.empty()) line += "; clock offset " + n.clock_offset + " s";
    if (!n.store.empty()) line += "; store " + n.store;
    std::printf("%s: %s\n", n.node.c_str(), line.c_str());
    for (const auto& e : n.errors) {
      std::fprintf(stderr, "faultline fault status: %s: %s\n", n.node.c_str(), e.c_str());
      all_ok = false;
    }
  }
  return all_ok ? kExitValid : kExitInfra;
}

int RunFault(const std::vector<std::string>& args) {
  static const std::map<std::string, std::pair<CommandFn, const char*>> subs = {
      {"start", {&RunStart, "start a fault: partition, packet, clock, kill, pause"}},
      {"stop", {&RunStop, "stop the faults started by hand (one KIND, or all)"}},
      {"status", {&RunFaultStatus, "what is active: the fault ledger and what each node shows"}},
      {"kill", {&RunKill, "kill the store on the given nodes (fault start kill --on ...)"}},
      {"pause", {&RunPause, "pause (SIGSTOP) the store on the given nodes"}},
  };
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::printf("usage: faultline fault <subcommand> [flags]\n\nsubcommands:\n");
    for (const auto& [name, sub] : subs) std::printf("  %-7s %s\n", name.c_str(), sub.second);
    return args.empty() ? kExitBadInput : kExitValid;
  }
  auto it = subs.find(args[0]);
  if (it == subs.end()) {
    return BadInput("fault", "unknown subcommand \"" + args[0] + "\" (known: kill, pause, start, status, stop)");
  }
  return it->second.first(std::vector<std::string>(args.begin() + 1, args.end()));
}

Registrar<CommandFn> kFaultCommand("fault", "faults by hand on a running cluster: start, stop, status, kill, pause",
                         &RunFault);

}  // namespace
}  // namespace faultline
