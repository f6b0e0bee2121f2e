#include "harness/run/runner.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

#include "harness/control/nodes.h"
#include "harness/core/version.h"
#include "harness/history/history_writer.h"
#include "harness/run/interpreter.h"
#include "harness/run/interrupts.h"
#include "harness/run/leftover_faults.h"
#include "harness/run/check_and_report.h"
#include "harness/run/nemesis_driver.h"
#include "harness/run/nemesis_schedule.h"
#include "harness/run/run_log.h"
#include "harness/run/run_scopes.h"
#include "harness/run/status_reporter.h"
#include "nemesis/node_needs.h"
#include "results/run_store.h"
#include "results/runs_index.h"

namespace faultline {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Runs a client for one worker thread.
class ClientExecutor : public Executor {
 public:
  explicit ClientExecutor(std::unique_ptr<Client> client) : client_(std::move(client)) {}
  ~ClientExecutor() override {
    try {
      client_->Close();
    } catch (...) {
    }
  }
  Op Execute(const Op& invoke) override { return client_->Invoke(invoke); }

 private:
  std::unique_ptr<Client> client_;
};

void SleepInterruptibly(double seconds, int max_signals) {
  auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(seconds));
  while (Clock::now() < until && InterruptGuard::Count() < max_signals) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// What the steps of one run share; made by PrepareRun, lives for RunTest.
struct RunState {
  ResolvedSpec rs;  // spec (seed fixed), target, workload, nemeses
  std::string run_dir;
  std::unique_ptr<RunLog> log;
  std::shared_ptr<HistoryWriter> history;
  Rng gen_rng{0};
  uint64_t nemesis_seed = 0;
  ClusterInfo cluster;  // in-process until ConnectToNodes fills in the nodes
  std::vector<std::unique_ptr<Remote>> remotes;
  std::vector<Nemesis*> nemeses;  // set up, in spec order
  std::vector<FaultPair> faults;
  std::unique_ptr<FaultLedger> ledger;  // on nodes only; declared before board
  FaultBoard board;
  bool nemesis_thread = false;
};

const TestSpec& Spec(const RunState& run) { return run.rs.spec; }

ClusterInfo InProcessCluster(const std::string& run_dir) {
  ClusterInfo c;
  c.run_dir = run_dir;
  // The controller itself: an in-process store, or a store on its loopback
  // (an external target whose spec says "nodes": "none").
  c.nodes.push_back(NodeInfo{"local", "127.0.0.1", nullptr});
  return c;
}

// OK when `store` is, or can be made, a directory: it and its nearest
// existing ancestor must be directories. Else "--store PATH: ...".
Status CheckStoreDir(const std::string& store) {
  std::error_code ec;
  fs::path p = store.empty() ? fs::path(".") : fs::path(store);
  for (fs::path at = p;; at = at.parent_path()) {
    if (at.empty()) at = ".";
    auto st = fs::status(at, ec);
    if (fs::exists(st)) {
      if (fs::is_directory(st)) return Status::Ok();
      return Status::Error("--store " + store + ": " +
                           (at == p ? "is not a directory" : at.string() + " is not a directory"));
    }
    if (at == at.parent_path() || at == ".") return Status::Ok();
  }
}

// Before the run exists: a node that cannot take one of the spec's faults
// (no NET_ADMIN for iptables, no /dev/fuse, ...) refuses the run as a bad
// spec, with no run directory left behind. Connects on its own, without
// recording host keys (the run's own connection does); a node it cannot
// reach is left for ConnectToNodes to report as an infrastructure error.
Status ProbeNodeNeeds(const RunState& run) {
  std::vector<Nemesis*> nemeses;
  for (const auto& n : run.rs.nemeses) nemeses.push_back(n.get());
  if (NeedsOf(nemeses).empty()) return Status::Ok();
  auto remotes = ConnectNodes(Spec(run).nodes, "");
  if (!remotes.ok()) return Status::Ok();
  ClusterInfo cluster;
  for (auto& r : *remotes) cluster.nodes.push_back(NodeInfo{r->node(), r->address(), r.get()});
  return CheckNodeNeeds(cluster, nemeses);
}

// Step 1: resolve the spec, fix and print the seed, create the run directory
// with test.json and faultline.log, open history.jsonl. Returns kExitValid
// when the run may go on, else the exit code (3 bad spec, 4 infrastructure);
// `run_dir` is set as soon as the directory exists.
int PrepareRun(const TestSpec& spec_in, RunState* run, std::string* run_dir) {
  auto resolved = ResolveSpec(spec_in);
  if (!resolved.ok()) {
    std::fprintf(stderr, "faultline test: %s\n", resolved.status().message().c_str());
    return kExitBadInput;
  }
  run->rs = std::move(*resolved);
  TestSpec& spec = run->rs.spec;
  // What can be checked before the run exists: a usage error leaves no seed
  // line and no run directory behind (an unreachable node is found later).
  Status usable = CheckStoreDir(spec.store);
  if (usable.ok() && run->rs.target.needs_nodes) usable = CheckNodeOptions(spec.nodes);
  if (usable.ok() && run->rs.target.needs_nodes) usable = ProbeNodeNeeds(*run);
  if (!usable.ok()) {
    std::fprintf(stderr, "faultline test: %s\n", usable.message().c_str());
    return kExitBadInput;
  }
  if (!spec.seed_set) {
    std::random_device rd;
    spec.seed = ((static_cast<uint64_t>(rd()) << 32) | rd()) & ((1ULL << 62) - 1);
    spec.seed_set = true;
  }
  std::printf("seed: %llu\n", static_cast<unsigned long long>(spec.seed));
  std::fflush(stdout);
  auto dir = CreateRunDir(spec.store, spec.name);
  if (!dir.ok()) {
    std::fprintf(stderr, "faultline test: %s\n", dir.status().message().c_str());
    return kExitInfra;
  }
  *run_dir = run->run_dir = *dir;
  run->log = std::make_unique<RunLog>(run->run_dir + "/faultline.log");
  run->cluster = InProcessCluster(run->run_dir);
  run->cluster.log = [log = run->log.get()](const std::string& line) { log->Line(line); };
  run->cluster.workload = spec.workload;
  run->cluster.workload_opts = spec.workload_opts;
  run->cluster.stop_requested = [] { return InterruptGuard::Count() >= 1; };
  // The spec plus the build that ran it, so a stored run names its faultline.
  json test_json = SpecToJson(spec);
  test_json["faultline_version"] = FaultlineVersion();
  Status ws = WriteJsonFile(run->run_dir + "/test.json", test_json);
  if (!ws.ok()) {
    run->log->Line("faultline test: " + ws.message());
    return kExitInfra;
  }
  // serve tells runs of one test apart by these, while they run too.
  if (std::string key = RunKey(spec.store, run->run_dir); !key.empty()) {
    (void)AppendRunIndex(spec.store, {{"run", key}, {"settings", RunSettings(test_json)}});
  }
  run->log->Line("test " + spec.name + ": target " + spec.target + ", workload " + spec.workload +
                 ", " + std::to_string(spec.concurrency) + " workers, run dir " + run->run_dir);
  Rng seed_rng(spec.seed);
  run->gen_rng = seed_rng.Fork();
  run->nemesis_seed = seed_rng.Next();
  auto history = HistoryWriter::Open(run->run_dir + "/history.jsonl");
  if (!history.ok()) {
    run->log->Line("faultline test: " + history.status().message());
    return kExitInfra;
  }
  run->history = std::shared_ptr<HistoryWriter>(std::move(*history));
  return kExitValid;
}

// Step 2: connect to the nodes (--nodes/--nodes-file, else the local cluster:
// ConnectNodes says to run `faultline cluster up` when there is none), in
// parallel. Targets without nodes keep the one "local" node (the controller).
Status ConnectToNodes(RunState& run) {
  if (!run.rs.target.needs_nodes) return Status::Ok();
  auto connected = ConnectNodes(Spec(run).nodes, run.run_dir);
  if (!connected.ok()) return connected.status();
  run.remotes = std::move(*connected);
  run.cluster.nodes.clear();
  for (auto& r : run.remotes) run.cluster.nodes.push_back(NodeInfo{r->node(), r->address(), r.get()});
  std::string names;
  for (const auto& n : run.cluster.nodes) names += (names.empty() ? "" : ", ") + n.name;
  run.log->Line("connected to " + std::to_string(run.cluster.nodes.size()) + " nodes: " + names);
  return Status::Ok();
}

// Step 2b (on nodes): heal the nodes (whatever a crashed run left on them;
// refused while another run of this store is live on them), then
// record this run in the fault ledger, so that a crash of ours is healed by
// the next run in turn (leftover_faults.h, fault_ledger.h).
Status HealLeftoversAndOpenLedger(RunState& run) {
  if (!run.rs.target.needs_nodes) return Status::Ok();
  const std::string& store = Spec(run).store;
  auto healed = HealLeftoverFaults(store, run.cluster, run.rs.target.db.get(),
                                   "faultline test (run " + run.run_dir + ")", true);
  if (!healed.ok()) return healed.status();
  if (std::string e = healed->FirstError(); !e.empty()) return Status::Error("cannot heal " + e);
  for (const auto& line : healed->lines) run.log->Line(line);
  for (const auto& report : healed->node_reports) {
    std::string done;
    for (const auto& d : report.done) done += (done.empty() ? "" : "; ") + d;
    run.log->Line("healed " + report.node + " before use: " + done, false);  // log only
  }
  auto ledger = FaultLedger::Open(store, run.run_dir, run.cluster, run.log.get());
  if (!ledger.ok()) return ledger.status();
  run.ledger = std::move(*ledger);
  run.board.AttachLedger(run.ledger.get());
  return Status::Ok();
}

// Step 3: Db teardown then setup on every node, in parallel.
Status SetUpDb(RunState& run) {
  Db* db = run.rs.target.db.get();
  if (!db) return Status::Ok();
  run.log->Line("setting up " + Spec(run).target + " on " + std::to_string(run.cluster.nodes.size()) +
                " nodes");
  return ForEachNode(run.cluster, [&](const NodeInfo& n) {
    Status t = db->Teardown(run.cluster, n);
    if (!t.ok()) return t.Prefixed("teardown");
    return db->Setup(run.cluster, n).Prefixed("setup");
  });
}

// Step 3b: set up every nemesis of the spec on the cluster.
Status SetUpNemeses(RunState& run) {
  for (auto& n : run.rs.nemeses) {
    Status s = n->Setup(run.cluster, run.rs.target.db.get());
    if (!s.ok()) return s.Prefixed("nemesis " + n->name());
    run.nemeses.push_back(n.get());
    for (const auto& p : n->Faults()) run.faults.push_back(p);
  }
  run.nemesis_thread = !run.nemeses.empty();
  return Status::Ok();
}

// Step 4: one worker per client, round-robin over the nodes (each opens its
// client in its own thread), plus the nemesis thread when there are faults.
Result<std::unique_ptr<Interpreter>> StartWorkers(RunState& run) {
  const int clients = static_cast<int>(Spec(run).concurrency);
  Interpreter::Options io;
  io.clients = clients;
  io.nemesis = run.nemesis_thread;
  io.op_timeout_s = Spec(run).op_timeout_s;
  const auto& nodes = run.cluster.nodes;
  for (int t = 0; t < clients; ++t) io.client_nodes.push_back(nodes[t % nodes.size()].name);
  ExecutorFactory factory = [&run, clients](int thread) -> Result<std::unique_ptr<Executor>> {
    if (thread >= clients) {
      return std::unique_ptr<Executor>(
          new NemesisExecutor(run.nemeses, run.nemesis_seed, &run.board));
    }
    // The client's log lines name its worker; they go to faultline.log only
    // (an adapter's stderr would drown the console).
    ClusterInfo cluster = run.cluster;
    cluster.log = [log = run.log.get(), thread](const std::string& line) {
      log->Line("worker " + std::to_string(thread) + ": " + line, false);
    };
    const NodeInfo& node = cluster.nodes[thread % cluster.nodes.size()];
    auto client = run.rs.target.new_client();
    Status s = client->Open(cluster, node);
    if (!s.ok()) return s.Prefixed("client for " + node.name);
    return std::unique_ptr<Executor>(new ClientExecutor(std::move(client)));
  };
  return Interpreter::Start(io, factory, run.history, Clock::now());
}

// Step 5: the workload's generator (staggered to --rate) and the nemesis
// schedule drive the workers until the time limit or the first signal.
void RunMainPhase(RunState& run, Interpreter& in, StatusReporter& status) {
  const TestSpec& spec = Spec(run);
  GenPtr client_gen = run.rs.workload->Generator();
  if (spec.rate > 0 && spec.rate < 1e9) client_gen = Stagger(1.0 / spec.rate, std::move(client_gen));
  GenPtr main_gen;
  if (run.nemesis_thread) {
    GenPtr schedule;
    if (spec.nemesis_schedule == "alternate") {
      schedule = AlternateSchedule(run.faults, spec.nemesis_interval_s);
    } else if (spec.nemesis_schedule == "overlap") {
      schedule = OverlapSchedule(run.faults, spec.nemesis_interval_s);
    } else {
      schedule = FileSchedule(run.rs.schedule);
    }
    main_gen = ClientsNemesis(std::move(client_gen), std::move(schedule));
  } else {
    main_gen = Clients(std::move(client_gen));
  }
  main_gen = TimeLimit(spec.time_limit_s, std::move(main_gen));
  main_gen->Seed(run.gen_rng);
  status.SetPhase("main", spec.time_limit_s);
  std::string faults;
  if (run.nemesis_thread) {
    faults = IsScheduleMode(spec.nemesis_schedule)
                 ? ", faults " + std::string(spec.nemesis_schedule == "overlap" ? "overlapping" : "alternating") +
                       " around every " + json(spec.nemesis_interval_s).dump() + "s"
                 : ", faults from " + spec.nemesis_schedule + " (" + std::to_string(run.rs.schedule.size()) +
                       " steps)";
  }
  run.log->Line("main phase: " + json(spec.time_limit_s).dump() + "s" + faults);
  Status s = in.Run(*main_gen, [] { return InterruptGuard::Count() >= 1; });
  if (!s.ok()) throw std::runtime_error(s.message());
  if (InterruptGuard::Count() >= 1) run.log->Line("interrupted: stopping, healing, saving");
}

// Step 6: heal (a recorded stop op for each active fault, then Heal() on
// every nemesis), the recovery wait, the workload's final reads.
void RunFinalPhase(RunState& run, Interpreter& in, StatusReporter& status, HealScope& heal_scope) {
  const TestSpec& spec = Spec(run);
  status.SetPhase("final", spec.final_time_limit_s);
  if (run.nemesis_thread) {
    std::vector<Op> stops;
    for (const auto& fault : run.board.Active()) {
      Op op;
      op.f = "stop-" + fault;
      stops.push_back(op);
    }
    GenPtr heal = NemesisOnly(EmitAll(std::move(stops)));
    heal->Seed(run.gen_rng);
    in.Run(*heal, [] { return false; });
    Status healed = heal_scope.HealAll();
    run.log->Line(std::string(healed.ok() ? "healed all faults" : "a heal failed (see above)") +
                  "; waiting " + json(spec.recovery_s).dump() + "s to recover");
    SleepInterruptibly(spec.recovery_s, 1);
  }
  GenPtr final_gen = run.rs.workload->FinalGenerator();
  if (final_gen && InterruptGuard::Count() == 0) {
    run.log->Line("final reads");
    final_gen = TimeLimit(spec.final_time_limit_s, Clients(std::move(final_gen)));
    final_gen->Seed(run.gen_rng);
    Status s = in.Run(*final_gen, [] { return InterruptGuard::Count() >= 1; });
    if (!s.ok()) throw std::runtime_error(s.message());
  }
}

// Step 7a: close the clients, log the counts, close (fsync) the history.
void CloseClients(RunState& run, Interpreter& in) {
  in.Shutdown();
  const auto& c = in.counters();
  run.log->Line("recorded " + std::to_string(run.history->size()) + " events: ok " +
                std::to_string(c.ok.load()) + ", fail " + std::to_string(c.fail.load()) +
                ", info " + std::to_string(c.info.load()));
  Status hs = run.history->Close();
  if (!hs.ok()) throw std::runtime_error(hs.message());
  if (run.rs.target.stats) {
    // results.json takes it from here (also when `analyze` rewrites it).
    Status ts = WriteJsonFile(run.run_dir + "/" + kTargetStatsFile, run.rs.target.stats());
    if (!ts.ok()) run.log->Line("faultline test: " + ts.message());
  }
}

// Step 7b: download each node's logs into nodes/<node>/ (failures are logged).
void CollectNodeLogs(RunState& run) {
  auto* logs = dynamic_cast<HasLogs*>(run.rs.target.db.get());
  if (!logs) return;
  for (const auto& node : run.cluster.nodes) {
    if (!node.remote) continue;
    std::string dest = run.run_dir + "/nodes/" + node.name;
    std::error_code ec;
    fs::create_directories(dest, ec);
    for (const auto& file : logs->LogFiles(node)) {
      Status d = node.remote->Download(file, dest + "/" + fs::path(file).filename().string());
      if (!d.ok()) run.log->Line("log download: " + node.name + ": " + d.message());
    }
  }
}

// Tells `faultline serve` (through the runs index) that this run ended
// without a check, so it is not shown as running until it goes stale.
void IndexUnchecked(const RunState& run, const std::string& why) {
  std::string key = RunKey(Spec(run).store, run.run_dir);
  if (key.empty()) return;
  Status s = AppendRunIndex(Spec(run).store, {{"run", key}, {"status", "aborted"}, {"error", why}});
  if (!s.ok()) run.log->Line("faultline: " + s.message());
}

// Step 8: check what was recorded (unless a second signal said not to) and
// report; returns the exit code.
int CheckRecordedRun(RunState& run, RunResult* result) {
  result->interrupted = InterruptGuard::Count() >= 1;
  if (InterruptGuard::Count() >= 2) {
    run.log->Line("verdict: unknown (interrupted twice: not checked) — run " + run.run_dir +
                  " — check it with: faultline analyze " + run.run_dir);
    IndexUnchecked(run, "interrupted twice: not checked");
    return kExitUnknown;
  }
  return CheckAndReport(Spec(run), *run.rs.workload, run.run_dir, run.log.get(), result->interrupted);
}

// A step failed before the main phase, and the scopes have undone the rest:
// the cause is the last line (on stderr), so it is not buried under the
// teardown's lines.
RunResult Abort(const RunState& run, const Status& s, RunResult result) {
  run.history->Close();
  run.log->Error("faultline test: " + s.message());
  IndexUnchecked(run, s.message());
  result.exit_code = kExitInfra;
  return result;
}

// SIGINT/SIGTERM before the main phase (while the Db was set up or the
// clients were opening, e.g. waiting for adapters' first answers): the step
// gave up, everything is undone, the (empty or short) history is on disk.
RunResult Interrupted(const RunState& run, const Status& s, RunResult result) {
  run.history->Close();
  run.log->Line("interrupted before the main phase (" + s.message() + ")", false);
  run.log->Line("verdict: unknown (interrupted before the main phase: not checked) — run " + run.run_dir);
  IndexUnchecked(run, "interrupted before the main phase");
  result.interrupted = true;
  result.exit_code = kExitUnknown;
  return result;
}

// Steps 2-7, each undone by its RAII scope. The scopes are declared in the
// order of the steps they undo, so leaving at any point (a failed step, an
// exception, a signal's early stop) heals the faults before the Db is torn
// down. Returns the step that failed before the main phase (Ok when the run
// went through); by then its scopes have undone everything.
Status RunSteps(RunState& run) {
  if (Status s = ConnectToNodes(run); !s.ok()) return s;
  if (Status s = HealLeftoversAndOpenLedger(run); !s.ok()) return s;
  DbScope db_scope(run.rs.target.db.get(), &run.cluster, run.log.get(), Spec(run).leave_db_running);
  if (Status s = SetUpDb(run); !s.ok()) return s;
  HealScope heal_scope(&run.rs.nemeses, run.log.get(), run.ledger.get());
  if (Status s = SetUpNemeses(run); !s.ok()) return s;
  auto workers = StartWorkers(run);
  if (!workers.ok()) return workers.status();
  {
    StatusReporter status(run.log.get(), workers->get(), &run.board, run.run_dir);
    RunMainPhase(run, **workers, status);
    RunFinalPhase(run, **workers, status, heal_scope);
  }
  CloseClients(run, **workers);
  CollectNodeLogs(run);
  db_scope.Teardown();
  return Status::Ok();
}

}  // namespace

// The lifecycle of DESIGN.md §4, one step per function above (RunSteps
// holds the scopes that undo them).
RunResult RunTest(const TestSpec& spec) {
  RunResult result;
  RunState run;
  result.exit_code = PrepareRun(spec, &run, &result.run_dir);
  if (result.exit_code != kExitValid) return result;
  result.exit_code = kExitInfra;
  InterruptGuard interrupts;
  Status failed;
  try {
    failed = RunSteps(run);
  } catch (const std::exception& e) {
    run.history->Close();
    run.log->Error("faultline test: error: " + std::string(e.what()));
    IndexUnchecked(run, e.what());
    return result;
  }
  if (!failed.ok()) {
    return InterruptGuard::Count() >= 1 ? Interrupted(run, failed, result) : Abort(run, failed, result);
  }
  result.exit_code = CheckRecordedRun(run, &result);
  return result;
}

}  // namespace faultline
