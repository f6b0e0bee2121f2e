#include "harness/run/generator.h"

#include <algorithm>
#include <set>
#include <utility>

namespace faultline {

// ---- ThreadTable / Context ------------------------------------------------

ThreadTable::ThreadTable(int clients, bool with_nemesis)
    : clients_(clients < 0 ? 0 : clients), has_nemesis_(with_nemesis) {
  for (int t = 0; t < clients_; ++t) process_.push_back(t);
  if (has_nemesis_) process_.push_back(kNemesisProcess);
  free_.assign(process_.size(), 1);
  for (int t = 0; t < size(); ++t) all_.push_back(t);
}

int ThreadTable::ThreadOf(int64_t process) const {
  if (process == kNemesisProcess) return has_nemesis_ ? nemesis_thread() : -1;
  if (process < 0 || clients_ == 0) return -1;
  // Processes of thread t are t, t + clients, t + 2*clients, ...
  return static_cast<int>(process % clients_);
}

void ThreadTable::Crash(int thread) {
  if (thread < clients_) process_[thread] += clients_;
}

bool Context::AllFree() const {
  for (int t : *threads) {
    if (!table->IsFree(t)) return false;
  }
  return true;
}

bool Context::AnyFree() const {
  for (int t : *threads) {
    if (table->IsFree(t)) return true;
  }
  return false;
}

int Context::SomeFreeThread() const {
  const int cursor = table->cursor();
  int first = -1;
  for (int t : *threads) {
    if (!table->IsFree(t)) continue;
    if (t >= cursor) return t;
    if (first < 0) first = t;
  }
  return first;
}

bool Context::Visible(int thread) const {
  return std::binary_search(threads->begin(), threads->end(), thread);
}

namespace {

// A deep-copying owner of a child generator, so that generators can use the
// default copy constructor for Clone().
struct Owned {
  GenPtr p;
  Owned() = default;
  Owned(GenPtr g) : p(std::move(g)) {}  // NOLINT
  Owned(const Owned& o) : p(o.p ? o.p->Clone() : nullptr) {}
  Owned& operator=(const Owned& o) {
    p = o.p ? o.p->Clone() : nullptr;
    return *this;
  }
  Owned(Owned&&) = default;
  Owned& operator=(Owned&&) = default;
  Generator* operator->() const { return p.get(); }
};

std::vector<Owned> Own(std::vector<GenPtr> gens) {
  std::vector<Owned> out;
  out.reserve(gens.size());
  for (auto& g : gens) out.emplace_back(std::move(g));
  return out;
}

template <typename Derived>
class GenBase : public Generator {
 public:
  GenPtr Clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

// A generator that wraps one child and passes everything through to it;
// wrappers override only what they change.
template <typename Derived>
class WrapperGen : public GenBase<Derived> {
 public:
  explicit WrapperGen(GenPtr gen) : gen_(std::move(gen)) {}
  GenResult Next(const Context& ctx) override { return gen_->Next(ctx); }
  void Dispatched(const Context& ctx, const Op& invoke) override { gen_->Dispatched(ctx, invoke); }
  void Update(const Context& ctx, const Op& event) override { gen_->Update(ctx, event); }
  void Seed(Rng& rng) override { gen_->Seed(rng); }

 protected:
  Owned gen_;
};

// A generator over several children: every child sees every completion and
// is seeded in order; combinators override only what they change.
template <typename Derived>
class CompositeGen : public GenBase<Derived> {
 public:
  explicit CompositeGen(std::vector<GenPtr> gens) : gens_(Own(std::move(gens))) {}
  void Update(const Context& ctx, const Op& event) override {
    for (auto& g : gens_) {
      if (g.p) g->Update(ctx, event);
    }
  }
  void Seed(Rng& rng) override {
    for (auto& g : gens_) {
      if (g.p) g->Seed(rng);
    }
  }

 protected:
  std::vector<Owned> gens_;
};

// ---- Leaves ---------------------------------------------------------------

class FnGen : public GenBase<FnGen> {
 public:
  explicit FnGen(OpFn fn) : fn_(std::move(fn)) {}
  GenResult Next(const Context& ctx) override {
    if (done_) return GenResult::Exhausted();
    int t = ctx.SomeFreeThread();
    if (t < 0) return GenResult::Pending();
    if (!cached_) {
      cached_ = fn_(rng_, ctx);
      if (!cached_) {
        done_ = true;
        return GenResult::Exhausted();
      }
    }
    Op op = *cached_;
    op.type = OpType::kInvoke;
    op.process = ctx.table->ProcessOf(t);
    op.time = ctx.time;
    return GenResult::Emit(std::move(op));
  }
  void Dispatched(const Context&, const Op&) override { cached_.reset(); }
  void Seed(Rng& rng) override { rng_ = rng.Fork(); }

 private:
  OpFn fn_;
  Rng rng_{0};
  std::optional<Op> cached_;
  bool done_ = false;
};

class OpsGen : public GenBase<OpsGen> {
 public:
  explicit OpsGen(std::vector<Op> ops) : ops_(std::move(ops)) {}
  GenResult Next(const Context& ctx) override {
    if (next_ >= ops_.size()) return GenResult::Exhausted();
    int t = ctx.SomeFreeThread();
    if (t < 0) return GenResult::Pending();
    Op op = ops_[next_];
    op.type = OpType::kInvoke;
    op.process = ctx.table->ProcessOf(t);
    op.time = ctx.time;
    return GenResult::Emit(std::move(op));
  }
  void Dispatched(const Context&, const Op&) override { ++next_; }

 private:
  std::vector<Op> ops_;
  size_t next_ = 0;
};

class SleepGen : public GenBase<SleepGen> {
 public:
  explicit SleepGen(int64_t nanos) : nanos_(nanos) {}
  GenResult Next(const Context& ctx) override {
    if (start_ < 0) {
      // Like Jepsen's sleep op, the sleep begins once a thread could run it.
      if (!ctx.AnyFree()) return GenResult::Pending();
      start_ = ctx.time;
    }
    if (ctx.time >= start_ + nanos_) return GenResult::Exhausted();
    return GenResult::Pending(start_ + nanos_);
  }
  void Dispatched(const Context&, const Op&) override {}

 private:
  int64_t nanos_;
  int64_t start_ = -1;
};

// ---- Combinators ----------------------------------------------------------

class MixGen : public CompositeGen<MixGen> {
 public:
  explicit MixGen(std::vector<GenPtr> gens) : CompositeGen(std::move(gens)) {}
  GenResult Next(const Context& ctx) override {
    while (!gens_.empty()) {
      if (!chosen_) chosen_ = static_cast<size_t>(rng_.Below(gens_.size()));
      GenResult r = gens_[*chosen_]->Next(ctx);
      if (!r.is_exhausted()) return r;
      gens_.erase(gens_.begin() + static_cast<long>(*chosen_));
      chosen_.reset();
    }
    return GenResult::Exhausted();
  }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    if (chosen_) gens_[*chosen_]->Dispatched(ctx, invoke);
    chosen_.reset();
  }
  void Seed(Rng& rng) override {
    rng_ = rng.Fork();
    CompositeGen::Seed(rng);
  }

 private:
  std::optional<size_t> chosen_;
  Rng rng_{0};
};

// Stagger (random spacing) and Delay (fixed spacing) differ only in the gap.
class SpacingGen : public WrapperGen<SpacingGen> {
 public:
  SpacingGen(int64_t nanos, bool random, GenPtr gen)
      : WrapperGen(std::move(gen)), nanos_(nanos), random_(random) {}
  GenResult Next(const Context& ctx) override {
    GenResult r = gen_->Next(ctx);
    if (r.is_op()) {
      if (next_time_ >= 0 && r.op.time < next_time_) r.op.time = next_time_;
      returned_time_ = r.op.time;
    }
    return r;
  }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    gen_->Dispatched(ctx, invoke);
    int64_t gap = random_ ? rng_.Range(0, 2 * nanos_) : nanos_;
    next_time_ = returned_time_ + gap;
  }
  void Seed(Rng& rng) override {
    rng_ = rng.Fork();
    gen_->Seed(rng);
  }

 private:
  int64_t nanos_;
  bool random_;
  int64_t next_time_ = -1;
  int64_t returned_time_ = 0;
  Rng rng_{0};
};

class LimitGen : public WrapperGen<LimitGen> {
 public:
  LimitGen(int64_t n, GenPtr gen) : WrapperGen(std::move(gen)), remaining_(n) {}
  GenResult Next(const Context& ctx) override {
    if (remaining_ <= 0) return GenResult::Exhausted();
    return gen_->Next(ctx);
  }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    --remaining_;
    gen_->Dispatched(ctx, invoke);
  }

 private:
  int64_t remaining_;
};

class TimeLimitGen : public WrapperGen<TimeLimitGen> {
 public:
  TimeLimitGen(int64_t nanos, GenPtr gen) : WrapperGen(std::move(gen)), nanos_(nanos) {}
  GenResult Next(const Context& ctx) override {
    if (done_) return GenResult::Exhausted();
    if (deadline_ < 0) deadline_ = ctx.time + nanos_;
    if (ctx.time >= deadline_) {
      done_ = true;
      return GenResult::Exhausted();
    }
    GenResult r = gen_->Next(ctx);
    if (r.is_op() && r.op.time >= deadline_) {
      done_ = true;
      return GenResult::Exhausted();
    }
    if (r.is_pending()) r.wake_at = std::min(r.wake_at, deadline_);
    return r;
  }

 private:
  int64_t nanos_;
  int64_t deadline_ = -1;
  bool done_ = false;
};

class SeqGen : public CompositeGen<SeqGen> {
 public:
  explicit SeqGen(std::vector<GenPtr> gens) : CompositeGen(std::move(gens)) {}
  GenResult Next(const Context& ctx) override {
    while (idx_ < gens_.size()) {
      GenResult r = gens_[idx_]->Next(ctx);
      if (!r.is_exhausted()) return r;
      gens_[idx_] = Owned();  // free finished phases
      ++idx_;
    }
    return GenResult::Exhausted();
  }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    gens_[idx_]->Dispatched(ctx, invoke);
  }
  void Update(const Context& ctx, const Op& event) override {
    if (idx_ < gens_.size()) gens_[idx_]->Update(ctx, event);
  }

 private:
  size_t idx_ = 0;
};

class SynchronizeGen : public WrapperGen<SynchronizeGen> {
 public:
  explicit SynchronizeGen(GenPtr gen) : WrapperGen(std::move(gen)) {}
  GenResult Next(const Context& ctx) override {
    if (!synced_) {
      if (!ctx.AllFree()) return GenResult::Pending();
      synced_ = true;
    }
    return gen_->Next(ctx);
  }

 private:
  bool synced_ = false;
};

// Caches a subset of the parent's visible threads (recomputed if the parent
// set changes), so restricting costs nothing per op.
class ThreadSubset {
 public:
  using Select = std::function<std::vector<int>(const Context&)>;
  explicit ThreadSubset(Select select) : select_(std::move(select)) {}
  const std::vector<int>* Get(const Context& ctx) {
    if (parent_ != ctx.threads || parent_size_ != ctx.threads->size()) {
      subset_ = select_(ctx);
      parent_ = ctx.threads;
      parent_size_ = ctx.threads->size();
    }
    return &subset_;
  }

 private:
  Select select_;
  const std::vector<int>* parent_ = nullptr;
  size_t parent_size_ = 0;
  std::vector<int> subset_;
};

class RestrictGen : public WrapperGen<RestrictGen> {
 public:
  RestrictGen(ThreadSubset::Select select, GenPtr gen)
      : WrapperGen(std::move(gen)), subset_(std::move(select)) {}
  GenResult Next(const Context& ctx) override {
    return gen_->Next(ctx.WithThreads(subset_.Get(ctx)));
  }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    gen_->Dispatched(ctx.WithThreads(subset_.Get(ctx)), invoke);
  }
  void Update(const Context& ctx, const Op& event) override {
    gen_->Update(ctx.WithThreads(subset_.Get(ctx)), event);
  }

 private:
  ThreadSubset subset_;
};

// Soonest op among children; children must use disjoint threads.
class AnyGen : public CompositeGen<AnyGen> {
 public:
  explicit AnyGen(std::vector<GenPtr> gens)
      : CompositeGen(std::move(gens)), exhausted_(gens_.size(), 0) {}
  GenResult Next(const Context& ctx) override {
    GenResult best = GenResult::Exhausted();
    int64_t wake = kForever;
    bool alive = false;
    for (size_t i = 0; i < gens_.size(); ++i) {
      if (exhausted_[i]) continue;
      GenResult r = gens_[i]->Next(ctx);
      if (r.is_exhausted()) {
        exhausted_[i] = 1;
        continue;
      }
      alive = true;
      if (r.is_pending()) {
        wake = std::min(wake, r.wake_at);
      } else if (!best.is_op() || r.op.time < best.op.time) {
        best = std::move(r);
        chosen_ = i;
      }
    }
    if (best.is_op()) return best;
    return alive ? GenResult::Pending(wake) : GenResult::Exhausted();
  }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    gens_[chosen_]->Dispatched(ctx, invoke);
  }
  void Update(const Context& ctx, const Op& event) override {
    for (size_t i = 0; i < gens_.size(); ++i) {
      if (!exhausted_[i]) gens_[i]->Update(ctx, event);
    }
  }

 private:
  std::vector<char> exhausted_;
  size_t chosen_ = 0;
};

class EachThreadGen : public GenBase<EachThreadGen> {
 public:
  explicit EachThreadGen(GenPtr gen) : proto_(std::move(gen)) {}
  GenResult Next(const Context& ctx) override {
    Init(ctx);
    GenResult best = GenResult::Exhausted();
    int64_t wake = kForever;
    bool alive = false;
    for (size_t i = 0; i < copies_.size(); ++i) {
      if (exhausted_[i]) continue;
      alive = true;
      if (!ctx.table->IsFree(views_[i][0])) continue;
      GenResult r = copies_[i]->Next(ctx.WithThreads(&views_[i]));
      if (r.is_exhausted()) {
        exhausted_[i] = 1;
        continue;
      }
      if (r.is_pending()) {
        wake = std::min(wake, r.wake_at);
      } else if (!best.is_op() || r.op.time < best.op.time) {
        best = std::move(r);
        chosen_ = i;
      }
    }
    if (best.is_op()) return best;
    bool any_left = false;
    for (char e : exhausted_) any_left |= !e;
    return (alive && any_left) ? GenResult::Pending(wake) : GenResult::Exhausted();
  }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    copies_[chosen_]->Dispatched(ctx.WithThreads(&views_[chosen_]), invoke);
  }
  void Update(const Context& ctx, const Op& event) override {
    Init(ctx);
    int t = ctx.table->ThreadOf(event.process);
    for (size_t i = 0; i < copies_.size(); ++i) {
      if (views_[i][0] == t && !exhausted_[i]) {
        copies_[i]->Update(ctx.WithThreads(&views_[i]), event);
      }
    }
  }
  void Seed(Rng& rng) override { rng_ = rng.Fork(); }

 private:
  void Init(const Context& ctx) {
    if (!copies_.empty() || ctx.threads->empty()) return;
    for (int t : *ctx.threads) {
      views_.push_back({t});
      Owned copy = proto_;
      copy->Seed(rng_);  // thread order: deterministic
      copies_.push_back(std::move(copy));
    }
    exhausted_.assign(copies_.size(), 0);
  }
  Owned proto_;
  Rng rng_{0};
  std::vector<Owned> copies_;
  std::vector<std::vector<int>> views_;
  std::vector<char> exhausted_;
  size_t chosen_ = 0;
};

class CycleGen : public GenBase<CycleGen> {
 public:
  CycleGen(GenPtr gen, int64_t times) : pristine_(std::move(gen)), times_(times) {
    current_ = pristine_;
  }
  GenResult Next(const Context& ctx) override {
    for (;;) {
      if (done_) return GenResult::Exhausted();
      GenResult r = current_->Next(ctx);
      if (!r.is_exhausted()) return r;
      ++rounds_;
      if (!emitted_ || (times_ >= 0 && rounds_ >= times_)) {
        done_ = true;
        continue;
      }
      current_ = pristine_;
      current_->Seed(rng_);
      emitted_ = false;
    }
  }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    emitted_ = true;
    current_->Dispatched(ctx, invoke);
  }
  void Update(const Context& ctx, const Op& event) override { current_->Update(ctx, event); }
  void Seed(Rng& rng) override {
    rng_ = rng.Fork();
    current_->Seed(rng_);
  }

 private:
  Owned pristine_;
  Owned current_;
  int64_t times_;
  int64_t rounds_ = 0;
  bool emitted_ = false;
  bool done_ = false;
  Rng rng_{0};
};

class RepeatGen : public WrapperGen<RepeatGen> {
 public:
  RepeatGen(GenPtr gen, int64_t times) : WrapperGen(std::move(gen)), times_(times) {}
  GenResult Next(const Context& ctx) override {
    if (times_ >= 0 && count_ >= times_) return GenResult::Exhausted();
    return gen_->Next(ctx);
  }
  // Deliberately does not advance gen_: the same op comes again.
  void Dispatched(const Context&, const Op&) override { ++count_; }

 private:
  int64_t times_;
  int64_t count_ = 0;
};

class FlipFlopGen : public CompositeGen<FlipFlopGen> {
 public:
  FlipFlopGen(GenPtr a, GenPtr b) : CompositeGen(Pair(std::move(a), std::move(b))) {}
  GenResult Next(const Context& ctx) override { return gens_[turn_]->Next(ctx); }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    gens_[turn_]->Dispatched(ctx, invoke);
    turn_ ^= 1;
  }

 private:
  static std::vector<GenPtr> Pair(GenPtr a, GenPtr b) {
    std::vector<GenPtr> both;
    both.push_back(std::move(a));
    both.push_back(std::move(b));
    return both;
  }
  int turn_ = 0;
};

class UntilOkGen : public WrapperGen<UntilOkGen> {
 public:
  explicit UntilOkGen(GenPtr gen) : WrapperGen(std::move(gen)) {}
  GenResult Next(const Context& ctx) override {
    if (done_) return GenResult::Exhausted();
    return gen_->Next(ctx);
  }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    mine_.insert(invoke.process);
    gen_->Dispatched(ctx, invoke);
  }
  void Update(const Context& ctx, const Op& event) override {
    gen_->Update(ctx, event);
    if (mine_.erase(event.process) && event.is_ok()) done_ = true;
  }

 private:
  std::set<int64_t> mine_;
  bool done_ = false;
};

class ProcessLimitGen : public WrapperGen<ProcessLimitGen> {
 public:
  ProcessLimitGen(int64_t n, GenPtr gen) : WrapperGen(std::move(gen)), n_(n) {}
  GenResult Next(const Context& ctx) override {
    if (done_) return GenResult::Exhausted();
    GenResult r = gen_->Next(ctx);
    if (r.is_op() && !seen_.count(r.op.process) && static_cast<int64_t>(seen_.size()) >= n_) {
      done_ = true;
      return GenResult::Exhausted();
    }
    return r;
  }
  void Dispatched(const Context& ctx, const Op& invoke) override {
    seen_.insert(invoke.process);
    gen_->Dispatched(ctx, invoke);
  }

 private:
  int64_t n_;
  std::set<int64_t> seen_;
  bool done_ = false;
};

class MapGen : public WrapperGen<MapGen> {
 public:
  MapGen(std::function<Op(Op)> fn, GenPtr gen) : WrapperGen(std::move(gen)), fn_(std::move(fn)) {}
  GenResult Next(const Context& ctx) override {
    GenResult r = gen_->Next(ctx);
    if (r.is_op()) r.op = fn_(std::move(r.op));
    return r;
  }

 private:
  std::function<Op(Op)> fn_;
};

class FilterGen : public WrapperGen<FilterGen> {
 public:
  FilterGen(std::function<bool(const Op&)> pred, GenPtr gen)
      : WrapperGen(std::move(gen)), pred_(std::move(pred)) {}
  GenResult Next(const Context& ctx) override {
    // Bounded so a filter that rejects everything cannot hang the scheduler.
    for (int i = 0; i < 10000; ++i) {
      GenResult r = gen_->Next(ctx);
      if (!r.is_op() || pred_(r.op)) return r;
      gen_->Dispatched(ctx, r.op);  // skip it
    }
    return GenResult::Pending(ctx.time + 1000000);
  }

 private:
  std::function<bool(const Op&)> pred_;
};

}  // namespace

GenPtr FromFn(OpFn fn) { return std::make_unique<FnGen>(std::move(fn)); }

GenPtr Emit(Op op) { return EmitAll({std::move(op)}); }

GenPtr Emit(const std::string& f, json value) {
  Op op;
  op.f = f;
  op.value = std::move(value);
  return Emit(std::move(op));
}

GenPtr EmitAll(std::vector<Op> ops) { return std::make_unique<OpsGen>(std::move(ops)); }

GenPtr Sleep(double seconds) { return std::make_unique<SleepGen>(SecondsToNanos(seconds)); }

GenPtr Nothing() { return EmitAll({}); }

GenPtr Mix(std::vector<GenPtr> gens) { return std::make_unique<MixGen>(std::move(gens)); }

GenPtr Stagger(double seconds, GenPtr gen) {
  return std::make_unique<SpacingGen>(SecondsToNanos(seconds), true, std::move(gen));
}

GenPtr Delay(double seconds, GenPtr gen) {
  return std::make_unique<SpacingGen>(SecondsToNanos(seconds), false, std::move(gen));
}

GenPtr Limit(int64_t n, GenPtr gen) { return std::make_unique<LimitGen>(n, std::move(gen)); }

GenPtr Once(GenPtr gen) { return Limit(1, std::move(gen)); }

GenPtr TimeLimit(double seconds, GenPtr gen) {
  return std::make_unique<TimeLimitGen>(SecondsToNanos(seconds), std::move(gen));
}

GenPtr Seq(std::vector<GenPtr> gens) { return std::make_unique<SeqGen>(std::move(gens)); }

GenPtr Synchronize(GenPtr gen) { return std::make_unique<SynchronizeGen>(std::move(gen)); }

GenPtr Phases(std::vector<GenPtr> gens) {
  std::vector<GenPtr> synced;
  for (auto& g : gens) synced.push_back(Synchronize(std::move(g)));
  return Seq(std::move(synced));
}

GenPtr EachThread(GenPtr gen) { return std::make_unique<EachThreadGen>(std::move(gen)); }

GenPtr Any(std::vector<GenPtr> gens) { return std::make_unique<AnyGen>(std::move(gens)); }

GenPtr Reserve(std::vector<std::pair<int, GenPtr>> ranges, GenPtr rest) {
  std::vector<GenPtr> parts;
  int start = 0;
  for (auto& [count, gen] : ranges) {
    int lo = start, hi = start + count;
    parts.push_back(std::make_unique<RestrictGen>(
        [lo, hi](const Context& ctx) {
          std::vector<int> v;
          for (int i = lo; i < hi && i < static_cast<int>(ctx.threads->size()); ++i) {
            v.push_back((*ctx.threads)[i]);
          }
          return v;
        },
        std::move(gen)));
    start = hi;
  }
  parts.push_back(std::make_unique<RestrictGen>(
      [start](const Context& ctx) {
        std::vector<int> v;
        for (int i = start; i < static_cast<int>(ctx.threads->size()); ++i) {
          v.push_back((*ctx.threads)[i]);
        }
        return v;
      },
      std::move(rest)));
  return Any(std::move(parts));
}

GenPtr Clients(GenPtr gen) {
  return std::make_unique<RestrictGen>(
      [](const Context& ctx) {
        std::vector<int> v;
        for (int t : *ctx.threads) {
          if (t < ctx.table->clients()) v.push_back(t);
        }
        return v;
      },
      std::move(gen));
}

GenPtr NemesisOnly(GenPtr gen) {
  return std::make_unique<RestrictGen>(
      [](const Context& ctx) {
        std::vector<int> v;
        if (ctx.table->has_nemesis() && ctx.Visible(ctx.table->nemesis_thread())) {
          v.push_back(ctx.table->nemesis_thread());
        }
        return v;
      },
      std::move(gen));
}

GenPtr ClientsNemesis(GenPtr clients, GenPtr nemesis) {
  std::vector<GenPtr> parts;
  parts.push_back(Clients(std::move(clients)));
  parts.push_back(NemesisOnly(std::move(nemesis)));
  return Any(std::move(parts));
}

GenPtr Cycle(GenPtr gen, int64_t times) {
  return std::make_unique<CycleGen>(std::move(gen), times);
}

GenPtr Repeat(GenPtr gen, int64_t times) {
  return std::make_unique<RepeatGen>(std::move(gen), times);
}

GenPtr FlipFlop(GenPtr a, GenPtr b) {
  return std::make_unique<FlipFlopGen>(std::move(a), std::move(b));
}

GenPtr UntilOk(GenPtr gen) { return std::make_unique<UntilOkGen>(std::move(gen)); }

GenPtr ProcessLimit(int64_t n, GenPtr gen) {
  return std::make_unique<ProcessLimitGen>(n, std::move(gen));
}

GenPtr Map(std::function<Op(Op)> fn, GenPtr gen) {
  return std::make_unique<MapGen>(std::move(fn), std::move(gen));
}

GenPtr Filter(std::function<bool(const Op&)> pred, GenPtr gen) {
  return std::make_unique<FilterGen>(std::move(pred), std::move(gen));
}

}  // namespace faultline
