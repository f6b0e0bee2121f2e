#include "harness/run/campaign_runner.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "harness/control/child_fds.h"
#include "harness/core/bounded_json.h"
#include "harness/core/utc_time.h"
#include "harness/run/interrupts.h"
#include "results/campaign_page.h"
#include "results/run_store.h"

extern char** environ;

namespace faultline {

using json = nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string SelfExe() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "faultline" : self.string();
}

// The last `n` lines of `text`, '|'-joined.
std::string LastLinesJoined(const std::string& text, int n) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) lines.push_back(l);
  }
  std::string out;
  for (size_t i = lines.size() > static_cast<size_t>(n) ? lines.size() - n : 0; i < lines.size(); ++i) {
    out += (out.empty() ? "" : " | ") + lines[i];
  }
  return out;
}

// Runs argv with stdout+stderr into `log`; passes the first interrupt on as
// SIGINT. Returns the exit code (-signal when killed).
int RunChild(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  AddCloseInheritedFds(&fa);  // the run gets only 0-2, not the campaign's logs or sockets
  // Its own process group: a Ctrl-C on the terminal reaches the campaign
  // only, which passes it on once (a second SIGINT would skip the check).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    // Said in the log, which becomes the crashed run's log tail.
    std::ofstream(log, std::ios::app) << "faultline campaign: cannot start " << argv[0] << ": "
                                      << std::strerror(rc) << "\n";
    return -1000;
  }
  bool forwarded = false;
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return -1000;
    if (!forwarded && InterruptGuard::Count() >= 1) {
      ::kill(pid, SIGINT);  // the test heals, saves and stops
      forwarded = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

json Num(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* k : path) {
    if (!at->is_object() || !at->contains(k)) return nullptr;
    at = &(*at)[k];
  }
  return at->is_number() ? *at : json(nullptr);
}

// Fills in a finished run's figures from its run directory.
void RecordOutcome(json& r, int exit_code, const std::string& log_text) {
  r["exit_code"] = exit_code;
  std::smatch m;
  static const std::regex kRunDir("run dir (\\S+)");
  if (std::regex_search(log_text, m, kRunDir)) r["run_dir"] = m[1].str();
  static const std::regex kVerdict("verdict: [^\n]*");
  if (std::regex_search(log_text, m, kVerdict)) r["summary"] = m[0].str();
  json results = nullptr;
  if (r.contains("run_dir")) {
    auto parsed = ParseBoundedJson(ReadText(r["run_dir"].get<std::string>() + "/results.json"));
    if (parsed.ok() && parsed->is_object()) results = *parsed;
  }
  if (exit_code == 4 || exit_code < 0 || (exit_code != 2 && results.is_null())) {
    r["status"] = "crashed";
    r["log_tail"] = LastLinesJoined(log_text, 8);
    return;
  }
  if (results.is_null()) {  // interrupted before checking (exit 2 without results)
    r["status"] = "interrupted";
    return;
  }
  if (r["summary"].is_string() && r["summary"].get<std::string>().find("interrupted") != std::string::npos) {
    r["status"] = "interrupted";
  } else {
    r["status"] = "done";
  }
  r["verdict"] = results["valid"];
  r["availability"] = Num(results, {"availability", "availability"});
  json fault = Num(results, {"availability", "fault_time_s"}), healthy = Num(results, {"availability", "healthy_time_s"});
  if (!fault.is_null()) r["fault_time_s"] = fault;
  if (!healthy.is_null()) r["healthy_time_s"] = healthy;
  json by_time = Num(results, {"availability", "time_availability"});
  if (!by_time.is_null()) r["availability_by_time"] = by_time;
  r["ops_per_s"] = Num(results, {"perf", "throughput", "ops_per_s"});
  r["latency_p50_ms"] = Num(results, {"perf", "latency_ms", "all", "p50"});
  r["latency_p99_ms"] = Num(results, {"perf", "latency_ms", "all", "p99"});
  if (!r["expect"].is_null()) r["expectation_met"] = r["expect"] == r["verdict"];
}

int ExitCodeOf(const json& runs) {
  bool crashed = false, missed = false, any_expect = false, invalid = false, unknown = false;
  for (const auto& r : runs) {
    const std::string status = r.value("status", "");
    if (status == "crashed") crashed = true;
    if (!r["expect"].is_null()) any_expect = true;
    if (r.contains("expectation_met") && r["expectation_met"] == false) missed = true;
    if (status == "done" || status == "interrupted") {
      const json verdict = r.value("verdict", json());  // an interrupted run may have none
      if (verdict == false) invalid = true;
      if (verdict == "unknown") unknown = true;
    }
  }
  if (crashed) return 4;
  if (any_expect) return missed ? 1 : 0;
  return invalid ? 1 : unknown ? 2 : 0;
}

std::string Figure(const json& v, const char* fmt) {
  if (!v.is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v.get<double>());
  return buf;
}

}  // namespace

double EstimateSeconds(const CampaignSpec& campaign, size_t clusters) {
  double total = 0;
  for (const auto& r : campaign.runs) {
    if (!r.not_applicable.empty()) continue;
    total += r.spec.value("time_limit", 60.0) + 10;
  }
  return total / std::max<size_t>(1, clusters);
}

Result<CampaignOutcome> RunCampaign(const CampaignSpec& campaign, const CampaignOptions& options) {
  InterruptGuard interrupts;
  CampaignOutcome out;
  json previous = nullptr;
  if (!options.resume_dir.empty()) {
    out.dir = options.resume_dir;
    auto parsed = ParseBoundedJson(ReadText(out.dir + "/campaign.json"));
    if (!parsed.ok() || !parsed->is_object() || !(*parsed)["runs"].is_array()) {
      return Status::Error(out.dir + "/campaign.json: not a campaign record (--resume takes a campaign directory)");
    }
    previous = *parsed;
  } else {
    auto dir = CreateRunDir(options.store + "/campaigns", campaign.name);
    if (!dir.ok()) return dir.status();
    out.dir = *dir;
  }
  std::error_code ec;
  fs::create_directories(out.dir + "/specs", ec);
  fs::create_directories(out.dir + "/logs", ec);

  json record = {{"name", campaign.name},       {"file", campaign.file},
                 {"campaign", campaign.text},   {"dimensions", campaign.dimensions},
                 {"started", UtcNowIso8601()},  {"clusters", json::array()},
                 {"runs", json::array()}};
  for (const auto& c : options.clusters) record["clusters"].push_back(c.name);
  std::deque<size_t> todo;
  for (const auto& run : campaign.runs) {
    json r = {{"index", run.index}, {"key", run.key},   {"labels", run.labels},
              {"seed", run.seed},   {"spec", run.spec}, {"expect", run.expect},
              {"status", "pending"}};
    if (!run.not_applicable.empty()) {
      r["status"] = "not applicable";
      r["reason"] = run.not_applicable;
    } else if (!previous.is_null()) {
      for (const auto& p : previous["runs"]) {
        const std::string status = p.value("status", "");
        if (p.value("key", "") == run.key && (status == "done" || status == "crashed")) {
          r = p;
          r["index"] = run.index;
          r["resumed"] = true;  // kept from the interrupted campaign
        }
      }
    }
    if (r["status"] == "pending") todo.push_back(run.index);
    record["runs"].push_back(r);
  }

  std::mutex mu;
  const size_t total = todo.size();
  size_t finished = 0;
  auto t0 = Clock::now();
  auto save = [&] {  // under mu
    record["exit_code"] = ExitCodeOf(record["runs"]);
    Status s = WriteJsonFile(out.dir + "/campaign.json", record);
    if (!s.ok()) std::fprintf(stderr, "faultline campaign: %s\n", s.message().c_str());
    Status h = WriteTextFile(out.dir + "/campaign.html", CampaignPageHtml(record, out.dir));
    if (!h.ok()) std::fprintf(stderr, "faultline campaign: %s\n", h.message().c_str());
  };
  {
    std::lock_guard<std::mutex> lock(mu);
    save();
  }
  std::printf("campaign %s: %zu runs to do (%zu listed, %zu not applicable) on %zu cluster%s; %s\n",
              campaign.name.c_str(), total, campaign.runs.size(),
              static_cast<size_t>(std::count_if(campaign.runs.begin(), campaign.runs.end(),
                                                [](const CampaignRun& r) { return !r.not_applicable.empty(); })),
              options.clusters.size(), options.clusters.size() == 1 ? "" : "s", out.dir.c_str());
  std::fflush(stdout);

  auto worker = [&](const CampaignCluster& cluster) {
    while (true) {
      size_t index;
      json r;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (todo.empty() || InterruptGuard::Count() >= 1) return;
        index = todo.front();
        todo.pop_front();
        record["runs"][index]["status"] = "running";
        record["runs"][index]["cluster"] = cluster.name;
        r = record["runs"][index];
      }
      const std::string spec_path = out.dir + "/specs/" + std::to_string(index) + ".json";
      const std::string log_path = out.dir + "/logs/" + std::to_string(index) + ".log";
      WriteJsonFile(spec_path, r["spec"]);
      std::vector<std::string> argv = {SelfExe(), "test", "--spec", spec_path, "--store", options.store};
      argv.insert(argv.end(), cluster.flags.begin(), cluster.flags.end());
      argv.insert(argv.end(), options.extra_flags.begin(), options.extra_flags.end());
      auto started = Clock::now();
      int code = RunChild(argv, log_path);
      r["took_s"] = std::round(std::chrono::duration<double>(Clock::now() - started).count() * 10) / 10;
      r["log"] = log_path;
      RecordOutcome(r, code, ReadText(log_path));
      std::lock_guard<std::mutex> lock(mu);
      record["runs"][index] = r;
      ++finished;
      double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      double eta = finished ? elapsed / finished * (total - finished) : 0;
      std::string verdict = r.value("status", "");
      if (verdict == "done") {
        verdict = r["verdict"] == true ? "valid" : r["verdict"] == false ? "invalid" : "unknown";
      }
      if (r.contains("expectation_met")) verdict += r["expectation_met"] == true ? " (as expected)" : " (NOT as expected)";
      std::printf("[%zu/%zu] %s on %s: %s, availability %s, %s ops/s — ETA %.0f s\n", finished, total,
                  r.value("key", "").c_str(), cluster.name.c_str(), verdict.c_str(),
                  Figure(r["availability"], "%.3f").c_str(), Figure(r["ops_per_s"], "%.0f").c_str(), eta);
      std::fflush(stdout);
      save();
    }
  };
  std::vector<std::thread> threads;
  for (const auto& c : options.clusters) threads.emplace_back(worker, std::cref(c));
  for (auto& t : threads) t.join();

  std::lock_guard<std::mutex> lock(mu);
  for (auto& r : record["runs"]) {
    if (r["status"] == "pending" || r["status"] == "running") r["status"] = "interrupted";
  }
  record["finished"] = UtcNowIso8601();
  record["interrupted"] = InterruptGuard::Count() >= 1;
  save();
  out.record = record;
  out.exit_code = ExitCodeOf(record["runs"]);
  if (InterruptGuard::Count() >= 1 && out.exit_code == 0) out.exit_code = 2;  // not all ran
  return out;
}

}  // namespace faultline
