#include "checkers/availability_checker.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "checkers/fault_intervals.h"
#include "checkers/op_pairs.h"

namespace faultline {
namespace {

double Seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// A fail that is the store's correct, definite answer about the data (a cas
// whose expected value did not match) shows the store was available; every
// other fail (no quorum, unreachable node) shows it was not.
bool IsAnsweredFail(const Op& done) {
  return done.is_fail() && done.error.find("precondition failed") != std::string::npos;
}

struct Tally {
  int64_t ok = 0, answered = 0, completed = 0;
  void Add(bool is_ok, bool is_answered) {
    ++completed;
    if (is_ok) ++ok;
    if (is_answered) ++answered;
  }
  json ToJson() const {
    json j = {{"ok", ok}, {"answered", answered}, {"completed", completed}};
    j["availability"] = completed > 0
                            ? json(static_cast<double>(answered) / static_cast<double>(completed))
                            : json(nullptr);
    return j;
  }
};

// Overall tally plus its fault/healthy split (by whether any fault was
// active, the same for every row so that rows add up); per node also the
// part of the fault ops during a fault aimed at that node ("targeted").
struct Split {
  Tally all, fault, healthy, targeted;
  bool has_targeted = false;
  void Add(bool is_ok, bool is_answered, bool during_fault) {
    all.Add(is_ok, is_answered);
    (during_fault ? fault : healthy).Add(is_ok, is_answered);
  }
  void Add(bool is_ok, bool is_answered, bool during_fault, bool node_targeted) {
    Add(is_ok, is_answered, during_fault);
    has_targeted = true;
    if (node_targeted) targeted.Add(is_ok, is_answered);
  }
  json ToJson() const {
    json j = all.ToJson();
    j["fault"] = fault.ToJson();
    j["healthy"] = healthy.ToJson();
    if (has_targeted) j["targeted"] = targeted.ToJson();
    return j;
  }
};

// Total length of the union of [start, end] intervals.
int64_t UnionLength(std::vector<std::pair<int64_t, int64_t>> spans) {
  std::sort(spans.begin(), spans.end());
  int64_t total = 0, cur_start = 0, cur_end = -1;
  bool have = false;
  for (auto [s, e] : spans) {
    if (!have || s > cur_end) {
      if (have) total += cur_end - cur_start;
      cur_start = s;
      cur_end = e;
      have = true;
    } else {
      cur_end = std::max(cur_end, e);
    }
  }
  if (have) total += cur_end - cur_start;
  return total;
}

// Availability by time (see the header): per node, the run cut into windows;
// a window counts when the node was asked anything in it (an op of the node
// overlaps it) and is worth answered / completed of the node's completions in
// it, 0 when nothing completed (every request hung). The mean over counted
// windows weighs each second alike, however many ops a node's workers fired in
// it: a dead node whose workers fail and retry at once is one unavailable
// second per second, not thousands of failures.
class TimeWindows {
 public:
  TimeWindows(int64_t start, int64_t end) : start_(start) {
    double span_s = Seconds(std::max<int64_t>(end - start, 1));
    window_ns_ = static_cast<int64_t>(std::max(1.0, std::ceil(span_s / kMaxWindows)) * 1e9);
    count_ = static_cast<size_t>((std::max<int64_t>(end - start, 0)) / window_ns_) + 1;
  }
  // An op of `node` from `inv` to `done` (done < 0: never completed, until the end).
  void Add(const std::string& node, int64_t inv, int64_t done, bool completed, bool answered) {
    Node& n = nodes_[node];
    if (n.asked.empty()) {
      n.asked.assign(count_, 0);
      n.completed.assign(count_, 0);
      n.answered.assign(count_, 0);
    }
    size_t from = Window(inv), to = done < 0 ? count_ - 1 : Window(done);
    for (size_t w = from; w <= to; ++w) n.asked[w] = 1;
    if (completed) {
      ++n.completed[to];
      if (answered) ++n.answered[to];
    }
  }
  // {"window_s", "start_s", "nodes": {node: [share|null per window]},
  //  "time_availability": {node: mean share}} and the mean over nodes.
  json ToJson(json* by_node_time) const {
    json series = json::object();
    double sum_nodes = 0;
    for (const auto& [name, n] : nodes_) {
      json values = json::array();
      double sum = 0;
      size_t counted = 0;
      for (size_t w = 0; w < count_; ++w) {
        if (!n.asked[w]) {
          values.push_back(nullptr);
          continue;
        }
        double v = n.completed[w] > 0 ? static_cast<double>(n.answered[w]) / n.completed[w] : 0.0;
        values.push_back(std::round(v * 1000) / 1000);
        sum += v;
        ++counted;
      }
      series[name] = values;
      double mean = counted > 0 ? sum / static_cast<double>(counted) : 0.0;
      (*by_node_time)[name] = mean;
      sum_nodes += mean;
    }
    json j = {{"window_s", Seconds(window_ns_)}, {"start_s", Seconds(start_)}, {"nodes", series}};
    j["time_availability"] =
        nodes_.empty() ? json(nullptr) : json(sum_nodes / static_cast<double>(nodes_.size()));
    return j;
  }

 private:
  static constexpr double kMaxWindows = 2000;  // bounds results.json for long runs
  struct Node {
    std::vector<uint8_t> asked;
    std::vector<int64_t> completed, answered;
  };
  size_t Window(int64_t t) const {
    return std::min(count_ - 1, static_cast<size_t>(std::max<int64_t>(t - start_, 0) / window_ns_));
  }
  int64_t start_;
  int64_t window_ns_ = 1000000000;
  size_t count_ = 1;
  std::map<std::string, Node> nodes_;
};

class AvailabilityChecker : public Checker {
 public:
  explicit AvailabilityChecker(AvailabilityOptions options) : options_(options) {}
  std::string name() const override { return "availability"; }

  CheckResult Check(const TestInfo&, const History& history) override {
    PairedOps paired = PairClientOps(history);
    std::vector<FaultInterval> faults = FaultIntervals(history);
    CheckResult r;
    if (paired.pairs.empty()) {
      r.valid = Validity::kUnknown;
      r.details["error"] = "no client operations in the history";
      return r;
    }

    Split overall;
    std::map<std::string, Split> by_node, by_f;
    // Partitions that name their cut-off side (nemesis/partition.h).
    Tally cut_off_side, majority_side;
    bool any_cut_off_partition = false;
    std::map<std::string, std::vector<int64_t>> ok_times_by_node;
    std::vector<int64_t> ok_times;
    int64_t pending = 0;
    int64_t first_invoke = history[paired.pairs.front().invoke].time;
    int64_t last_invoke = first_invoke;
    int64_t last_completion = first_invoke;
    for (const OpPair& p : paired.pairs) {
      const Op& inv = history[p.invoke];
      first_invoke = std::min(first_invoke, inv.time);
      last_invoke = std::max(last_invoke, inv.time);
      if (!p.completion) {
        ++pending;
        continue;
      }
      const Op& done = history[*p.completion];
      last_completion = std::max(last_completion, done.time);
      const std::string& node = done.node.empty() ? inv.node : done.node;
      bool ok = done.is_ok();
      bool answered = ok || IsAnsweredFail(done);
      bool any_fault = false, node_fault = false;
      for (const FaultInterval& iv : faults) {
        if (Overlaps(iv, inv.time, done.time)) {
          any_fault = true;
          if (!node.empty() && Overlaps(iv, inv.time, done.time, node)) node_fault = true;
        }
      }
      for (const FaultInterval& iv : faults) {
        if (iv.fault != "partition" || !iv.value.contains("cut-off") ||
            !iv.value["cut-off"].is_array() || node.empty() || !Overlaps(iv, inv.time, done.time)) {
          continue;
        }
        any_cut_off_partition = true;
        bool cut_off = std::find(iv.value["cut-off"].begin(), iv.value["cut-off"].end(),
                                 json(node)) != iv.value["cut-off"].end();
        (cut_off ? cut_off_side : majority_side).Add(ok, answered);
        break;  // count an op once even if it spans two partitions
      }
      overall.Add(ok, answered, any_fault);
      by_f[inv.f].Add(ok, answered, any_fault);
      if (!node.empty()) {
        by_node[node].Add(ok, answered, any_fault, node_fault);
        if (answered) ok_times_by_node[node].push_back(done.time);
      }
      if (answered) ok_times.push_back(done.time);
    }

    // By time, per node (a history without nodes counts as one node "all").
    TimeWindows windows(first_invoke, std::max(last_completion, last_invoke));
    for (const OpPair& p : paired.pairs) {
      const Op& inv = history[p.invoke];
      const Op* done = p.completion ? &history[*p.completion] : nullptr;
      std::string node = done && !done->node.empty() ? done->node : inv.node;
      if (node.empty()) {
        if (!by_node.empty()) continue;  // node-less ops among noded ones: overall only
        node = "all";
      }
      bool answered = done && (done->is_ok() || IsAnsweredFail(*done));
      windows.Add(node, inv.time, done ? done->time : -1, done != nullptr, answered);
    }

    r.details = overall.all.ToJson();
    r.details["pending"] = pending;
    r.details["fault"] = overall.fault.ToJson();
    r.details["healthy"] = overall.healthy.ToJson();
    r.details["by_node"] = json::object();
    for (const auto& [n, s] : by_node) r.details["by_node"][n] = s.ToJson();
    r.details["by_f"] = json::object();
    for (const auto& [f, s] : by_f) r.details["by_f"][f] = s.ToJson();
    json node_time = json::object();
    json by_time = windows.ToJson(&node_time);
    r.details["time_availability"] = by_time["time_availability"];
    by_time.erase("time_availability");
    r.details["by_time"] = by_time;
    for (auto it = node_time.begin(); it != node_time.end(); ++it) {
      if (r.details["by_node"].contains(it.key())) {
        r.details["by_node"][it.key()]["time_availability"] = it.value();
      }
    }
    if (any_cut_off_partition) {
      r.details["partition_sides"] = {{"cut_off", cut_off_side.ToJson()},
                                      {"majority", majority_side.ToJson()}};
    }

    // Fault intervals and how much of the run they covered.
    json fj = json::array();
    std::vector<std::pair<int64_t, int64_t>> spans;
    for (const FaultInterval& iv : faults) {
      fj.push_back({{"fault", iv.fault}, {"start_s", Seconds(iv.start)}, {"end_s", Seconds(iv.end)},
                    {"healed", iv.healed}, {"nodes", iv.nodes}});
      spans.emplace_back(iv.start, iv.end);
    }
    r.details["faults"] = fj;
    int64_t run_end = 0;
    for (const Op& op : history) run_end = std::max(run_end, op.time);
    int64_t fault_ns = UnionLength(spans);
    r.details["fault_time_s"] = Seconds(fault_ns);
    r.details["healthy_time_s"] = Seconds(std::max<int64_t>(0, run_end - fault_ns));

    // Longest stretch without a success.
    std::sort(ok_times.begin(), ok_times.end());
    int64_t prev = first_invoke, best_start = first_invoke, best_len = -1;
    auto consider = [&](int64_t from, int64_t to) {
      if (to - from > best_len) { best_len = to - from; best_start = from; }
    };
    for (int64_t t : ok_times) {
      if (t < prev) continue;
      consider(prev, t);
      prev = t;
    }
    consider(prev, std::max(prev, last_completion));
    r.details["longest_outage"] = {{"start_s", Seconds(best_start)},
                                   {"end_s", Seconds(best_start + best_len)},
                                   {"duration_s", Seconds(best_len)}};

    // Recovery: heal -> first success on each node.
    for (auto& [n, v] : ok_times_by_node) std::sort(v.begin(), v.end());
    json rec = json::array();
    for (const FaultInterval& iv : faults) {
      // A heal after the last client invocation (the final phase's) cannot
      // show a recovery either way; listing it as "never recovered" would lie.
      if (!iv.healed || iv.end > last_invoke) continue;
      json nodes = json::object();
      for (const auto& [n, split] : by_node) {
        const std::vector<int64_t>& v = ok_times_by_node[n];
        auto it = std::lower_bound(v.begin(), v.end(), iv.end);
        nodes[n] = it == v.end() ? json(nullptr) : json(Seconds(*it - iv.end));
      }
      rec.push_back({{"fault", iv.fault}, {"heal_s", Seconds(iv.end)}, {"nodes", nodes}});
    }
    r.details["recovery"] = rec;
    if (paired.malformed > 0) r.details["malformed_ops"] = paired.malformed;

    r.valid = Validity::kValid;
    if (options_.min_availability) {
      double min = *options_.min_availability;
      r.details["min_availability"] = min;
      if (overall.all.completed == 0) {
        r.valid = Validity::kUnknown;
        r.details["error"] = "no client operation completed; availability is undefined";
      } else {
        double a =
            static_cast<double>(overall.all.answered) / static_cast<double>(overall.all.completed);
        if (a < min) {
          char buf[160];
          std::snprintf(buf, sizeof buf, "availability %.4f is below --min-availability %.4f", a, min);
          r.valid = Validity::kInvalid;
          r.details["error"] = buf;
        }
      }
    }
    return r;
  }

 private:
  AvailabilityOptions options_;
};

}  // namespace

Result<std::unique_ptr<Checker>> MakeAvailabilityChecker(const AvailabilityOptions& options) {
  if (options.min_availability &&
      !(*options.min_availability >= 0.0 && *options.min_availability <= 1.0)) {
    return Status::Error("min_availability must be between 0 and 1, got " +
                         std::to_string(*options.min_availability));
  }
  return std::unique_ptr<Checker>(std::make_unique<AvailabilityChecker>(options));
}

}  // namespace faultline
