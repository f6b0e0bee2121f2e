// ExternalClient: the Client of an external target — one adapter process
// (targets/external/adapter_process.h) per worker, spoken to in JSON lines
// (the protocol is in README "The adapter protocol"):
//
//   -> {"type":"init","node":"n2","address":..,"nodes":[{"name":..,"address":..}],
//       "opts":{..},"op_timeout_s":5,"workload":"list-append","run_id":"test/20261126T103022.338"}
//   <- {"type":"init_ok"}  |  {"type":"error","error":".."}
//   -> {"type":"invoke","id":7,"f":"cas","key":"k3","value":[1,4]}
//   <- {"id":7,"type":"ok"|"fail"|"info","value":..,"error":".."}
//
// Open starts the adapter and initialises it; any failure there is an
// infrastructure error naming the node. The wait for init_ok ends early, with
// an error, once the cluster's stop_requested says the run is stopping. Afterwards misbehaviour never stops
// the run, it only makes that op info with the reason — no answer within
// op_timeout_s, exit or crash (its status and last stderr lines), a line that
// is not JSON, the wrong id, an unknown type, a line over 16 MiB — and the
// adapter is killed; the next op starts a new one (restarts are spaced out:
// 50 ms doubling up to 2 s after adapters that failed within 1 s of starting). Ops are info while no
// adapter can be started. Adapter stderr goes to the run log, prefixed with
// "adapter PID:" (the runner's log prefixes the worker), at most 100 lines a
// second per adapter: the rest are counted, not logged. Close closes the
// adapter's stdin, gives it 2 s, then kills its process group.
//
// Thread safety: one worker thread per client (Client contract); the shared
// ExternalClientStats are atomic.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "targets/external/adapter_process.h"
#include "targets/external/external_spec.h"
#include "targets/target.h"

namespace faultline {

// The init message's run_id: the run directory's last two components,
// "<test name>/<timestamp>" (unique within a store); "" for "".
std::string RunId(const std::string& run_dir);

// Counters over all the clients of one run: the "target" part of results.json.
struct ExternalClientStats {
  std::atomic<int64_t> adapters_started{0};      // including the first one per worker
  std::atomic<int64_t> restarts{0};              // adapters started after the first, per worker
  std::atomic<int64_t> restarts_delayed{0};      // restarts the rate limit held back
  std::atomic<int64_t> restarts_failed{0};       // restarts that did not reach init_ok
  std::atomic<int64_t> timeouts{0};              // ops with no answer within op_timeout_s
  std::atomic<int64_t> exits{0};                 // adapters that exited or crashed mid-op
  std::atomic<int64_t> protocol_errors{0};       // not JSON, wrong id, unknown type, too long
  std::atomic<int64_t> stderr_lines{0};          // logged
  std::atomic<int64_t> stderr_lines_dropped{0};  // over the rate limit

  json ToJson() const;
};

class ExternalClient final : public Client {
 public:
  ExternalClient(ExternalSpec spec, TargetOptions options, std::shared_ptr<ExternalClientStats> stats);
  ~ExternalClient() override;

  Status Open(const ClusterInfo& cluster, const NodeInfo& node) override;
  Op Invoke(const Op& invoke) override;
  void Close() override;

  // The running adapter's pid (0 when none): for tests.
  pid_t adapter_pid() const { return adapter_ ? adapter_->pid() : 0; }

 private:
  // Starts an adapter and waits for init_ok (error: why not).
  Status StartAdapter();
  // Kills the adapter after misbehaviour; the next op starts another.
  void Discard();
  // `invoke` as info with `error`.
  static Op Info(const Op& invoke, std::string error);
  void Log(const std::string& line) const;

  const ExternalSpec spec_;
  const TargetOptions options_;
  const std::shared_ptr<ExternalClientStats> stats_;
  ClusterInfo cluster_;
  NodeInfo node_;
  std::string init_line_;
  std::unique_ptr<AdapterProcess> adapter_;
  int64_t next_id_ = 1;
  std::chrono::milliseconds restart_delay_{0};
  bool restart_failed_ = false;  // the latest restart never answered init
  std::chrono::steady_clock::time_point last_start_{};  // of the latest adapter
  std::chrono::steady_clock::time_point last_end_{};    // the latest was discarded / failed init
  bool opened_ = false;
};

}  // namespace faultline
