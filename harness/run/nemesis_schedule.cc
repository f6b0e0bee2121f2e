#include "harness/run/nemesis_schedule.h"

#include <algorithm>
#include <deque>
#include <optional>

namespace faultline {
namespace {

// What the schedules share: the nemesis thread, the start of the main phase,
// and noting an op that was due while the previous fault op still ran.
class TimedScheduleBase : public Generator {
 public:
  void Dispatched(const Context&, const Op& invoke) override {
    running_f_ = invoke.f;
    OnDispatched(invoke);
  }
  void Update(const Context&, const Op& event) override {
    if (event.is_invoke() || !event.is_nemesis()) return;
    last_done_f_ = event.f;
    last_done_at_ = event.time;
  }

 protected:
  virtual void OnDispatched(const Op& invoke) = 0;

  // Fills in process and time of an op due at `due` (ns) for the free thread
  // `t`, with the "schedule" note: `info` (may be null) plus the wait when
  // the op is late because the previous fault op completed after `due`.
  Op Place(const Context& ctx, int t, Op op, int64_t due, json info) const {
    op.type = OpType::kInvoke;
    op.process = ctx.table->ProcessOf(t);
    op.time = std::max(ctx.time, due);
    double waited = static_cast<double>(op.time - due) / 1e9;
    if (note_waits_ && last_done_at_ > due && waited > kScheduleWaitNoteS) {
      if (!info.is_object()) info = json::object();
      info["at"] = static_cast<double>(due - base_) / 1e9;
      info["waited-s"] = waited;
      info["waited-for"] = last_done_f_;
    }
    if (info.is_object()) {
      if (!op.extra.is_object()) op.extra = json::object();
      op.extra["schedule"] = std::move(info);
    }
    return op;
  }

  int64_t base_ = -1;  // the time of the first Next: the main phase's start
  bool note_waits_ = true;  // random schedules have no step whose time was promised

 private:
  std::string running_f_, last_done_f_;
  int64_t last_done_at_ = -1;
};

class OverlapGen : public TimedScheduleBase {
 public:
  OverlapGen(std::vector<FaultPair> pairs, double interval_s)
      : pairs_(std::move(pairs)), interval_ns_(SecondsToNanos(interval_s)),
        next_(pairs_.size(), 0), active_(pairs_.size(), false), planned_(pairs_.size(), -1),
        rng_before_(pairs_.size(), Rng(0)) {
    note_waits_ = false;
  }

  GenResult Next(const Context& ctx) override {
    if (pairs_.empty()) return GenResult::Exhausted();
    if (base_ < 0) {
      base_ = ctx.time;
      for (auto& n : next_) n = base_ + Draw(false);
    }
    size_t i = Soonest();
    int t = ctx.SomeFreeThread();
    if (t < 0) return GenResult::Pending();
    Op op;
    op.f = active_[i] ? pairs_[i].stop : pairs_[i].start;
    return GenResult::Emit(Place(ctx, t, std::move(op), next_[i], nullptr));
  }
  void Seed(Rng& rng) override { rng_ = rng.Fork(); }
  GenPtr Clone() const override { return std::make_unique<OverlapGen>(*this); }
  void Update(const Context& ctx, const Op& event) override {
    TimedScheduleBase::Update(ctx, event);
    if (event.is_invoke() || !event.is_nemesis() || !event.value.is_object()) return;
    auto retry = event.value.find("retry-after-s");
    if (retry == event.value.end() || !retry->is_number() || retry->get<double>() <= 0) return;
    // The op did nothing and asks to be tried again soon (nemesis.h): its
    // kind stays in the phase it was in, and the same op is due again then,
    // while the thread serves the other kinds meanwhile. The phase drawn at
    // its dispatch is taken back (the draws do not depend on how many tries
    // an op took), and the time it was first due is kept: once it acts, its
    // next phase change comes when planned from there, at once if that has
    // passed, so a wait does not cost the fault its later cycles.
    for (size_t i = 0; i < pairs_.size(); ++i) {
      if (event.f != pairs_[i].start && event.f != pairs_[i].stop) continue;
      active_[i] = event.f == pairs_[i].stop;
      rng_ = rng_before_[i];
      planned_[i] = due_at_dispatch_[i];
      next_[i] = event.time + SecondsToNanos(retry->get<double>());
    }
  }

 private:
  void OnDispatched(const Op& invoke) override {
    size_t i = Soonest();
    active_[i] = !active_[i];
    rng_before_[i] = rng_;
    // An op tried again (it asked for a retry) keeps the time it was first
    // due; any other op starts its phase when it was sent.
    const bool again = planned_[i] >= 0;
    due_at_dispatch_[i] = again ? planned_[i] : next_[i];
    const int64_t from = again ? planned_[i] : std::max(invoke.time, next_[i]);
    planned_[i] = -1;
    next_[i] = from + Draw(active_[i]);
  }
  // How long the next phase lasts: active 0.5-1.5 intervals, healthy
  // 0.25-1 interval. Shorter healthy phases make more starts, so with two
  // kinds a start falls inside the other's active phase in ~99% of 10-interval
  // runs (~94% with equal phases).
  int64_t Draw(bool active) {
    const double iv = static_cast<double>(interval_ns_);
    return active ? static_cast<int64_t>(iv * (0.5 + rng_.Unit())) : static_cast<int64_t>(iv * (0.25 + 0.75 * rng_.Unit()));
  }
  size_t Soonest() const {
    return static_cast<size_t>(std::min_element(next_.begin(), next_.end()) - next_.begin());
  }

  std::vector<FaultPair> pairs_;
  int64_t interval_ns_;
  std::vector<int64_t> next_;  // per kind: when it next starts or stops
  std::vector<bool> active_;
  // Per kind, while its op is being tried again: when that op was first due
  // (-1: not being retried); and, for the op last sent, the rng and due time
  // before it was sent (a retry takes its draw back).
  std::vector<int64_t> planned_;
  std::vector<Rng> rng_before_;
  std::vector<int64_t> due_at_dispatch_ = std::vector<int64_t>(pairs_.size(), 0);
  Rng rng_{0};
};

class FileGen : public TimedScheduleBase {
 public:
  explicit FileGen(std::vector<ScheduledOp> ops) : ops_(std::move(ops)) {}

  GenResult Next(const Context& ctx) override {
    if (base_ < 0) base_ = ctx.time;
    // "stop all" becomes one stop per fault still active (in name order).
    while (burst_.empty() && next_ < ops_.size() && !ops_[next_].start && ops_[next_].fault == "all") {
      for (const auto& f : active_) burst_.push_back(f);
      if (!burst_.empty()) break;
      ++next_;  // nothing active: nothing to stop
    }
    if (next_ >= ops_.size()) return GenResult::Exhausted();
    const ScheduledOp& s = ops_[next_];
    int t = ctx.SomeFreeThread();
    if (t < 0) return GenResult::Pending();
    Op op;
    std::string fault = burst_.empty() ? s.fault : burst_.front();
    op.f = (s.start ? "start-" : "stop-") + fault;
    if (s.start) op.value = s.value;
    int64_t due = base_ + SecondsToNanos(s.at_s);
    json info = {{"step", s.step}, {"at", s.at_s}};
    return GenResult::Emit(Place(ctx, t, std::move(op), due, std::move(info)));
  }
  GenPtr Clone() const override { return std::make_unique<FileGen>(*this); }

 private:
  void OnDispatched(const Op&) override {
    const ScheduledOp& s = ops_[next_];
    std::string fault = burst_.empty() ? s.fault : burst_.front();
    if (s.start) active_.insert(fault);
    else active_.erase(fault);
    if (!burst_.empty()) {
      burst_.pop_front();
      if (!burst_.empty()) return;
    }
    ++next_;
  }

  std::vector<ScheduledOp> ops_;
  size_t next_ = 0;
  std::set<std::string> active_;
  std::deque<std::string> burst_;  // the stops a "stop all" still has to emit
};

}  // namespace

GenPtr AlternateSchedule(std::vector<FaultPair> pairs, double interval_s) {
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

GenPtr OverlapSchedule(std::vector<FaultPair> pairs, double interval_s) {
  return std::make_unique<OverlapGen>(std::move(pairs), interval_s);
}

GenPtr FileSchedule(const std::vector<ScheduleStep>& steps) {
  return std::make_unique<FileGen>(ExpandSchedule(steps));
}

}  // namespace faultline
