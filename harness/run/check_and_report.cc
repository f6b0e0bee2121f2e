#include "harness/run/check_and_report.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "checkers/availability_checker.h"
#include "checkers/fault_summary.h"
#include "checkers/perf_checker.h"
#include "checkers/stats_checker.h"
#include "harness/core/flags.h"
#include "harness/run/interrupts.h"
#include "results/report.h"
#include "results/run_store.h"
#include "results/runs_index.h"
#include "workloads/workload.h"

namespace faultline {

using Clock = std::chrono::steady_clock;

namespace {

// The first checker (in `details`, a ComposeChecker's output) that is not
// valid, with its message; nested compositions (a workload's own composed
// checker) are searched too, naming the path ("monotonic/counter: ...").
std::string ShortReason(const json& details, int depth = 0) {
  for (auto it = details.begin(); it != details.end(); ++it) {
    if (!it->is_object()) continue;
    const json& d = *it;
    json v = d.value("valid", json(true));
    if (v == json(true)) continue;
    // The report's sentence first (node, time, active faults, the write it
    // contradicts), else the checker's own message.
    for (const char* k : {"sentence", "message"}) {
      if (d.contains("failure") && d["failure"].is_object() && d["failure"].contains(k) &&
          d["failure"][k].is_string()) {
        return it.key() + ": " + d["failure"][k].get<std::string>();
      }
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

}  // namespace

int CheckAndReport(const TestSpec& spec, Workload& workload, const std::string& run_dir,
                   RunLog* log, bool interrupted) {
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
  // Only a prefix of the run asked for was recorded: say so wherever the
  // run is shown (results.json, the report, serve's list). interrupted.json
  // keeps it for later `faultline analyze` runs of the same directory.
  const std::string interrupted_path = run_dir + "/" + kInterruptedFile;
  if (interrupted) {
    (void)WriteJsonFile(interrupted_path, {{"events", history.size()}});
  } else if (std::ifstream in(interrupted_path); in) {
    json mark = json::parse(in, nullptr, false);
    if (mark.is_object()) interrupted = true;
  }
  if (interrupted) results["interrupted"] = {{"events", history.size()}};
  if (results.contains("linearizable")) {
    std::string sentence = LinearizabilitySentence(results["linearizable"], history);
    if (!sentence.empty()) results["linearizable"]["failure"]["sentence"] = sentence;
  }
  if (!run.crashed.is_null()) results["crashed"] = run.crashed;
  // What ran: one entry per fault kind (also printed below, one line each).
  const std::vector<FaultKindSummary> fault_summary = SummarizeFaults(history);
  results["faults"] = FaultSummaryJson(fault_summary);
  if (std::ifstream in(run_dir + "/" + kTargetStatsFile); in) {
    json stats = json::parse(in, nullptr, false);
    if (stats.is_object()) results["target"] = stats;
  }
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
  // What `faultline serve` lists, without opening every results.json.
  if (std::string key = RunKey(spec.store, run_dir); !key.empty()) {
    Status is = AppendRunIndex(spec.store, DoneIndexEntry(key, info.spec, results, history));
    if (!is.ok()) log->Line("faultline: " + is.message());
  }
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", secs);
  std::string reason = ShortReason(results);
  for (const auto& f : fault_summary) log->Line(FaultSummaryLine(f));
  if (std::string ran = FaultSummaryShort(fault_summary); !ran.empty()) {
    reason = ran + (reason.empty() ? "" : "; " + reason);
  }
  log->Line("checked in " + std::string(took) + "s; results in " + run_dir + "/results.json");
  if (rs.ok()) log->Line("report: " + run_dir + "/report.html");
  if (!run.crashed.is_null()) {
    reason += std::string(reason.empty() ? "" : "; ") + "crashed: checked the " +
              std::to_string(history.size()) + " events recorded before the controller died";
  }
  if (interrupted) {
    reason += std::string(reason.empty() ? "" : "; ") + "interrupted: checked the " +
              std::to_string(history.size()) + " events recorded before the stop";
  }
  log->Line("verdict: " + std::string(ValidityName(r.valid)) +
            (reason.empty() ? "" : " (" + reason + ")") + " — run " + run_dir +
            " — reproduce with --seed " + std::to_string(spec.seed));
  // A valid prefix of an interrupted run proves nothing about the run asked
  // for: unknown (exit 2); an invalid prefix is invalid all the same.
  if (interrupted && r.valid == Validity::kValid) return kExitUnknown;
  return ExitCodeFor(r.valid);
}


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
