#include "targets/external/node_env.h"

namespace faultline {

std::string ExternalDataDir(const ExternalSpec& spec, const ClusterInfo& cluster) {
  if (spec.no_nodes && !cluster.run_dir.empty()) return cluster.run_dir + "/" + spec.name + "-data";
  return "/var/lib/faultline/" + spec.name;
}

std::string ExternalLogDir(const ExternalSpec& spec, const ClusterInfo& cluster) {
  if (spec.no_nodes && !cluster.run_dir.empty()) return cluster.run_dir + "/nodes/local";
  return kExternalLogDir;
}

std::string OptionVariable(const std::string& key) {
  std::string name = "FAULTLINE_OPT_";
  for (char c : key) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    name += ok ? c : '_';
  }
  return name;
}

EnvVars NodeEnvironment(const ExternalSpec& spec, const ClusterInfo& cluster, const NodeInfo& node,
                        const TargetOptions& options) {
  std::string nodes;
  for (const auto& n : cluster.nodes) nodes += (nodes.empty() ? "" : ",") + n.name + "=" + n.address;
  EnvVars env = {{"FAULTLINE_NODE", node.name},
                 {"FAULTLINE_ADDRESS", node.address},
                 {"FAULTLINE_NODES", nodes},
                 {"FAULTLINE_DATA_DIR", ExternalDataDir(spec, cluster)},
                 {"FAULTLINE_LOG_DIR", ExternalLogDir(spec, cluster)},
                 {"FAULTLINE_SPEC_DIR", spec.dir}};
  for (const auto& [key, value] : options) env.emplace_back(OptionVariable(key), value);
  return env;
}

}  // namespace faultline
