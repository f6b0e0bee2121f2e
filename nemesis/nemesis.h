// Nemesis: the fault injector (DESIGN.md §3, §6).
//
// A nemesis handles pairs of fault ops, e.g. "start-partition"/"stop-partition".
// The runner's nemesis thread (the only caller; no concurrent calls) schedules
// them from the run's seed: it invokes a start op, waits, invokes the matching
// stop op, and so on. Each Invoke returns the completed op (type info, process
// nemesis) whose value records exactly what was done (the grudge, the nodes,
// the clock offsets) so the history and the availability checker can see it.
// Heal() must undo everything the nemesis did so far; it is called in the final
// phase, on error and on SIGINT/SIGTERM, and may be called more than once.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/registry.h"
#include "harness/core/rng.h"
#include "harness/core/status.h"
#include "nemesis/node_needs.h"
#include "targets/target.h"

namespace faultline {

struct FaultPair {
  std::string start;  // "start-partition"
  std::string stop;   // "stop-partition"
};

class Nemesis {
 public:
  virtual ~Nemesis() = default;
  virtual std::string name() const = 0;
  // Called once before the main phase. `db` gives access to the Db's optional
  // capabilities (Killable, Pausable, ClockSkewable); it may be null.
  virtual Status Setup(const ClusterInfo& cluster, Db* db) = 0;
  // Called before anything is deployed (ResolveSpec): an error when the
  // target's Db (may be null) lacks a capability this nemesis needs, so the
  // combination is refused as a bad spec (exit 3) instead of failing after
  // setup. Must not touch nodes. Default: OK.
  virtual Status CheckTarget(Db* db) { return Status::Ok(); }
  // What this nemesis (with its options) needs of every node's OS; probed
  // on the nodes before anything is deployed (CheckNodeNeeds), so a node
  // that cannot take the fault refuses the run up front. Default: nothing.
  virtual std::vector<NodeNeed> NodeNeeds() const { return {}; }
  // Performs `op` (op.f is one of the fault ops of Faults()). op.value is null
  // to let the nemesis choose (using `rng`), or an explicit argument. Returns
  // the completed op: type info, value = what was done; error set when the
  // fault could not be (fully) applied. An op that did nothing because the
  // cluster cannot take it at the moment (the membership nemesis while no
  // change can reach a quorum) may say so with value {"retry-after-s": S,
  // ...} and an error: the overlap schedule then asks for the same op again
  // S seconds later rather than moving on to the fault's next phase.
  virtual Op Invoke(const Op& op, Rng& rng) = 0;
  // Undoes every fault still active. Idempotent.
  virtual Status Heal() = 0;
  // Takes over a fault that another process applied (`faultline fault start`
  // then `faultline fault stop`): `start_value` is that start op's completed
  // value; afterwards the stop op and Heal() undo exactly that fault, as if
  // this nemesis had applied it. Called after Setup. Default: an error (the
  // fault cannot be taken over; Heal() is then the only way back).
  virtual Status Adopt(const nlohmann::json& start_value) {
    return Status::Error(name() + ": cannot take over a fault another process applied");
  }
  // Start/stop pairs this nemesis handles.
  virtual std::vector<FaultPair> Faults() const = 0;
};

// Fault options from the command line, e.g. {"partition": "majority",
// "packet-loss": "0.2", "clock-max-skew-ms": "5000"}. A factory ignores keys
// that belong to other nemeses and rejects bad values of its own keys.
using NemesisOptions = std::map<std::string, std::string>;
using NemesisFactory = std::function<Result<std::unique_ptr<Nemesis>>(const NemesisOptions&)>;
using NemesisRegistry = Registry<NemesisFactory>;

}  // namespace faultline
