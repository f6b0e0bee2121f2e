// Generators: Jepsen-style schedules of operations (DESIGN.md §3).
//
// A generator answers "what should happen next?" given a Context (the current
// time and which worker threads are free). Next(ctx) returns one of
//   - an op: a filled-in invocation (process = a free thread's process, time =
//     the earliest time it may be dispatched; it may lie in the future),
//   - pending: nothing now; ask again after an event or at `wake_at`,
//   - exhausted: this generator will never emit again.
// Next is a *peek*: calling it again without an intervening Dispatched returns
// the same op (possibly for another free process). Only Dispatched(ctx, op) —
// "the op your last Next returned was handed to a worker" — advances the
// generator, and Update(ctx, event) tells it about completions (ok/fail/info)
// of any op. This makes the scheduler free to re-ask while it waits for a
// future op's time (Jepsen's interpreter does the same with immutable values).
//
// Determinism: every generator that draws random numbers owns an Rng derived
// from the run's seed by Seed(), in tree order, and draws only when it creates
// a new op or on Dispatched. So the sequence of ops a generator produces is a
// function of the seed and the events it sees, independent of the wall clock
// wherever the generator itself does not look at time.
//
// Threads: ids 0..clients-1 are client workers; id `clients` (when the run has
// a nemesis) is the nemesis thread, whose process is kNemesisProcess. A client
// thread t starts as process t and becomes process p + clients after each info
// completion (Jepsen's process model).
//
// Thread safety: none. One scheduler thread owns a generator tree.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/rng.h"

namespace faultline {

inline constexpr int64_t kNanosPerSecond = 1000000000LL;
inline constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

// Seconds (double) to nanoseconds.
inline int64_t SecondsToNanos(double s) { return static_cast<int64_t>(s * 1e9); }

// The worker threads of a run and their current processes and busy flags.
// Owned by the scheduler (or a test's simulator); generators only read it.
class ThreadTable {
 public:
  ThreadTable(int clients, bool with_nemesis);

  int clients() const { return clients_; }
  bool has_nemesis() const { return has_nemesis_; }
  int nemesis_thread() const { return clients_; }  // valid only when has_nemesis()
  int size() const { return static_cast<int>(process_.size()); }
  // All thread ids, ascending (clients, then the nemesis thread).
  const std::vector<int>& all() const { return all_; }

  int64_t ProcessOf(int thread) const { return process_[thread]; }
  // The thread running `process`; -1 when no thread runs it (an old process).
  int ThreadOf(int64_t process) const;
  bool IsFree(int thread) const { return free_[thread]; }

  void SetBusy(int thread) { free_[thread] = 0; }
  void SetFree(int thread) { free_[thread] = 1; }
  // After an info completion: the thread continues under a new process id.
  void Crash(int thread);
  // A rotating start point so that leaves hand out work round-robin.
  int cursor() const { return cursor_; }
  void AdvanceCursor(int after_thread) { cursor_ = (after_thread + 1) % size(); }

 private:
  int clients_;
  bool has_nemesis_;
  std::vector<int64_t> process_;
  std::vector<char> free_;
  std::vector<int> all_;
  int cursor_ = 0;
};

// What a generator sees: the time and the threads it may use.
struct Context {
  int64_t time = 0;                        // ns since the run started
  const ThreadTable* table = nullptr;
  const std::vector<int>* threads = nullptr;  // visible threads, ascending

  bool AllFree() const;
  bool AnyFree() const;
  // A free visible thread, chosen round-robin from the table's cursor; -1 if none.
  int SomeFreeThread() const;
  bool Visible(int thread) const;
  Context WithThreads(const std::vector<int>* visible) const {
    Context c = *this;
    c.threads = visible;
    return c;
  }
};

struct GenResult {
  enum Kind { kOp, kPending, kExhausted };
  Kind kind = kExhausted;
  Op op;                     // kOp only
  int64_t wake_at = kForever;  // kPending: ask again no later than this

  static GenResult Pending(int64_t wake_at = kForever) {
    GenResult r;
    r.kind = kPending;
    r.wake_at = wake_at;
    return r;
  }
  static GenResult Exhausted() { return GenResult(); }
  static GenResult Emit(Op op) {
    GenResult r;
    r.kind = kOp;
    r.op = std::move(op);
    return r;
  }
  bool is_op() const { return kind == kOp; }
  bool is_pending() const { return kind == kPending; }
  bool is_exhausted() const { return kind == kExhausted; }
};

class Generator;
using GenPtr = std::unique_ptr<Generator>;

class Generator {
 public:
  virtual ~Generator() = default;
  // See the file comment. Must not return an op for a busy or invisible thread.
  virtual GenResult Next(const Context& ctx) = 0;
  // The op returned by the last Next was dispatched (`invoke` carries the
  // actual dispatch time). Also used by Filter to skip an op.
  virtual void Dispatched(const Context& ctx, const Op& invoke) = 0;
  // A completion (ok/fail/info) of some op, after the table was updated.
  virtual void Update(const Context& ctx, const Op& event) {}
  // Derives this generator's random source(s) from `rng`, in tree order.
  virtual void Seed(Rng& rng) {}
  // A copy in the current state (used by each_thread, cycle).
  virtual GenPtr Clone() const = 0;
};

// ---- Leaves -------------------------------------------------------------

// Makes the next op's f/key/value (process and time are filled in by the
// leaf); std::nullopt ends the generator.
using OpFn = std::function<std::optional<Op>(Rng& rng, const Context& ctx)>;

// Infinite (until fn returns nullopt) source of ops; each op goes to a free
// visible thread. The op is drawn once and kept until dispatched.
GenPtr FromFn(OpFn fn);
// Emits `op` once.
GenPtr Emit(Op op);
// Emits an op with this f (and value) once.
GenPtr Emit(const std::string& f, json value = nullptr);
// Emits the given ops in order.
GenPtr EmitAll(std::vector<Op> ops);
// Emits nothing; waits `seconds` from the first time it is asked while a
// visible thread is free, then is exhausted. Occupies no thread.
GenPtr Sleep(double seconds);
// Never emits; exhausted immediately.
GenPtr Nothing();

// ---- Combinators ---------------------------------------------------------

// Random choice among generators for each op (exhausted ones drop out).
GenPtr Mix(std::vector<GenPtr> gens);
// Ops at uniformly random intervals in [0, 2*seconds] (mean `seconds`).
GenPtr Stagger(double seconds, GenPtr gen);
// Ops exactly `seconds` apart.
GenPtr Delay(double seconds, GenPtr gen);
// At most n ops.
GenPtr Limit(int64_t n, GenPtr gen);
// Exactly one op of gen (= Limit(1, gen)).
GenPtr Once(GenPtr gen);
// Exhausted `seconds` after first being asked; never emits an op due later.
GenPtr TimeLimit(double seconds, GenPtr gen);
// Each generator in turn; the next starts once the previous is exhausted.
GenPtr Seq(std::vector<GenPtr> gens);
// Like Seq, but each phase starts only when all visible threads are free
// (every op of the previous phase completed).
GenPtr Phases(std::vector<GenPtr> gens);
// Waits until all visible threads are free, then behaves as gen.
GenPtr Synchronize(GenPtr gen);
// An independent copy of gen per visible thread.
GenPtr EachThread(GenPtr gen);
// Splits the visible threads: the first counts[0] threads run gens[0], the
// next counts[1] run gens[1], ...; the remaining threads run `rest`.
GenPtr Reserve(std::vector<std::pair<int, GenPtr>> ranges, GenPtr rest);
// Restricts gen to the client threads / the nemesis thread.
GenPtr Clients(GenPtr gen);
GenPtr NemesisOnly(GenPtr gen);
// Client ops from `clients` on client threads, fault ops from `nemesis` on
// the nemesis thread, concurrently (Jepsen's (clients c n) / any).
GenPtr ClientsNemesis(GenPtr clients, GenPtr nemesis);
// The soonest op of generators that use disjoint threads.
GenPtr Any(std::vector<GenPtr> gens);
// Restarts gen (from a copy of its initial state) whenever it is exhausted;
// times < 0 means forever. Exhausted if gen emits nothing in a whole round.
GenPtr Cycle(GenPtr gen, int64_t times = -1);
// Emits gen's current op over and over without advancing gen (times < 0:
// forever).
GenPtr Repeat(GenPtr gen, int64_t times = -1);
// Alternates: an op from a, one from b, one from a, ...; exhausted when the
// one whose turn it is is exhausted.
GenPtr FlipFlop(GenPtr a, GenPtr b);
// Emits gen's ops until one of them completes ok.
GenPtr UntilOk(GenPtr gen);
// Only ops for up to n distinct processes; exhausted after that.
GenPtr ProcessLimit(int64_t n, GenPtr gen);
// Transforms each op (process and time already filled in; keep them).
GenPtr Map(std::function<Op(Op)> fn, GenPtr gen);
// Skips ops for which pred is false.
GenPtr Filter(std::function<bool(const Op&)> pred, GenPtr gen);

}  // namespace faultline
