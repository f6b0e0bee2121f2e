// HealLeftoverFaults: what a crashed controller left on a cluster is healed
// before anything else uses it. Called by every `faultline test` on nodes
// (after connecting, before the Db is set up) and by `faultline cluster heal`.
//
// Every node is healed by hand (nemesis/cluster_heal.h: FAULTLINE chain
// flushed, netem removed, clock offset reset, paused store resumed) whether
// or not the ledger knows of a fault: a controller killed before the ledger
// existed, or a ledger deleted by hand, must not leave a partition behind.
// The fault ledger (fault_ledger.h) names the runs whose controller died (or
// ended unable to heal) on nodes of this cluster: each gets a line, its run
// directory gets crashed.json (results/run_store.h), and its record leaves
// the ledger; so do faults started by hand (`faultline fault start`). A heal that fails keeps the records for the next try.
#pragma once

#include <string>
#include <vector>

#include "harness/core/status.h"
#include "nemesis/cluster_heal.h"
#include "targets/target.h"

namespace faultline {

struct LeftoverHeal {
  // One line per leftover run, e.g. "healed faults left by a crashed run
  // (store/t/20261203T...): partition on n1,n2,n3 {...}", and per live run.
  std::vector<std::string> lines;
  std::vector<NodeHealReport> node_reports;  // one per node, what was done
  // The first node error ("n2: iptables: ..."), "" when every node healed.
  std::string FirstError() const;
};

// `healer` says who healed, for crashed.json ("faultline test (run store/t/...)",
// "faultline cluster heal"). `db` may be null (network only). A run of the
// ledger still alive on these nodes is an error when `refuse_live_runs` (a
// test must not heal away another run's faults, nor run under them; nothing
// is healed then), else a warning line. Errors: the ledger could not be
// read or written. A node that could not be healed has errors in its report
// (then no run is marked crashed and the ledger keeps every record).
Result<LeftoverHeal> HealLeftoverFaults(const std::string& store_root, const ClusterInfo& cluster,
                                        Db* db, const std::string& healer, bool refuse_live_runs);

}  // namespace faultline
