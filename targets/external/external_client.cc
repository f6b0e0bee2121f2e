#include "targets/external/external_client.h"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <thread>

#include "harness/core/bounded_json.h"
#include "targets/external/node_env.h"

namespace faultline {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr size_t kMaxLine = size_t{16} << 20;
constexpr int kStderrLinesPerSecond = 100;
constexpr milliseconds kMinRestartDelay{50}, kMaxRestartDelay{2000};
// A restart this soon after the previous start means the adapter keeps
// failing: the next one waits longer.
constexpr milliseconds kQuickFailure{1000};
// How often a wait for init_ok looks whether the run was asked to stop.
constexpr milliseconds kStopPoll{100};


// 5 rather than 5.0 when whole (as the README shows the init message).
json SecondsJson(double s) {
  return s == static_cast<double>(static_cast<int64_t>(s)) ? json(static_cast<int64_t>(s)) : json(s);
}

std::string Clip(const std::string& s, size_t max = 200) {
  return s.size() <= max ? s : s.substr(0, max) + "... (" + std::to_string(s.size()) + " bytes)";
}

// A write to an adapter that died must be an error (EPIPE), not the end of
// the controller.
void IgnoreSigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

// Stderr lines of one adapter: logged up to kStderrLinesPerSecond, the rest
// counted and summarised once per second.
struct StderrLimiter {
  std::function<void(const std::string&)> log;
  std::shared_ptr<ExternalClientStats> stats;
  pid_t pid = 0;
  Clock::time_point window = Clock::now();
  int in_window = 0;
  int64_t dropped = 0;

  ~StderrLimiter() { Flush(); }
  void Line(const std::string& line) {
    auto now = Clock::now();
    if (now - window >= std::chrono::seconds(1)) {
      Flush();
      window = now;
      in_window = 0;
    }
    if (in_window >= kStderrLinesPerSecond) {
      ++dropped;
      ++stats->stderr_lines_dropped;
      return;
    }
    ++in_window;
    ++stats->stderr_lines;
    if (log) log("adapter " + std::to_string(pid) + ": " + line);
  }
  void Flush() {
    if (dropped > 0 && log) {
      log("adapter " + std::to_string(pid) + ": " + std::to_string(dropped) +
          " more stderr lines not logged (over " + std::to_string(kStderrLinesPerSecond) + "/s)");
    }
    dropped = 0;
  }
};

}  // namespace

std::string RunId(const std::string& run_dir) {
  std::filesystem::path dir = std::filesystem::path(run_dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // a trailing '/'
  if (dir.empty()) return "";
  std::string test = dir.parent_path().filename().string();
  return test.empty() ? dir.filename().string() : test + "/" + dir.filename().string();
}

json ExternalClientStats::ToJson() const {
  return json{{"adapters_started", adapters_started.load()},
              {"adapter_restarts", restarts.load()},
              {"adapter_restarts_delayed", restarts_delayed.load()},
              {"adapter_restarts_failed", restarts_failed.load()},
              {"adapter_timeouts", timeouts.load()},
              {"adapter_exits", exits.load()},
              {"adapter_protocol_errors", protocol_errors.load()},
              {"adapter_stderr_lines", stderr_lines.load()},
              {"adapter_stderr_lines_dropped", stderr_lines_dropped.load()}};
}

ExternalClient::ExternalClient(ExternalSpec spec, TargetOptions options,
                               std::shared_ptr<ExternalClientStats> stats)
    : spec_(std::move(spec)), options_(std::move(options)), stats_(std::move(stats)) {
  IgnoreSigpipe();
}

ExternalClient::~ExternalClient() { Close(); }

void ExternalClient::Log(const std::string& line) const {
  if (cluster_.log) cluster_.log(line);
}

Status ExternalClient::Open(const ClusterInfo& cluster, const NodeInfo& node) {
  cluster_ = cluster;
  node_ = node;
  json nodes = json::array();
  for (const auto& n : cluster.nodes) nodes.push_back({{"name", n.name}, {"address", n.address}});
  json opts = json::object();
  for (const auto& [k, v] : options_) opts[k] = v;
  init_line_ = json{{"type", "init"},
                    {"node", node.name},
                    {"address", node.address},
                    {"nodes", nodes},
                    {"opts", opts},
                    {"op_timeout_s", SecondsJson(spec_.client.op_timeout_s)},
                    {"workload", cluster.workload},
                    {"run_id", RunId(cluster.run_dir)}}
                   .dump();
  opened_ = true;
  Status s = StartAdapter();
  return s.Prefixed(node.name + ": " + spec_.name + " adapter");
}

Status ExternalClient::StartAdapter() {
  AdapterProcess::Options o;
  o.argv = spec_.client.command;
  o.dir = spec_.dir;
  o.env = NodeEnvironment(spec_, cluster_, node_, options_);
  o.max_line_bytes = kMaxLine;
  auto limiter = std::make_shared<StderrLimiter>();
  limiter->log = cluster_.log;
  limiter->stats = stats_;
  o.on_stderr = [limiter](const std::string& line) { limiter->Line(line); };
  last_start_ = Clock::now();
  auto started = AdapterProcess::Start(std::move(o));
  if (!started.ok()) return started.status();
  adapter_ = std::move(*started);
  limiter->pid = adapter_->pid();
  ++stats_->adapters_started;
  Log("adapter " + std::to_string(adapter_->pid()) + " started for " + node_.name);
  auto deadline = Clock::now() + SpecSeconds(spec_.client.init_timeout_s);
  auto fail = [&](std::string why) {
    std::string tail = adapter_->StderrTail();
    adapter_->Kill();
    adapter_.reset();
    return Status::Error(why + (tail.empty() ? "" : "; stderr: " + Clip(tail, 600)));
  };
  if (Status w = adapter_->WriteLine(init_line_, deadline); !w.ok()) {
    return fail("init: " + w.message() + " (" + adapter_->ExitDescription() + ")");
  }
  // Waited for in slices, so a run asked to stop (SIGINT/SIGTERM) does not
  // sit out init_timeout_s per adapter.
  std::string line;
  AdapterProcess::Read read;
  while ((read = adapter_->ReadLine(std::min(deadline, Clock::now() + kStopPoll), &line)) ==
             AdapterProcess::Read::kTimeout &&
         Clock::now() < deadline) {
    if (cluster_.StopRequested()) return fail("stopped (the run was interrupted) while waiting for init_ok");
  }
  switch (read) {
    case AdapterProcess::Read::kLine:
      break;
    case AdapterProcess::Read::kTimeout:
      return fail("no answer to init within " + SecondsJson(spec_.client.init_timeout_s).dump() + "s");
    case AdapterProcess::Read::kEof:
      return fail("exited before answering init (" + adapter_->ExitDescription() + ")");
    case AdapterProcess::Read::kTooLong:
      return fail("init answer longer than 16 MiB");
  }
  json answer = ParseBoundedJsonOrDiscarded(line, JsonLimits{kMaxNesting, kMaxLine});
  if (answer.is_object() && answer.value("type", "") == "init_ok") return Status::Ok();
  if (answer.is_object() && answer.value("type", "") == "error") {
    std::string error = answer.contains("error") && answer["error"].is_string()
                            ? answer["error"].get<std::string>()
                            : answer.dump();
    return fail("init failed: " + Clip(error, 600));
  }
  return fail("expected {\"type\":\"init_ok\"}, got: " + Clip(line));
}

void ExternalClient::Discard() {
  if (!adapter_) return;
  adapter_->Kill();
  adapter_.reset();
  last_end_ = Clock::now();
}

Op ExternalClient::Info(const Op& invoke, std::string error) {
  Op out = invoke;
  out.type = OpType::kInfo;
  out.error = std::move(error);
  return out;
}

Op ExternalClient::Invoke(const Op& invoke) {
  if (!opened_) {
    Op out = invoke;
    out.type = OpType::kFail;
    out.error = "external client is not open";
    return out;
  }
  if (!adapter_) {
    // Spaced out while adapters keep failing (a restart that never answered
    // init, however long its start took on a loaded machine, or one that
    // died soon after): the wait doubles (50 ms .. 2 s) and resets once one
    // lives.
    auto lived = last_end_ - last_start_;
    restart_delay_ = restart_failed_ || lived < kQuickFailure
                         ? std::clamp(restart_delay_ * 2, kMinRestartDelay, kMaxRestartDelay)
                         : milliseconds(0);
    auto wait = last_end_ + restart_delay_ - Clock::now();
    if (wait > Clock::duration::zero()) {
      ++stats_->restarts_delayed;
      std::this_thread::sleep_for(wait);
    }
    ++stats_->restarts;
    if (Status s = StartAdapter(); !s.ok()) {
      ++stats_->restarts_failed;
      restart_failed_ = true;
      last_end_ = Clock::now();
      Log("adapter restart for " + node_.name + " failed: " + s.message());
      return Info(invoke, "adapter restart failed: " + s.message());
    }
    restart_failed_ = false;
  }
  const int64_t id = next_id_++;
  json msg = {{"type", "invoke"}, {"id", id}, {"f", invoke.f}};
  if (!invoke.key.is_null()) msg["key"] = invoke.key;
  msg["value"] = invoke.value;
  const auto timeout = SpecSeconds(spec_.client.op_timeout_s);
  const auto deadline = Clock::now() + timeout;
  auto crashed = [&](const std::string& what) {
    ++stats_->exits;
    std::string desc = adapter_->ExitDescription();
    std::string tail = adapter_->StderrTail();
    std::string error =
        "adapter " + what + " (" + desc + ")" + (tail.empty() ? "" : "; stderr: " + Clip(tail, 600));
    Log("adapter " + std::to_string(adapter_->pid()) + " " + what + " (" + desc +
        "); restarting for the next op");
    Discard();
    return Info(invoke, error);
  };
  auto protocol_error = [&](const std::string& what) {
    ++stats_->protocol_errors;
    Log("adapter " + std::to_string(adapter_->pid()) + ": " + what + "; restarting it for the next op");
    Discard();
    return Info(invoke, "adapter protocol error: " + what);
  };
  auto timed_out = [&] {
    ++stats_->timeouts;
    std::string secs = SecondsJson(spec_.client.op_timeout_s).dump();
    Log("adapter " + std::to_string(adapter_->pid()) + " timed out after " + secs + "s on op " +
        std::to_string(id) + "; killing it, restarting for the next op");
    Discard();
    return Info(invoke, "adapter timed out after " + secs + "s");
  };
  // An adapter that already exited shows it on the write (EPIPE); one that
  // stopped reading, by a full pipe until the deadline.
  if (Status w = adapter_->WriteLine(msg.dump(), deadline); !w.ok()) {
    return Clock::now() >= deadline ? timed_out() : crashed("exited");
  }
  std::string line;
  switch (adapter_->ReadLine(deadline, &line)) {
    case AdapterProcess::Read::kLine:
      break;
    case AdapterProcess::Read::kTimeout:
      return timed_out();
    case AdapterProcess::Read::kEof:
      return crashed("exited");
    case AdapterProcess::Read::kTooLong:
      return protocol_error("an answer line longer than 16 MiB");
  }
  auto parsed = ParseBoundedJson(line, JsonLimits{kMaxNesting, kMaxLine});
  if (!parsed.ok()) return protocol_error("not JSON (" + parsed.status().message() + "): " + Clip(line));
  const json& a = *parsed;
  if (!a.is_object()) return protocol_error("answer is not a JSON object: " + Clip(line));
  if (!a.contains("id") || a["id"] != json(id)) {
    return protocol_error("answer has id " +
                          (a.contains("id") ? Clip(a["id"].dump()) : std::string("(none)")) + ", expected " +
                          std::to_string(id));
  }
  std::string type = a.contains("type") && a["type"].is_string() ? a["type"].get<std::string>() : "";
  Op out = invoke;
  if (type == "ok")
    out.type = OpType::kOk;
  else if (type == "fail")
    out.type = OpType::kFail;
  else if (type == "info")
    out.type = OpType::kInfo;
  else
    return protocol_error("unknown answer type " + (a.contains("type") ? Clip(a["type"].dump()) : "(none)"));
  if (a.contains("value")) out.value = a["value"];
  if (a.contains("error"))
    out.error = a["error"].is_string() ? a["error"].get<std::string>() : a["error"].dump();
  return out;
}

void ExternalClient::Close() {
  opened_ = false;
  if (adapter_) {
    adapter_->Stop(std::chrono::seconds(2));
    adapter_.reset();
  }
}

}  // namespace faultline
