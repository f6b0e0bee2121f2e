// Interpreter: drives a generator with real threads and records the history.
//
// One scheduler thread (the caller of Run) asks the generator for ops,
// dispatches each to the worker thread owning the op's process, and feeds
// completions back to the generator. Worker threads only execute ops: thread
// t runs an Executor (a Client, or the nemesis) made by the ExecutorFactory in
// that thread. Invocations are appended to the history by the scheduler
// before the worker sees them; completions by the worker that produced them,
// so the history order is a valid real-time order.
//
// Process model (DESIGN.md §1): an info completion gives the thread a new
// process id. An op that has not completed after `op_timeout` is recorded as
// info ("timed out after Ns") by the scheduler; its worker is abandoned (its
// late answer is dropped) and a fresh worker with a fresh executor takes the
// thread. An exception escaping an executor becomes info with the error text.
//
// Thread safety: Run/Shutdown from one thread (the owner); counters() and
// ActiveFaults() may be read from any thread (the status line).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "harness/run/generator.h"
#include "harness/history/history_writer.h"
#include "harness/core/status.h"

namespace faultline {

// Executes ops for one worker thread. Execute returns the completion (type
// ok/fail/info); it may throw (recorded as info).
class Executor {
 public:
  virtual ~Executor() = default;
  virtual Op Execute(const Op& invoke) = 0;
};

// Makes (and opens) the executor of `thread`; called in that worker thread.
using ExecutorFactory = std::function<Result<std::unique_ptr<Executor>>(int thread)>;

struct InterpreterCounters {
  std::atomic<int64_t> invoked{0}, ok{0}, fail{0}, info{0};
};

class Interpreter {
 public:
  struct Options {
    int clients = 1;
    bool nemesis = false;
    double op_timeout_s = 10;
    // Node each client thread talks to (index = thread); recorded as the
    // `node` of its ops so availability can be split per node. May be
    // shorter than `clients` (the rest record no node).
    std::vector<std::string> client_nodes;
  };
  // Starts one worker per thread (clients, then the nemesis thread) and waits
  // until each opened its executor; the first failure is returned (with the
  // started workers shut down). `start` is time zero of the history.
  static Result<std::unique_ptr<Interpreter>> Start(
      const Options& options, ExecutorFactory factory, std::shared_ptr<HistoryWriter> history,
      std::chrono::steady_clock::time_point start);
  ~Interpreter();  // Shutdown()

  // Runs `gen` (already seeded) until it is exhausted and its ops completed,
  // or until `stop()` returns true: then no new op is dispatched, in-flight
  // ops get up to the op timeout to finish, and the rest stay without a
  // completion (pending, i.e. unknown). Returns an error only for a history
  // write failure.
  Status Run(Generator& gen, const std::function<bool()>& stop);

  // Stops the workers: joins idle ones, detaches ones stuck in an op.
  // Idempotent.
  void Shutdown();

  const InterpreterCounters& counters() const { return *counters_; }
  // Nanoseconds since `start`.
  int64_t Now() const;

  struct Worker;
  struct Shared;

 private:
  Interpreter(const Options& options, ExecutorFactory factory,
              std::shared_ptr<HistoryWriter> history,
              std::chrono::steady_clock::time_point start);
  std::shared_ptr<Worker> SpawnWorker(int thread);
  void Dispatch(Generator& gen, Context& ctx, Op op);
  void Complete(Generator& gen, Context& ctx, int thread, Op done);
  bool DrainCompletions(Generator& gen, Context& ctx);
  void CheckTimeouts(Generator& gen, Context& ctx);

  Options options_;
  ExecutorFactory factory_;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<InterpreterCounters> counters_;
  std::chrono::steady_clock::time_point start_;
  ThreadTable table_;
  std::vector<std::shared_ptr<Worker>> workers_;
  std::vector<Op> inflight_;  // per thread: the op it runs, while busy
  int in_flight_ = 0;
  int64_t op_timeout_ns_;
  bool shut_down_ = false;
};

}  // namespace faultline
