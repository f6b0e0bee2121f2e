#include "harness/runner.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "harness/interpreter.h"
#include "harness/interrupts.h"
#include "harness/nodes.h"
#include "checkers/availability_checker.h"
#include "checkers/perf_checker.h"
#include "checkers/stats_checker.h"
#include "results/report.h"
#include "results/run_store.h"

namespace faultline {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// faultline.log: every runner message, timestamped; also echoed to stdout.
class RunLog {
 public:
  explicit RunLog(const std::string& path) : file_(path, std::ios::app) {}
  void Line(const std::string& text, bool echo = true) {
    std::lock_guard<std::mutex> lock(mu_);
    std::time_t t = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    file_ << stamp << " " << text << "\n";
    file_.flush();
    if (echo) {
      std::printf("%s%s\n", tty_line_open_ ? "\n" : "", text.c_str());
      std::fflush(stdout);
      tty_line_open_ = false;
    }
  }
  // The status line (not logged when on a terminal: it changes every second).
  void Status(const std::string& text, bool tty) {
    std::lock_guard<std::mutex> lock(mu_);
    if (tty) {
      std::printf("\r\033[K%s", text.c_str());
      tty_line_open_ = true;
    } else {
      std::printf("%s\n", text.c_str());
      file_ << text << "\n";
      file_.flush();
    }
    std::fflush(stdout);
  }
  void EndStatus() {
    std::lock_guard<std::mutex> lock(mu_);
    if (tty_line_open_) std::printf("\n");
    tty_line_open_ = false;
    std::fflush(stdout);
  }

 private:
  std::mutex mu_;
  std::ofstream file_;
  bool tty_line_open_ = false;
};

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

// Which faults are active right now (for the status line and the final heal).
class FaultBoard {
 public:
  void Started(const std::string& fault) {
    std::lock_guard<std::mutex> lock(mu_);
    active_.insert(fault);
  }
  void Stopped(const std::string& fault) {
    std::lock_guard<std::mutex> lock(mu_);
    active_.erase(fault);
  }
  std::set<std::string> Active() const {
    std::lock_guard<std::mutex> lock(mu_);
    return active_;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::string> active_;
};

// The nemesis thread's executor: routes each fault op to its nemesis.
class NemesisExecutor : public Executor {
 public:
  NemesisExecutor(const std::vector<Nemesis*>& nemeses, uint64_t seed, FaultBoard* board)
      : rng_(seed), board_(board) {
    for (Nemesis* n : nemeses) {
      for (const auto& pair : n->Faults()) {
        by_f_[pair.start] = n;
        by_f_[pair.stop] = n;
      }
    }
  }
  Op Execute(const Op& invoke) override {
    auto it = by_f_.find(invoke.f);
    if (it == by_f_.end()) {
      Op out = invoke;
      out.type = OpType::kInfo;
      out.error = "no nemesis handles \"" + invoke.f + "\"";
      return out;
    }
    Op out = it->second->Invoke(invoke, rng_);
    out.type = OpType::kInfo;
    out.process = kNemesisProcess;
    const std::string& f = invoke.f;
    if (f.rfind("start-", 0) == 0) board_->Started(f.substr(6));
    if (f.rfind("stop-", 0) == 0) board_->Stopped(f.substr(5));
    return out;
  }

 private:
  std::map<std::string, Nemesis*> by_f_;
  Rng rng_;
  FaultBoard* board_;
};

// Alternates start/stop fault ops, `interval` seconds apart after a healthy
// first interval; which fault to start is drawn from the seed.
GenPtr NemesisSchedule(std::vector<FaultPair> pairs, double interval_s) {
  struct State {
    std::vector<FaultPair> pairs;
    int current = -1;  // index of the started fault, -1 when healthy
  };
  State state{std::move(pairs), -1};
  GenPtr alternate = FromFn([state](Rng& rng, const Context&) mutable -> std::optional<Op> {
    if (state.pairs.empty()) return std::nullopt;
    Op op;
    if (state.current < 0) {
      state.current = static_cast<int>(rng.Below(state.pairs.size()));
      op.f = state.pairs[state.current].start;
    } else {
      op.f = state.pairs[state.current].stop;
      state.current = -1;
    }
    return op;
  });
  std::vector<GenPtr> seq;
  seq.push_back(Sleep(interval_s));
  seq.push_back(Delay(interval_s, std::move(alternate)));
  return Seq(std::move(seq));
}

// Builds the status line: phase, elapsed / limit, ops/s, ok/fail/info, faults.
class StatusReporter {
 public:
  StatusReporter(RunLog* log, const Interpreter* in, const FaultBoard* board)
      : log_(log), in_(in), board_(board), tty_(::isatty(STDOUT_FILENO) == 1) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~StatusReporter() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    log_->EndStatus();
  }
  void SetPhase(const std::string& phase, double limit_s) {
    std::lock_guard<std::mutex> lock(mu_);
    phase_ = phase;
    limit_s_ = limit_s;
    phase_start_ = Clock::now();
  }

 private:
  void Loop() {
    const auto period = tty_ ? std::chrono::seconds(1) : std::chrono::seconds(10);
    int64_t last_done = 0;
    auto last = Clock::now();
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, period, [&] { return done_; })) {
      const auto& c = in_->counters();
      int64_t ok = c.ok.load(), fail = c.fail.load(), info = c.info.load();
      auto now = Clock::now();
      double dt = std::chrono::duration<double>(now - last).count();
      double rate = dt > 0 ? (ok + fail + info - last_done) / dt : 0;
      last_done = ok + fail + info;
      last = now;
      double elapsed = std::chrono::duration<double>(now - phase_start_).count();
      std::string faults;
      for (const auto& f : board_->Active()) faults += (faults.empty() ? "" : ",") + f;
      char buf[512];
      std::snprintf(buf, sizeof buf,
                    "[%s %.0fs/%.0fs] %.0f ops/s  ok %lld  fail %lld  info %lld  faults: %s",
                    phase_.c_str(), elapsed, limit_s_, rate, static_cast<long long>(ok),
                    static_cast<long long>(fail), static_cast<long long>(info),
                    faults.empty() ? "none" : faults.c_str());
      log_->Status(buf, tty_);
    }
  }
  RunLog* log_;
  const Interpreter* in_;
  const FaultBoard* board_;
  bool tty_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::string phase_ = "setup";
  double limit_s_ = 0;
  Clock::time_point phase_start_ = Clock::now();
  std::thread thread_;
};

// Runs fn(node) for every node in parallel; the first error (node-prefixed).
Status ForEachNode(const ClusterInfo& cluster,
                   const std::function<Status(const NodeInfo&)>& fn) {
  std::vector<Status> results(cluster.nodes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        results[i] = fn(cluster.nodes[i]);
      } catch (const std::exception& e) {
        results[i] = Status::Error(std::string("threw: ") + e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) return results[i].Prefixed(cluster.nodes[i].name);
  }
  return Status::Ok();
}

// Tears the Db down on scope exit unless asked to leave it running.
class DbScope {
 public:
  DbScope(Db* db, const ClusterInfo* cluster, RunLog* log, bool leave_running)
      : db_(db), cluster_(cluster), log_(log), leave_running_(leave_running) {}
  ~DbScope() { Teardown(); }
  void Teardown() {
    if (!db_ || done_) return;
    done_ = true;
    if (leave_running_) {
      log_->Line("leaving the db running (--leave-db-running)");
      return;
    }
    log_->Line("tearing down the db");
    Status s = ForEachNode(*cluster_, [&](const NodeInfo& n) { return db_->Teardown(*cluster_, n); });
    if (!s.ok()) log_->Line("teardown: " + s.message());
  }

 private:
  Db* db_;
  const ClusterInfo* cluster_;
  RunLog* log_;
  bool leave_running_;
  bool done_ = false;
};

// Heals every nemesis on scope exit (also after exceptions and signals).
class HealScope {
 public:
  HealScope(std::vector<std::unique_ptr<Nemesis>>* nemeses, RunLog* log)
      : nemeses_(nemeses), log_(log) {}
  ~HealScope() { HealAll(); }
  void HealAll() {
    for (auto& n : *nemeses_) {
      try {
        Status s = n->Heal();
        if (!s.ok()) log_->Line("heal " + n->name() + ": " + s.message());
      } catch (const std::exception& e) {
        log_->Line("heal " + n->name() + " threw: " + e.what());
      }
    }
  }

 private:
  std::vector<std::unique_ptr<Nemesis>>* nemeses_;
  RunLog* log_;
};

void SleepInterruptibly(double seconds, int max_signals) {
  auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(seconds));
  while (Clock::now() < until && InterruptGuard::Count() < max_signals) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The first checker (in `details`, a ComposeChecker's output) that is not
// valid, with its message; nested compositions (a workload's own composed
// checker) are searched too, naming the path ("monotonic/counter: ...").
std::string ShortReason(const json& details, int depth = 0) {
  for (auto it = details.begin(); it != details.end(); ++it) {
    if (!it->is_object()) continue;
    const json& d = *it;
    json v = d.value("valid", json(true));
    if (v == json(true)) continue;
    if (d.contains("failure") && d["failure"].is_object() && d["failure"].contains("message") &&
        d["failure"]["message"].is_string()) {
      return it.key() + ": " + d["failure"]["message"].get<std::string>();
    }
    for (const char* k : {"reason", "error", "message", "explanation"}) {
      if (d.contains(k) && d[k].is_string()) return it.key() + ": " + d[k].get<std::string>();
    }
    if (depth < 3) {
      std::string inner = ShortReason(d, depth + 1);
      if (!inner.empty()) return it.key() + "/" + inner;
    }
    return it.key() + (v == json(false) ? " found a violation" : " could not decide");
  }
  return "";
}

// Loading and checking a run, done on its own thread so that a second
// SIGINT/SIGTERM during a long check need not wait for it (see CheckAndReport).
struct CheckJob {
  std::string run_dir, store;
  std::unique_ptr<Checker> checker;
  TestInfo info;
  Result<LoadedRun> run = Status::Error("not loaded");
  CheckResult result;
  std::atomic<bool> done{false};

  void Run(RunLog* log) {
    run = LoadRun(run_dir, store);
    if (run.ok()) {
      for (const auto& note : run->notes) log->Line("note: " + note);
      log->Line("checking " + std::to_string(run->history.size()) + " history events");
      result = checker->Check(info, run->history);
    }
    done.store(true);
  }
};

// Checks, writes results.json (+ the report), prints the verdict line.
// `interrupted`: the run was stopped early by a signal (the verdict says so).
// When a second signal arrives while checking (only RunTest holds an
// InterruptGuard), the check is abandoned: the verdict line says unknown and
// the process exits at once with code 2 — everything else (heal, history,
// teardown) was done before checking started, and the checker thread cannot
// be cancelled.
int CheckAndReport(const TestSpec& spec, Workload& workload, const std::string& run_dir,
                   RunLog* log, bool interrupted = false) {
  auto checker = MakeRunChecker(spec, workload);
  if (!checker.ok()) {
    log->Line("faultline: " + checker.status().message());
    return kExitInfra;
  }
  // Shared with the checker thread, which may outlive this frame (detached).
  auto job = std::make_shared<CheckJob>();
  job->run_dir = run_dir;
  job->store = spec.store;
  job->checker = std::move(*checker);
  job->info.spec = SpecToJson(spec);
  job->info.run_dir = run_dir;
  log->Line("loading " + run_dir + "/history.jsonl to check it");
  auto t0 = Clock::now();
  std::thread worker([job, log] { job->Run(log); });
  while (!job->done.load()) {
    if (InterruptGuard::Count() >= 2) {
      worker.detach();
      log->Line("verdict: unknown (interrupted twice: checking abandoned) — run " + run_dir +
                " — check it with: faultline analyze " + run_dir);
      std::fflush(nullptr);
      std::_Exit(kExitUnknown);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  worker.join();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!job->run.ok()) {
    log->Line("faultline: " + job->run.status().message());
    return kExitBadInput;
  }
  const LoadedRun& run = *job->run;
  const History& history = run.history;
  const TestInfo& info = job->info;
  const CheckResult& r = job->result;
  json results = r.details;
  results["valid"] = ValidityToJson(r.valid);
  Status ws = WriteJsonFile(run_dir + "/results.json", results);
  if (!ws.ok()) log->Line("faultline: " + ws.message());
  ReportInput report;
  report.run_dir = run_dir;
  report.test = info.spec;
  report.history = &history;
  report.results = results;
  report.notes = run.notes;
  Status rs = WriteReport(report);
  if (!rs.ok()) log->Line("faultline: " + rs.message());
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", secs);
  std::string reason = ShortReason(r.details);
  log->Line("checked in " + std::string(took) + "s; results in " + run_dir + "/results.json");
  if (rs.ok()) log->Line("report: " + run_dir + "/report.html");
  if (interrupted) {
    reason += std::string(reason.empty() ? "" : "; ") + "interrupted: checked the " +
              std::to_string(history.size()) + " events recorded before the stop";
  }
  log->Line("verdict: " + std::string(ValidityName(r.valid)) +
            (reason.empty() ? "" : " (" + reason + ")") + " — run " + run_dir +
            " — reproduce with --seed " + std::to_string(spec.seed));
  return ExitCodeFor(r.valid);
}

ClusterInfo InProcessCluster(const std::string& run_dir) {
  ClusterInfo c;
  c.run_dir = run_dir;
  c.nodes.push_back(NodeInfo{"local", "", nullptr});
  return c;
}

}  // namespace

int ExitCodeFor(Validity v) {
  switch (v) {
    case Validity::kValid: return kExitValid;
    case Validity::kInvalid: return kExitInvalid;
    case Validity::kUnknown: return kExitUnknown;
  }
  return kExitUnknown;
}

Result<std::unique_ptr<Checker>> MakeRunChecker(const TestSpec& spec, Workload& workload) {
  auto wc = workload.MakeChecker();
  if (!wc.ok()) return wc.status();
  AvailabilityOptions ao;
  if (spec.min_availability >= 0) ao.min_availability = spec.min_availability;
  auto availability = MakeAvailabilityChecker(ao);
  if (!availability.ok()) return availability.status();
  // The workload's checker decides correctness; stats, perf and availability
  // are reported on every run (availability only counts with --min-availability).
  std::vector<std::unique_ptr<Checker>> parts;
  parts.push_back(std::move(*wc));
  parts.push_back(MakeStatsChecker());
  parts.push_back(MakePerfChecker());
  parts.push_back(std::move(*availability));
  return std::unique_ptr<Checker>(new ComposeChecker(std::move(parts)));
}

RunResult RunTest(const TestSpec& spec_in) {
  RunResult result;
  auto resolved = ResolveSpec(spec_in);
  if (!resolved.ok()) {
    std::fprintf(stderr, "faultline test: %s\n", resolved.status().message().c_str());
    result.exit_code = kExitBadInput;
    return result;
  }
  ResolvedSpec& rs = *resolved;
  TestSpec& spec = rs.spec;
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
    result.exit_code = kExitInfra;
    return result;
  }
  result.run_dir = *dir;
  const std::string& run_dir = *dir;
  RunLog log(run_dir + "/faultline.log");
  Status ws = WriteJsonFile(run_dir + "/test.json", SpecToJson(spec));
  if (!ws.ok()) {
    log.Line("faultline test: " + ws.message());
    result.exit_code = kExitInfra;
    return result;
  }
  log.Line("test " + spec.name + ": target " + spec.target + ", workload " + spec.workload +
           ", " + std::to_string(spec.concurrency) + " workers, run dir " + run_dir);

  InterruptGuard interrupts;
  Rng seed_rng(spec.seed);
  Rng gen_rng = seed_rng.Fork();
  const uint64_t nemesis_seed = seed_rng.Next();

  auto history_writer = HistoryWriter::Open(run_dir + "/history.jsonl");
  if (!history_writer.ok()) {
    log.Line("faultline test: " + history_writer.status().message());
    result.exit_code = kExitInfra;
    return result;
  }
  std::shared_ptr<HistoryWriter> history(std::move(*history_writer));

  int code = kExitInfra;
  bool checked_ok_to_run = false;
  try {
    // Nodes: --nodes/--nodes-file, else the local cluster (ConnectNodes says
    // to run `faultline cluster up` when there is none).
    ClusterInfo cluster = InProcessCluster(run_dir);
    std::vector<std::unique_ptr<Remote>> remotes;
    if (rs.target.needs_nodes) {
      auto connected = ConnectNodes(spec.nodes, run_dir);
      if (!connected.ok()) {
        log.Line("faultline test: " + connected.status().message());
        return result;
      }
      remotes = std::move(*connected);
      cluster.nodes.clear();
      for (auto& r : remotes) cluster.nodes.push_back(NodeInfo{r->node(), r->address(), r.get()});
      std::string names;
      for (const auto& n : cluster.nodes) names += (names.empty() ? "" : ", ") + n.name;
      log.Line("connected to " + std::to_string(cluster.nodes.size()) + " nodes: " + names);
    }

    // Db: teardown then setup on every node, in parallel.
    DbScope db_scope(rs.target.db.get(), &cluster, &log, spec.leave_db_running);
    if (rs.target.db) {
      log.Line("setting up " + spec.target + " on " + std::to_string(cluster.nodes.size()) +
               " nodes");
      Status s = ForEachNode(cluster, [&](const NodeInfo& n) {
        Status t = rs.target.db->Teardown(cluster, n);
        if (!t.ok()) return t.Prefixed("teardown");
        return rs.target.db->Setup(cluster, n).Prefixed("setup");
      });
      if (!s.ok()) {
        log.Line("faultline test: " + s.message());
        return result;
      }
    }

    // Nemeses.
    HealScope heal_scope(&rs.nemeses, &log);
    std::vector<Nemesis*> nemeses;
    std::vector<FaultPair> faults;
    for (auto& n : rs.nemeses) {
      Status s = n->Setup(cluster, rs.target.db.get());
      if (!s.ok()) {
        log.Line("faultline test: nemesis " + n->name() + ": " + s.message());
        return result;
      }
      nemeses.push_back(n.get());
      for (const auto& p : n->Faults()) faults.push_back(p);
    }
    FaultBoard board;

    // Workers: clients round-robin over nodes, plus the nemesis thread.
    const int clients = static_cast<int>(spec.concurrency);
    Interpreter::Options io;
    io.clients = clients;
    io.nemesis = !nemeses.empty();
    io.op_timeout_s = spec.op_timeout_s;
    for (int t = 0; t < clients; ++t) {
      io.client_nodes.push_back(cluster.nodes[t % cluster.nodes.size()].name);
    }
    ExecutorFactory factory = [&, clients](int thread) -> Result<std::unique_ptr<Executor>> {
      if (thread >= clients) {
        return std::unique_ptr<Executor>(new NemesisExecutor(nemeses, nemesis_seed, &board));
      }
      const NodeInfo& node = cluster.nodes[thread % cluster.nodes.size()];
      auto client = rs.target.new_client();
      Status s = client->Open(cluster, node);
      if (!s.ok()) return s.Prefixed("client for " + node.name);
      return std::unique_ptr<Executor>(new ClientExecutor(std::move(client)));
    };
    auto interp = Interpreter::Start(io, factory, history, Clock::now());
    if (!interp.ok()) {
      log.Line("faultline test: " + interp.status().message());
      return result;
    }
    Interpreter& in = **interp;
    checked_ok_to_run = true;
    {
      StatusReporter status(&log, &in, &board);

      // Main phase.
      GenPtr client_gen = rs.workload->Generator();
      if (spec.rate > 0 && spec.rate < 1e9) client_gen = Stagger(1.0 / spec.rate, std::move(client_gen));
      GenPtr main_gen;
      if (io.nemesis) {
        main_gen = ClientsNemesis(std::move(client_gen),
                                  NemesisSchedule(faults, spec.nemesis_interval_s));
      } else {
        main_gen = Clients(std::move(client_gen));
      }
      main_gen = TimeLimit(spec.time_limit_s, std::move(main_gen));
      main_gen->Seed(gen_rng);
      status.SetPhase("main", spec.time_limit_s);
      log.Line("main phase: " + json(spec.time_limit_s).dump() + "s" +
                   (io.nemesis ? ", nemesis every " + json(spec.nemesis_interval_s).dump() + "s"
                               : std::string()),
               true);
      Status s = in.Run(*main_gen, [] { return InterruptGuard::Count() >= 1; });
      if (!s.ok()) throw std::runtime_error(s.message());
      if (InterruptGuard::Count() >= 1) log.Line("interrupted: stopping, healing, saving");

      // Final phase: heal (recorded stop ops, then Heal() on every nemesis),
      // recovery wait, final reads.
      status.SetPhase("final", spec.final_time_limit_s);
      if (io.nemesis) {
        std::vector<Op> stops;
        for (const auto& fault : board.Active()) {
          Op op;
          op.f = "stop-" + fault;
          stops.push_back(op);
        }
        GenPtr heal = NemesisOnly(EmitAll(std::move(stops)));
        heal->Seed(gen_rng);
        in.Run(*heal, [] { return false; });
        heal_scope.HealAll();
        log.Line("healed all faults; waiting " + json(spec.recovery_s).dump() + "s to recover");
        SleepInterruptibly(spec.recovery_s, 1);
      }
      GenPtr final_gen = rs.workload->FinalGenerator();
      if (final_gen && InterruptGuard::Count() == 0) {
        log.Line("final reads");
        final_gen = TimeLimit(spec.final_time_limit_s, Clients(std::move(final_gen)));
        final_gen->Seed(gen_rng);
        s = in.Run(*final_gen, [] { return InterruptGuard::Count() >= 1; });
        if (!s.ok()) throw std::runtime_error(s.message());
      }
    }
    in.Shutdown();  // closes clients
    const auto& c = in.counters();
    log.Line("recorded " + std::to_string(history->size()) + " events: ok " +
             std::to_string(c.ok.load()) + ", fail " + std::to_string(c.fail.load()) +
             ", info " + std::to_string(c.info.load()));
    Status hs = history->Close();
    if (!hs.ok()) throw std::runtime_error(hs.message());

    // Node logs, then teardown.
    if (auto* logs = dynamic_cast<HasLogs*>(rs.target.db.get())) {
      for (const auto& node : cluster.nodes) {
        if (!node.remote) continue;
        std::string dest = run_dir + "/nodes/" + node.name;
        std::error_code ec;
        fs::create_directories(dest, ec);
        for (const auto& file : logs->LogFiles(node)) {
          Status d = node.remote->Download(file, dest + "/" + fs::path(file).filename().string());
          if (!d.ok()) log.Line("log download: " + node.name + ": " + d.message());
        }
      }
    }
    db_scope.Teardown();
  } catch (const std::exception& e) {
    log.Line("faultline test: error: " + std::string(e.what()));
    history->Close();
    result.exit_code = kExitInfra;
    return result;
  }
  history->Close();
  if (!checked_ok_to_run) return result;
  if (InterruptGuard::Count() >= 2) {
    result.interrupted = true;
    log.Line("verdict: unknown (interrupted twice: not checked) — run " + run_dir +
             " — check it with: faultline analyze " + run_dir);
    result.exit_code = kExitUnknown;
    return result;
  }
  result.interrupted = InterruptGuard::Count() >= 1;
  code = CheckAndReport(spec, *rs.workload, run_dir, &log, result.interrupted);
  result.exit_code = code;
  return result;
}

int AnalyzeRun(const std::string& dir_arg, const std::string& store) {
  auto run = LoadRun(dir_arg, store);
  if (!run.ok()) return BadInput("analyze", run.status().message());
  auto spec = SpecFromJson(run->test);
  if (!spec.ok()) return BadInput("analyze", run->dir + "/test.json: " + spec.status().message());
  const auto* wl = WorkloadRegistry::Get().Find(spec->workload);
  if (!wl) {
    return BadInput("analyze", run->dir + "/test.json: unknown workload \"" + spec->workload + "\"");
  }
  WorkloadOptions wo;
  wo.concurrency = static_cast<int>(spec->concurrency);
  wo.opts = spec->workload_opts;
  auto workload = wl->factory(wo);
  if (!workload.ok()) return BadInput("analyze", workload.status().message());
  spec->store = store;
  std::printf("analyzing %s (seed %llu)\n", run->dir.c_str(),
              static_cast<unsigned long long>(spec->seed));
  RunLog log(run->dir + "/faultline.log");
  return CheckAndReport(*spec, **workload, run->dir, &log);
}

}  // namespace faultline
