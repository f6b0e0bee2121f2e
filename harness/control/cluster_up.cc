#include "harness/control/cluster_up.h"

#include <filesystem>
#include <string>
#include <utility>

namespace faultline {

Status ReplaceEarlierCluster(const LocalClusterSpec& spec, const std::function<Status()>& down) {
  if (Status s = down(); !s.ok()) {
    return Status::Error("cleaning up an earlier cluster \"" + spec.name + "\": " + s.message());
  }
  return ValidateSpec(spec);
}

Result<ClusterFile> PlanCluster(const LocalClusterSpec& spec) {
  auto gateway = SubnetAddress(spec.subnet, 1);
  if (!gateway.ok()) return gateway.status();
  ClusterFile c;
  c.name = spec.name;
  c.host_address = *gateway;
  for (int i = 1; i <= spec.nodes; ++i) {
    ClusterNode n;
    n.name = "n" + std::to_string(i);
    n.address = *SubnetAddress(spec.subnet, kFirstNodeOffset + i);
    c.nodes.push_back(n);
  }
  return c;
}

Status MakeStateDir(const LocalClusterSpec& spec) {
  const std::string dir = spec.state_root + "/" + spec.name;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Error("cannot create " + dir + ": " + ec.message());
  return Status::Ok();
}

Status RecordCluster(const LocalClusterSpec& spec, const ClusterFile& c) {
  return SaveClusterFile(c, ClusterFilePath(spec.name, spec.state_root));
}

Status RunUpSteps(const std::vector<UpStep>& steps, const std::function<void()>& remove) {
  for (const auto& step : steps) {
    if (Status s = step(); !s.ok()) {
      remove();
      return s;
    }
  }
  return Status::Ok();
}

UpStep EachNode(std::vector<ClusterNode>* nodes, std::function<Status(ClusterNode&)> step) {
  return [nodes, step = std::move(step)] {
    for (auto& n : *nodes) {
      if (Status s = step(n); !s.ok()) return s;
    }
    return Status::Ok();
  };
}

}  // namespace faultline
