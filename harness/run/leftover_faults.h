// HealLeftoverFaults: what a crashed controller left on a cluster is healed
// before anything else uses it. Called by every `faultline test` on nodes
// (after connecting, before the Db is set up) and by `faultline cluster heal`.
//
// The fault ledger (fault_ledger.h) names the runs whose controller died (or
// ended unable to heal) on nodes of this cluster; when there is one, every
// node is healed by hand (nemesis/cluster_heal.h: FAULTLINE chain flushed,
// netem removed, clock offset reset, paused store resumed), each crashed
// run's directory gets crashed.json (results/run_store.h), and the records
// leave the ledger. A heal that fails keeps the records for the next try.
#pragma once

#include <string>
#include <vector>

#include "harness/core/status.h"
#include "nemesis/cluster_heal.h"
#include "targets/target.h"

namespace faultline {

struct LeftoverHeal {
  // One line per leftover run, e.g. "healed faults left by a crashed run
  // (store/t/2026...; controller pid 123 died): partition on n1,n2,n3 {...}".
  std::vector<std::string> lines;
  std::vector<NodeHealReport> node_reports;  // empty when nothing was left
};

// `healer` says who healed, for crashed.json ("faultline test (run store/t/...)",
// "faultline cluster heal"). `db` may be null (network only). Errors: the
// ledger could not be read, or a node could not be healed (the first error,
// prefixed with the node).
Result<LeftoverHeal> HealLeftoverFaults(const std::string& store_root, const ClusterInfo& cluster,
                                        Db* db, const std::string& healer);

}  // namespace faultline
