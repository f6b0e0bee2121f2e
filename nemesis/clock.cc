// "clock": skews the clocks of the store's processes.
//
// Kinds (option "clock", comma list to pick from; default bump,strobe,drift):
//   bump   — each target node's clock jumps to a random offset of up to
//            ±clock-max-skew-ms (at least a tenth of it, so it matters);
//   strobe — each target node's clock flips between +delta and 0 every
//            period (50-500 ms) until stop-clock;
//   drift  — each target node's clock runs fast or slow (rate ±5-50%) until
//            stop-clock, never beyond ±clock-max-skew-ms;
//   reset  — (explicit only) every offset back to 0; stop-clock does this too.
// Strategy (option "clock-strategy"): "faketime" (default) writes the offset,
// in seconds ("+1.500000", reset "+0"), into the Db's libfaketime offset file
// (ClockSkewable), which the store's process re-reads: the host clock is never
// touched, so it works for namespace nodes. "system" shifts the node's real
// clock with `date -s` (real nodes only: namespace nodes share the host clock).
// Strobe and drift run on a controller thread that rewrites the offsets every
// tick. Offsets are recorded in the op values: "offsets-ms": {node: ms}.
// Options: "clock-max-skew-ms" (default 5000), "targets" (default: pick among
// one, minority, majority, all; or a role: leader, primaries, non-leader,
// asked of the Db's HasRoles). A start's value may name its own
// {"targets": ...} or {"nodes": [...]} (schedule files). Calls are serialised by a mutex; the tick
// thread only touches the offsets (own mutex) and is joined before any change.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "nemesis/nemesis.h"
#include "nemesis/nemesis_support.h"
#include "nemesis/node_selection.h"
#include "nemesis/role_targets.h"

namespace faultline {
namespace {

const std::vector<std::string> kClockKinds = {"bump", "strobe", "drift"};

// "+1.500000" / "-0.250000"; exactly "+0" for no offset.
std::string OffsetText(double ms) {
  if (ms == 0) return "+0";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%+.6f", ms / 1000.0);
  return buf;
}

class ClockNemesis : public Nemesis {
 public:
  ClockNemesis(std::vector<std::string> kinds, double max_skew_ms, bool system_clock,
               std::vector<std::string> targets)
      : kinds_(std::move(kinds)),
        max_skew_ms_(max_skew_ms),
        system_clock_(system_clock),
        targets_(std::move(targets)) {}

  ~ClockNemesis() override { StopLoop(); }

  std::string name() const override { return "clock"; }
  std::vector<FaultPair> Faults() const override { return {{"start-clock", "stop-clock"}}; }

  Status CheckTarget(Db* db) override {
    if (Status r = CheckRolesAvailable(targets_, db, "clock: --fault-targets"); !r.ok()) return r;
    if (system_clock_ || dynamic_cast<ClockSkewable*>(db) != nullptr) return Status::Ok();
    return Status::Error(
        "clock: the target's Db has no libfaketime offset file (not ClockSkewable); "
        "on real nodes use --clock-strategy system");
  }

  std::vector<NodeNeed> NodeNeeds() const override {
    return {system_clock_ ? NodeNeed::kSystemClock : NodeNeed::kFaketime};
  }

  Status Setup(const ClusterInfo& cluster, Db* db) override {
    std::lock_guard<std::mutex> lock(mu_);
    Status s = RequireRemotes(cluster, "clock");
    if (!s.ok()) return s;
    if (!system_clock_) {
      skewable_ = dynamic_cast<ClockSkewable*>(db);
      if (skewable_ == nullptr) {
        return Status::Error(
            "clock: the target's Db has no libfaketime offset file (not ClockSkewable); "
            "on real nodes use --clock-strategy system");
      }
    }
    cluster_ = cluster;
    roles_ = dynamic_cast<HasRoles*>(db);
    return Status::Ok();
  }

  Op Invoke(const Op& op, Rng& rng) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (op.f == "stop-clock" ||
        (op.value.is_object() && op.value.value("kind", std::string()) == "reset")) {
      Status loop_error = StopLoop();
      std::map<std::string, double> before = Offsets();
      Status s = ResetAll();
      if (s.ok()) s = loop_error;
      std::vector<std::string> nodes;
      nlohmann::json zero = nlohmann::json::object();
      for (const auto& [node, ms] : before) {
        nodes.push_back(node);
        zero[node] = 0;
      }
      return CompleteFault(op,
                           {{"kind", "reset"},
                            {"nodes", nodes},
                            {"offsets-ms", zero},
                            {"offsets-before-ms", before}},
                           s.Prefixed("clock"));
    }
    if (op.f != "start-clock") {
      return CompleteFault(op, nullptr, Status::Error("clock: unknown fault op " + op.f));
    }
    // A new skew replaces the previous one.
    Status s = StopLoop();
    Status reset = ResetAll();
    if (s.ok()) s = reset;

    std::string kind = rng.Pick(kinds_);
    if (op.value.is_object() && op.value.contains("kind") && op.value["kind"].is_string()) {
      kind = op.value["kind"].get<std::string>();
    }
    std::vector<std::string> specs = targets_;
    if (op.value.is_object() && op.value.contains("targets") && op.value["targets"].is_string()) {
      auto parsed = ParseTargetSpecs(op.value["targets"].get<std::string>());
      if (!parsed.ok()) return CompleteFault(op, op.value, parsed.status().Prefixed("clock"));
      specs = *parsed;
    }
    std::string spec = "explicit";
    std::vector<std::string> nodes;
    std::string why;
    if (op.value.is_object() && op.value.contains("nodes") && op.value["nodes"].is_array()) {
      for (const auto& n : op.value["nodes"]) {
        if (!n.is_string() || NodesNamed(cluster_, {n.get<std::string>()}).empty()) {
          return CompleteFault(op, op.value, Status::Error("clock: unknown node " + n.dump()));
        }
        nodes.push_back(n.get<std::string>());
      }
    } else {
      auto choice = PickRoleAwareTargets(specs, cluster_, roles_, rng);
      if (!choice.ok()) return CompleteFault(op, op.value, choice.status().Prefixed("clock"));
      spec = choice->spec;
      nodes = choice->nodes;
      why = choice->why;
    }
    nlohmann::json value = {{"kind", kind}, {"targets", spec}};
    if (!why.empty()) value["why"] = why;
    if (kind == "bump") {
      std::map<std::string, double> offsets;
      if (op.value.is_object() && op.value.contains("offsets-ms")) {
        nodes.clear();
        for (const auto& [node, ms] : op.value["offsets-ms"].items()) {
          if (!ms.is_number() || NodesNamed(cluster_, {node}).empty()) {
            return CompleteFault(op, op.value,
                                 Status::Error("clock: bad offsets-ms entry \"" + node + "\""));
          }
          nodes.push_back(node);
          offsets[node] = ms.get<double>();
        }
      } else {
        for (const auto& node : nodes) offsets[node] = RandomSkew(rng);
      }
      Status applied = Apply(offsets);
      if (s.ok()) s = applied;
      value["offsets-ms"] = offsets;
    } else if (kind == "strobe") {
      const double delta = RandomSkew(rng);
      const auto period = std::chrono::milliseconds(rng.Range(50, 500));
      value["delta-ms"] = delta;
      value["period-ms"] = period.count();
      std::map<std::string, double> on;
      for (const auto& node : nodes) on[node] = delta;
      value["offsets-ms"] = on;
      StartLoop(period, [on, flip = false]() mutable {
        flip = !flip;
        std::map<std::string, double> now = on;
        if (!flip) {
          for (auto& [node, ms] : now) ms = 0;
        }
        return now;
      });
    } else if (kind == "drift") {
      std::map<std::string, double> rates;  // skew ms per real ms
      for (const auto& node : nodes) {
        rates[node] = (rng.Chance(0.5) ? 1 : -1) * (0.05 + 0.45 * rng.Unit());
      }
      value["rates"] = rates;
      const double cap = max_skew_ms_;
      const auto start = std::chrono::steady_clock::now();
      StartLoop(std::chrono::milliseconds(100), [rates, cap, start]() {
        const double elapsed_ms = std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - start)
                                      .count();
        std::map<std::string, double> now;
        for (const auto& [node, rate] : rates) {
          now[node] = std::round(std::clamp(rate * elapsed_ms, -cap, cap));
        }
        return now;
      });
    } else {
      return CompleteFault(op, op.value,
                           Status::Error("clock: unknown kind \"" + kind +
                                         "\" (known: bump, strobe, drift, reset)"));
    }
    value["nodes"] = nodes;
    return CompleteFault(op, std::move(value), s.Prefixed("clock"));
  }

  // A recorded bump's offsets become this nemesis's (strobe and drift need
  // the tick thread of the process that started them: not taken over).
  Status Adopt(const nlohmann::json& start_value) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string kind = start_value.is_object() ? start_value.value("kind", std::string()) : "";
    if (kind != "bump") {
      return Status::Error("clock: only a bump can be taken over (recorded kind \"" + kind + "\")");
    }
    if (!start_value.contains("offsets-ms") || !start_value["offsets-ms"].is_object()) {
      return Status::Error("clock: the recorded bump has no offsets-ms");
    }
    std::lock_guard<std::mutex> l(offsets_mu_);
    for (const auto& [node, ms] : start_value["offsets-ms"].items()) {
      if (!ms.is_number() || NodesNamed(cluster_, {node}).empty()) {
        return Status::Error("clock: bad recorded offsets-ms entry \"" + node + "\"");
      }
      if (ms.get<double>() != 0) offsets_[node] = ms.get<double>();
    }
    return Status::Ok();
  }

  Status Heal() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (cluster_.nodes.empty()) return Status::Ok();
    Status loop_error = StopLoop();
    Status s = ResetAll();
    return s.ok() ? loop_error.Prefixed("clock") : s.Prefixed("clock heal");
  }

 private:
  // Magnitude in [max/10, max], random sign, whole milliseconds.
  double RandomSkew(Rng& rng) {
    const double magnitude = max_skew_ms_ * (0.1 + 0.9 * rng.Unit());
    return std::round((rng.Chance(0.5) ? 1 : -1) * magnitude);
  }

  std::map<std::string, double> Offsets() {
    std::lock_guard<std::mutex> lock(offsets_mu_);
    return offsets_;
  }

  // Sets each listed node's offset (absolute, ms) in parallel.
  Status Apply(const std::map<std::string, double>& offsets) {
    std::vector<std::string> names;
    for (const auto& [node, ms] : offsets) names.push_back(node);
    return ForEachNode(NodesNamed(cluster_, names), [&](const NodeInfo& n) {
      return SetOffset(n, offsets.at(n.name));
    });
  }

  // Offsets back to 0: with faketime on every node (cheap, and it also cleans
  // up after an earlier crashed run); with the system clock only where we moved it.
  Status ResetAll() {
    if (system_clock_) {
      std::map<std::string, double> zero;
      for (const auto& [node, ms] : Offsets()) zero[node] = 0;
      return Apply(zero);
    }
    return ForEachNode(AllNodes(cluster_), [&](const NodeInfo& n) { return SetOffset(n, 0); });
  }

  Status SetOffset(const NodeInfo& n, double ms) {
    double previous;
    {
      std::lock_guard<std::mutex> lock(offsets_mu_);
      previous = offsets_.count(n.name) ? offsets_[n.name] : 0;
    }
    std::string cmd;
    if (system_clock_) {
      if (ms == previous) return Status::Ok();
      char delta[48];
      std::snprintf(delta, sizeof delta, "%.6f", (ms - previous) / 1000.0);
      cmd = std::string("now=$(date +%s.%N) && date -s \"@$(awk -v n=\"$now\" -v d=") + delta +
            " 'BEGIN{printf \"%.6f\", n+d}')\" >/dev/null";
    } else {
      const std::string file = skewable_->FaketimeOffsetFile(n);
      if (file.empty()) {
        if (ms == 0) return Status::Ok();  // nothing was ever skewed there
        return Status::Error(n.name + ": the store runs without libfaketime, so its clock "
                             "cannot be skewed (install libfaketime on the node)");
      }
      // Write then rename, so the store never reads a half-written offset.
      cmd = "mkdir -p \"$(dirname " + ShellQuote(file) + ")\" && printf '%s\\n' " +
            ShellQuote(OffsetText(ms)) + " > " + ShellQuote(file + ".tmp") + " && mv -f " +
            ShellQuote(file + ".tmp") + " " + ShellQuote(file);
    }
    // Not 10 s: one `podman exec` took longer than that at load 40, and this
    // write is also the heal (offset 0), which must not give up early.
    auto r = ExecOrError(*n.remote, cmd, "", std::chrono::seconds(30));
    if (!r.ok()) return r.status();
    std::lock_guard<std::mutex> lock(offsets_mu_);
    if (ms == 0) {
      offsets_.erase(n.name);
    } else {
      offsets_[n.name] = ms;
    }
    return Status::Ok();
  }

  // Runs `next` every `period` on a thread and applies the offsets it returns.
  void StartLoop(std::chrono::milliseconds period,
                 std::function<std::map<std::string, double>()> next) {
    stop_loop_ = false;
    loop_error_ = Status::Ok();
    loop_ = std::thread([this, period, next = std::move(next)]() mutable {
      std::unique_lock<std::mutex> lock(loop_mu_);
      while (true) {
        lock.unlock();
        Status s = Apply(next());
        lock.lock();
        if (!s.ok() && loop_error_.ok()) loop_error_ = s;
        if (loop_cv_.wait_for(lock, period, [this] { return stop_loop_; })) return;
      }
    });
  }

  // Stops the tick thread (if any); returns the first error it met.
  Status StopLoop() {
    if (!loop_.joinable()) return Status::Ok();
    {
      std::lock_guard<std::mutex> lock(loop_mu_);
      stop_loop_ = true;
    }
    loop_cv_.notify_all();
    loop_.join();
    return loop_error_;
  }

  std::mutex mu_;
  const std::vector<std::string> kinds_;
  const double max_skew_ms_;
  const bool system_clock_;
  const std::vector<std::string> targets_;
  HasRoles* roles_ = nullptr;
  ClusterInfo cluster_;
  ClockSkewable* skewable_ = nullptr;

  std::mutex offsets_mu_;
  std::map<std::string, double> offsets_;  // node -> current offset (ms), non-zero only

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stop_loop_ = false;
  Status loop_error_;
  std::thread loop_;
};

Result<std::unique_ptr<Nemesis>> MakeClock(const NemesisOptions& options) {
  std::vector<std::string> kinds = SplitCommas(StringOption(options, "clock", "bump,strobe,drift"));
  if (kinds.empty()) return Status::Error("clock: empty list of clock kinds");
  for (const auto& k : kinds) {
    if (std::find(kClockKinds.begin(), kClockKinds.end(), k) == kClockKinds.end()) {
      return Status::Error("clock: unknown kind \"" + k + "\" (known: bump, strobe, drift)");
    }
  }
  auto skew = DoubleOption(options, "clock-max-skew-ms", 5000, 1, 1e9);
  if (!skew.ok()) return skew.status();
  const std::string strategy = StringOption(options, "clock-strategy", "faketime");
  if (strategy != "faketime" && strategy != "system") {
    return Status::Error("--clock-strategy: \"" + strategy + "\" is not faketime or system");
  }
  auto targets = ParseTargetSpecs(StringOption(options, "targets", ""));
  if (!targets.ok()) return targets.status().Prefixed("--fault-targets");
  return std::unique_ptr<Nemesis>(
      new ClockNemesis(std::move(kinds), *skew, strategy == "system", *targets));
}

Registrar<NemesisFactory> kClockNemesis("clock",
                              "clock skew of the store's processes (libfaketime offset file, or "
                              "date -s on real nodes): bump, strobe, drift, reset",
                              &MakeClock);

}  // namespace
}  // namespace faultline
