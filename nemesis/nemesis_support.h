// Helpers shared by the nemesis implementations: running a step on several
// nodes at once, finding nodes by name, reading nemesis options, and building
// the completed fault op. Stateless; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/split_commas.h"  // the option lists the nemeses parse
#include "harness/core/status.h"
#include "nemesis/nemesis.h"
#include "targets/target.h"

namespace faultline {

// Runs fn(node) for every node concurrently (one thread each) and waits for
// all. Faults are applied "at once" this way, and a slow node does not delay
// the others. Returns OK, or the failures joined with "; " in node order.
Status ForEachNode(const std::vector<const NodeInfo*>& nodes,
                   const std::function<Status(const NodeInfo&)>& fn);

// Node names of the cluster, in cluster order.
std::vector<std::string> NodeNames(const ClusterInfo& cluster);
// The nodes named in `names` (cluster order). Unknown names are skipped.
std::vector<const NodeInfo*> NodesNamed(const ClusterInfo& cluster,
                                        const std::vector<std::string>& names);
// Every node of the cluster.
std::vector<const NodeInfo*> AllNodes(const ClusterInfo& cluster);
// Error naming the first node without a Remote (an in-process target): faults
// that act on the node's OS (iptables, tc, clock) need real or local nodes.
Status RequireRemotes(const ClusterInfo& cluster, const std::string& nemesis);

// Reads option `key` as a number in [min, max]; `fallback` when absent. The
// error names the option and the allowed range.
Result<double> DoubleOption(const NemesisOptions& options, const std::string& key,
                            double fallback, double min, double max);
// Option `key` or `fallback` when absent.
std::string StringOption(const NemesisOptions& options, const std::string& key,
                         const std::string& fallback);
// Splits a command's output into its non-empty lines.
std::vector<std::string> SplitLines(const std::string& text);

// The completion of a fault op: a copy of `invoke` with type info, process
// nemesis, the given value and (when not OK) the error line.
Op CompleteFault(const Op& invoke, nlohmann::json value, const Status& status = Status::Ok());

}  // namespace faultline
