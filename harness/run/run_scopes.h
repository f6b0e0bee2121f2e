// The RAII scopes that undo a run's steps (DESIGN.md §4): whatever ends a run
// — success, an exception, SIGINT/SIGTERM — destroying them heals every
// nemesis and tears the Db down. Plus ForEachNode, the parallel fan-out the
// Db steps use. Not thread-safe: owned by the runner's thread.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "harness/core/status.h"
#include "harness/run/fault_ledger.h"
#include "harness/run/run_log.h"
#include "nemesis/nemesis.h"
#include "targets/target.h"

namespace faultline {

// Runs fn(node) for every node of `cluster` in parallel and waits for all;
// returns the first error in node order, prefixed with the node's name (an
// exception thrown by fn is such an error).
Status ForEachNode(const ClusterInfo& cluster, const std::function<Status(const NodeInfo&)>& fn);

// Tears the Db down on every node on scope exit (or at Teardown(), once),
// unless asked to leave it running; errors are logged, not thrown.
class DbScope {
 public:
  // `db` may be null (an in-process target): then nothing is done.
  DbScope(Db* db, const ClusterInfo* cluster, RunLog* log, bool leave_running)
      : db_(db), cluster_(cluster), log_(log), leave_running_(leave_running) {}
  ~DbScope() { Teardown(); }
  void Teardown();

 private:
  Db* db_;
  const ClusterInfo* cluster_;
  RunLog* log_;
  bool leave_running_;
  bool done_ = false;
};

// Heals every nemesis on scope exit (also after exceptions and signals) and
// whenever HealAll() is called; errors and exceptions are logged. On scope
// exit the run's fault ledger record (may be null) is closed: removed when
// the heal succeeded, kept as unhealed (for the next run to heal) when not.
class HealScope {
 public:
  HealScope(std::vector<std::unique_ptr<Nemesis>>* nemeses, RunLog* log, FaultLedger* ledger)
      : nemeses_(nemeses), log_(log), ledger_(ledger) {}
  ~HealScope();
  // The first heal error, prefixed with the nemesis (Ok when all healed).
  Status HealAll();

 private:
  std::vector<std::unique_ptr<Nemesis>>* nemeses_;
  RunLog* log_;
  FaultLedger* ledger_;
};

}  // namespace faultline
