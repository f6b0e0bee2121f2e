// The FAULTLINE_* environment a target spec's commands and adapters get for
// one node (README "Testing a third-party store"): FAULTLINE_NODE,
// FAULTLINE_ADDRESS, FAULTLINE_NODES ("n1=10.77.0.11,n2=...", node order),
// FAULTLINE_DATA_DIR (/var/lib/faultline/<name>), FAULTLINE_LOG_DIR
// (/var/log/faultline), FAULTLINE_SPEC_DIR (the spec file's directory on the
// controller), and FAULTLINE_OPT_<KEY> per --target-opt (key upper-cased,
// every character other than A-Z, 0-9 and _ becoming _: "read-mode" ->
// FAULTLINE_OPT_READ_MODE). Pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "targets/external/external_spec.h"
#include "targets/target.h"

namespace faultline {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

inline constexpr char kExternalLogDir[] = "/var/log/faultline";

// /var/lib/faultline/<name>
std::string ExternalDataDir(const ExternalSpec& spec);

// "FAULTLINE_OPT_" + the key as an environment variable name.
std::string OptionVariable(const std::string& key);

// The variables for `node`, in a fixed order (node, address, nodes, dirs, opts).
EnvVars NodeEnvironment(const ExternalSpec& spec, const ClusterInfo& cluster, const NodeInfo& node,
                        const TargetOptions& options);

}  // namespace faultline
