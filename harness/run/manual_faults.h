// Faults by hand (`faultline fault start|stop|status`): exploratory chaos on a
// cluster that is up, with the nemeses' own code driven one op at a time.
//
// Every start is written to the fault ledger before the nemesis acts
// (write-ahead, as a run does; fault_ledger.h), so `faultline fault stop`,
// `faultline cluster heal` and the next `faultline test` on those nodes undo
// it. A stop takes the recorded start over (Nemesis::Adopt) and runs the
// nemesis's stop op, so exactly what was done is undone (a killed store is
// restarted by the Db, a partition's rules deleted); where a fault cannot be
// taken over, the nemesis's Heal() undoes everything of its kind.
// Not thread-safe; one command at a time per cluster (the ledger is locked
// per change, so two commands never lose a record).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"
#include "harness/run/fault_ledger.h"
#include "nemesis/nemesis.h"
#include "targets/target.h"

namespace faultline {

struct ManualFaultContext {
  std::string store = "store";          // results store whose ledger records the faults
  const ClusterInfo* cluster = nullptr;  // the connected nodes
  Db* db = nullptr;                      // the target's Db (its capabilities); may be null
  NemesisOptions options;                // --partition, --nemesis-opt k=v, ...
  uint64_t seed = 0;                     // for the nemesis's random choices
};

// Starts fault `kind` (partition, packet, clock, kill, pause: a registered
// nemesis). `value` is null (the nemesis chooses, e.g. the grudge) or an
// explicit start value ({"nodes": ["n2"]} for kill/pause). A clock fault by
// hand is a bump (strobe and drift need a process ticking them; refused).
// Returns the completed start op, its value saying what was done. Errors:
// unknown kind, a fault of that kind already started by hand (stop it
// first), a kill or pause on a node whose store is not running (nothing to
// kill or pause, and a later stop would start a store that was not running:
// refused before anything is recorded; every node when `value` names none),
// setup failure, or the op's own error (then the fault stays in the ledger:
// stop or heal undoes whatever was applied). `refused`, when given, is set
// to whether the error refuses the request itself (an unknown kind, bad
// options, a fault the target cannot take, and the kinds above up to the
// store check) rather than reports a failure to reach or change the nodes or
// to set the fault up on this machine (e.g. faultline-shaper not built).
Result<Op> StartManualFault(const ManualFaultContext& ctx, const std::string& kind,
                            const nlohmann::json& value, bool* refused = nullptr);

// Stops the faults started by hand on the cluster: `kind`, or every one when
// empty (error when there is none of `kind`). Returns the completed stop ops
// in ledger order; a fault whose stop failed stays in the ledger and its op
// carries the error.
Result<std::vector<Op>> StopManualFaults(const ManualFaultContext& ctx, const std::string& kind);

// What a node shows, read from the node itself.
struct NodeFaultState {
  std::string node;
  size_t faultline_rules = 0;      // rules in the FAULTLINE chain
  std::vector<std::string> qdiscs;  // "netem on eth0", "tbf on eth0": the packet nemesis's
  bool shaper = false;              // faultline-shaper is running
  std::string clock_offset;        // the faketime offset file ("+0", "-3.120000"); "" if none
  std::string store;               // "running", "stopped", "not running"; "" if unknown
  std::vector<std::string> errors;
};

struct FaultStatusReport {
  LedgerRun by_hand;               // faults started by hand (faults empty when none)
  std::vector<LedgerRun> live;     // runs applying faults on these nodes now
  std::vector<LedgerRun> leftover; // dead runs' faults, to be healed
  std::vector<NodeFaultState> nodes;
};

// Reads the ledger and every node (in parallel). Errors: the ledger cannot be read.
Result<FaultStatusReport> ManualFaultStatus(const ManualFaultContext& ctx);

}  // namespace faultline
