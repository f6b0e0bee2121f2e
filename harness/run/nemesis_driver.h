// The nemesis side of a run: which faults are active (FaultBoard) and the
// nemesis thread's executor that routes each fault op to the nemesis handling
// it. The schedules are in harness/run/nemesis_schedule.h.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "harness/core/rng.h"
#include "harness/run/fault_ledger.h"
#include "harness/run/generator.h"
#include "harness/run/interpreter.h"
#include "nemesis/nemesis.h"

namespace faultline {

// Which faults are active right now (for the status line and the final heal):
// "partition" after a start-partition op until its stop-partition. With a
// ledger attached, every change is also written to it (write-ahead: Starting
// before the nemesis acts), so a crashed controller's faults can be healed.
// Thread-safe.
class FaultBoard {
 public:
  // `ledger` may be null (in-process targets: no nodes to leave faults on).
  void AttachLedger(FaultLedger* ledger) { ledger_ = ledger; }
  void Starting(const std::string& fault);
  void Started(const std::string& fault, const json& value);
  // `healed`: the stop op succeeded, so the ledger may forget the fault.
  void Stopped(const std::string& fault, bool healed);
  std::set<std::string> Active() const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> active_;
  FaultLedger* ledger_ = nullptr;
};

// The nemesis thread's executor: routes each fault op to its nemesis (by the
// op's f), records it as an info op of process "nemesis" and keeps `board`
// current. An f no nemesis handles completes as info with an error.
class NemesisExecutor : public Executor {
 public:
  NemesisExecutor(const std::vector<Nemesis*>& nemeses, uint64_t seed, FaultBoard* board);
  Op Execute(const Op& invoke) override;

 private:
  std::map<std::string, Nemesis*> by_f_;
  Rng rng_;
  FaultBoard* board_;
};

}  // namespace faultline
