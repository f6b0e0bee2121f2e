// The FAULTLINE_* environment a target spec's commands and adapters get for
// one node (README "Testing a third-party store"): FAULTLINE_NODE,
// FAULTLINE_ADDRESS, FAULTLINE_NODES ("n1=10.77.0.11,n2=...", node order),
// FAULTLINE_DATA_DIR (/var/lib/faultline/<name>), FAULTLINE_LOG_DIR
// (/var/log/faultline), FAULTLINE_SPEC_DIR (the spec file's directory on the
// controller), and FAULTLINE_OPT_<KEY> per --target-opt (key upper-cased,
// every character other than A-Z, 0-9 and _ becoming _: "read-mode" ->
// FAULTLINE_OPT_READ_MODE). With "nodes": "none" the store is on the
// controller, and its data and log dirs are in the run directory instead:
// <run_dir>/<name>-data and <run_dir>/nodes/local (where a node's logs would
// be downloaded to). Pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "targets/external/external_spec.h"
#include "targets/target.h"

namespace faultline {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

inline constexpr char kExternalLogDir[] = "/var/log/faultline";

// /var/lib/faultline/<name>, or <run_dir>/<name>-data without nodes (and a
// run directory).
std::string ExternalDataDir(const ExternalSpec& spec, const ClusterInfo& cluster);
// /var/log/faultline, or <run_dir>/nodes/local without nodes.
std::string ExternalLogDir(const ExternalSpec& spec, const ClusterInfo& cluster);

// "FAULTLINE_OPT_" + the key as an environment variable name.
std::string OptionVariable(const std::string& key);

// The variables for `node`, in a fixed order (node, address, nodes, dirs, opts).
EnvVars NodeEnvironment(const ExternalSpec& spec, const ClusterInfo& cluster, const NodeInfo& node,
                        const TargetOptions& options);

}  // namespace faultline
