#include "harness/run/interpreter.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace faultline {

namespace {
enum WorkerState : int { kIdle = 0, kRunning = 1, kAbandoned = 2 };
// Nemesis ops (SSH to every node, iptables...) are slow; they get longer.
constexpr int64_t kMinNemesisTimeoutNs = 120 * kNanosPerSecond;
constexpr int64_t kTimeoutScanNs = 10 * 1000000;
constexpr int64_t kMaxWaitNs = 50 * 1000000;  // bounded waits: signals are polled

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}
}  // namespace

struct Interpreter::Shared {
  std::shared_ptr<HistoryWriter> history;
  std::shared_ptr<InterpreterCounters> counters;
  std::chrono::steady_clock::time_point start;
  std::mutex mu;
  std::condition_variable cv;
  bool waiting = false;
  std::vector<std::pair<int, Op>> completions;
  std::atomic<int> pending{0};  // completions.size(), readable without mu

  int64_t Now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now() - start)
        .count();
  }
};

struct Interpreter::Worker {
  int thread = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Op> task;
  bool quit = false;
  bool sleeping = false;  // blocked on cv: only then does a dispatch notify
  std::atomic<int> state{kIdle};
  std::thread th;
  // Result of opening the executor, for Start().
  std::mutex open_mu;
  std::condition_variable open_cv;
  bool opened = false;
  Status open_status;
};

namespace {

Result<std::unique_ptr<Executor>> OpenExecutor(const ExecutorFactory& factory, int thread) {
  try {
    return factory(thread);
  } catch (const std::exception& e) {
    return Status::Error(std::string("opening client threw: ") + e.what());
  }
}

// The body of one worker thread. Holds shared ownership of everything it
// touches, so an abandoned worker may outlive the Interpreter safely.
void WorkerMain(std::shared_ptr<Interpreter::Worker> w,
                std::shared_ptr<Interpreter::Shared> s, ExecutorFactory factory) {
  std::unique_ptr<Executor> exec;
  Status open_status;
  {
    auto r = OpenExecutor(factory, w->thread);
    if (r.ok()) {
      exec = std::move(*r);
    } else {
      open_status = r.status();
    }
  }
  {
    std::lock_guard<std::mutex> lk(w->open_mu);
    w->opened = true;
    w->open_status = open_status;
  }
  w->open_cv.notify_all();

  for (;;) {
    Op invoke;
    {
      std::unique_lock<std::mutex> lk(w->mu);
      if (!w->task && !w->quit) {
        w->sleeping = true;
        w->cv.wait(lk, [&] { return w->task.has_value() || w->quit; });
        w->sleeping = false;
      }
      if (!w->task) break;
      invoke = std::move(*w->task);
      w->task.reset();
    }
    Op done;
    if (!exec) {  // a replacement worker whose open failed: retry once per op
      auto r = OpenExecutor(factory, w->thread);
      if (r.ok()) {
        exec = std::move(*r);
      } else {
        open_status = r.status();
      }
    }
    if (!exec) {
      // The op never reached the store: it certainly did not happen.
      done = invoke;
      done.type = OpType::kFail;
      done.error = "client unavailable: " + open_status.message();
    } else {
      try {
        done = exec->Execute(invoke);
        if (done.type == OpType::kInvoke) {
          done.type = OpType::kInfo;
          done.error = "client returned an invocation instead of a completion";
        }
      } catch (const std::exception& e) {
        done = invoke;
        done.type = OpType::kInfo;
        done.error = std::string("client threw: ") + e.what();
      } catch (...) {
        done = invoke;
        done.type = OpType::kInfo;
        done.error = "client threw a non-standard exception";
      }
    }
    done.process = invoke.process;
    if (done.f.empty()) done.f = invoke.f;
    if (done.node.empty()) done.node = invoke.node;
    done.time = s->Now();
    int expected = kRunning;
    if (!w->state.compare_exchange_strong(expected, kIdle)) break;  // timed out: abandoned
    s->history->Append(done);
    {
      std::lock_guard<std::mutex> lk(s->mu);
      s->completions.emplace_back(w->thread, std::move(done));
      s->pending.store(static_cast<int>(s->completions.size()), std::memory_order_release);
      if (s->waiting) s->cv.notify_one();
    }
  }
  exec.reset();  // closes the client in this thread
}

}  // namespace

Interpreter::Interpreter(const Options& options, ExecutorFactory factory,
                         std::shared_ptr<HistoryWriter> history,
                         std::chrono::steady_clock::time_point start)
    : options_(options),
      factory_(std::move(factory)),
      shared_(std::make_shared<Shared>()),
      counters_(std::make_shared<InterpreterCounters>()),
      start_(start),
      table_(options.clients, options.nemesis),
      op_timeout_ns_(SecondsToNanos(options.op_timeout_s > 0 ? options.op_timeout_s : 1e9)) {
  shared_->history = std::move(history);
  shared_->counters = counters_;
  shared_->start = start;
  inflight_.resize(table_.size());
}

Interpreter::~Interpreter() { Shutdown(); }

int64_t Interpreter::Now() const { return shared_->Now(); }

std::shared_ptr<Interpreter::Worker> Interpreter::SpawnWorker(int thread) {
  auto w = std::make_shared<Worker>();
  w->thread = thread;
  w->th = std::thread(WorkerMain, w, shared_, factory_);
  return w;
}

Result<std::unique_ptr<Interpreter>> Interpreter::Start(
    const Options& options, ExecutorFactory factory, std::shared_ptr<HistoryWriter> history,
    std::chrono::steady_clock::time_point start) {
  std::unique_ptr<Interpreter> in(
      new Interpreter(options, std::move(factory), std::move(history), start));
  for (int t = 0; t < in->table_.size(); ++t) in->workers_.push_back(in->SpawnWorker(t));
  Status first_error;
  for (auto& w : in->workers_) {
    std::unique_lock<std::mutex> lk(w->open_mu);
    w->open_cv.wait(lk, [&] { return w->opened; });
    if (!w->open_status.ok() && first_error.ok()) {
      first_error = w->open_status.Prefixed(w->thread < options.clients
                                                ? "worker " + std::to_string(w->thread)
                                                : std::string("nemesis"));
    }
  }
  if (!first_error.ok()) {
    in->Shutdown();
    return first_error;
  }
  return in;
}

void Interpreter::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& w : workers_) {
    {
      std::lock_guard<std::mutex> lk(w->mu);
      w->quit = true;
    }
    w->cv.notify_all();
  }
  for (auto& w : workers_) {
    if (!w->th.joinable()) continue;
    // A worker still inside an op (stop with ops in flight) is left to
    // finish on its own; it holds shared ownership of what it touches.
    int expected = kRunning;
    if (w->state.compare_exchange_strong(expected, kAbandoned)) {
      w->th.detach();
    } else {
      w->th.join();
    }
  }
  workers_.clear();
}

void Interpreter::Dispatch(Generator& gen, Context& ctx, Op op) {
  const int t = table_.ThreadOf(op.process);
  table_.SetBusy(t);
  table_.AdvanceCursor(t);
  op.type = OpType::kInvoke;
  op.time = Now();
  op.index = -1;
  if (!op.is_nemesis() && t < static_cast<int>(options_.client_nodes.size())) {
    op.node = options_.client_nodes[t];
  }
  gen.Dispatched(ctx, op);
  if (op.is_nemesis()) {
    Op rec = op;
    rec.type = OpType::kInfo;  // Jepsen records nemesis invocations as info
    shared_->history->Append(std::move(rec));
  } else {
    shared_->history->Append(op);
    counters_->invoked.fetch_add(1, std::memory_order_relaxed);
  }
  inflight_[t] = op;
  ++in_flight_;
  Worker& w = *workers_[t];
  bool sleeping;
  {
    std::lock_guard<std::mutex> lk(w.mu);
    w.state.store(kRunning);
    w.task = std::move(op);
    sleeping = w.sleeping;
  }
  if (sleeping) w.cv.notify_one();
}

void Interpreter::Complete(Generator& gen, Context& ctx, int thread, Op done) {
  table_.SetFree(thread);
  --in_flight_;
  if (done.is_client()) {
    if (done.is_ok()) {
      counters_->ok.fetch_add(1, std::memory_order_relaxed);
    } else if (done.is_fail()) {
      counters_->fail.fetch_add(1, std::memory_order_relaxed);
    } else {
      counters_->info.fetch_add(1, std::memory_order_relaxed);
      table_.Crash(thread);
    }
  }
  ctx.time = Now();
  gen.Update(ctx, done);
}

bool Interpreter::DrainCompletions(Generator& gen, Context& ctx) {
  std::vector<std::pair<int, Op>> batch;
  {
    std::lock_guard<std::mutex> lk(shared_->mu);
    if (shared_->completions.empty()) return false;
    batch.swap(shared_->completions);
    shared_->pending.store(0, std::memory_order_relaxed);
  }
  for (auto& [thread, op] : batch) Complete(gen, ctx, thread, std::move(op));
  return true;
}

void Interpreter::CheckTimeouts(Generator& gen, Context& ctx) {
  const int64_t now = Now();
  for (int t = 0; t < table_.size(); ++t) {
    if (table_.IsFree(t)) continue;
    const bool nemesis = t >= table_.clients();
    const int64_t limit = nemesis ? std::max(op_timeout_ns_, kMinNemesisTimeoutNs) : op_timeout_ns_;
    if (now - inflight_[t].time < limit) continue;
    auto old = workers_[t];
    int expected = kRunning;
    if (!old->state.compare_exchange_strong(expected, kAbandoned)) continue;  // just completed
    // The worker stays stuck in its op; its late answer will be dropped.
    {
      std::lock_guard<std::mutex> lk(old->mu);
      old->quit = true;
    }
    old->cv.notify_all();
    old->th.detach();
    workers_[t] = SpawnWorker(t);
    Op done = inflight_[t];
    done.type = OpType::kInfo;
    done.time = now;
    done.index = -1;
    done.error = "timed out after " + std::to_string(limit / kNanosPerSecond) + "s";
    shared_->history->Append(done);
    Complete(gen, ctx, t, std::move(done));
  }
}

Status Interpreter::Run(Generator& gen, const std::function<bool()>& stop) {
  Context ctx;
  ctx.table = &table_;
  ctx.threads = &table_.all();
  bool stopping = false;
  int64_t next_scan = 0;
  for (uint64_t loop = 0;; ++loop) {
    DrainCompletions(gen, ctx);
    if ((loop & 255) == 0 && !shared_->history->status().ok()) return shared_->history->status();
    int64_t now = Now();
    if (now >= next_scan) {
      CheckTimeouts(gen, ctx);
      next_scan = now + kTimeoutScanNs;
    }
    if (!stopping && stop()) stopping = true;
    int64_t wake = now + kMaxWaitNs;
    if (stopping) {
      if (in_flight_ == 0) return shared_->history->status();
    } else {
      ctx.time = now;
      GenResult r = gen.Next(ctx);
      if (r.is_op()) {
        if (r.op.time <= now) {
          Dispatch(gen, ctx, std::move(r.op));
          continue;  // ask again at once: more threads may be free
        }
        wake = std::min(wake, r.op.time);
      } else if (r.is_pending()) {
        wake = std::min(wake, r.wake_at);
      } else if (in_flight_ == 0) {
        return shared_->history->status();
      }
    }
    wake = std::min(wake, next_scan);
    if (in_flight_ > 0) {
      // Completions are due within microseconds at high rates: a short spin
      // saves the scheduler a futex sleep + wake per batch.
      for (int i = 0; i < 256 && shared_->pending.load(std::memory_order_acquire) == 0; ++i) {
        CpuRelax();
      }
      if (shared_->pending.load(std::memory_order_acquire) != 0) continue;
    }
    std::unique_lock<std::mutex> lk(shared_->mu);
    if (!shared_->completions.empty()) continue;
    shared_->waiting = true;
    shared_->cv.wait_until(lk, start_ + std::chrono::nanoseconds(wake),
                           [&] { return !shared_->completions.empty(); });
    shared_->waiting = false;
  }
}

}  // namespace faultline
