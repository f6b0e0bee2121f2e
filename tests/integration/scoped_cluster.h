// ScopedCluster: a local namespace cluster for one integration test, removed
// when the object goes out of scope (even when the test fails). UniqueSpec
// gives each test process its own cluster name and a free subnet, so test runs
// in several worktrees at once never touch each other's clusters. Needs root.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/control/local_cluster.h"
#include "harness/control/nodes.h"

namespace faultline {

// Name: `tag` (2 letters) + this process's pid in base 36. Subnet: the first
// 10.231.N.0/24 (N from 100, starting at a pid-derived offset) that no host
// interface uses yet.
inline LocalClusterSpec UniqueSpec(const std::string& tag, int nodes) {
  LocalClusterSpec spec;
  spec.nodes = nodes;
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id;
  for (unsigned p = static_cast<unsigned>(getpid()); p > 0; p /= 36) id.insert(id.begin(), digits[p % 36]);
  spec.name = tag + id;
  for (int i = 0; i < 150; ++i) {
    int n = 100 + (static_cast<int>(getpid()) + i) % 150;
    spec.subnet = "10.231." + std::to_string(n) + ".0/24";
    if (ValidateSpec(spec).ok()) break;
  }
  return spec;
}

// The first three octets of the spec's subnet plus ".", e.g. "10.231.117.".
inline std::string SubnetPrefix(const LocalClusterSpec& spec) {
  return spec.subnet.substr(0, spec.subnet.rfind('.') + 1);
}

class ScopedCluster {
 public:
  // Brings up the cluster; check ok() (or status()) before use.
  explicit ScopedCluster(const LocalClusterSpec& spec) : spec_(spec) {
    auto c = LocalClusterUp(spec_);
    if (c.ok()) {
      file_ = std::move(c).value();
    } else {
      status_ = c.status();
    }
  }
  ~ScopedCluster() { Down(); }
  ScopedCluster(const ScopedCluster&) = delete;
  ScopedCluster& operator=(const ScopedCluster&) = delete;

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  const LocalClusterSpec& spec() const { return spec_; }
  const ClusterFile& file() const { return file_; }
  std::string cluster_file_path() const { return ClusterFilePath(spec_.name, spec_.state_root); }

  // Connects to every node through the cluster file (the path `faultline test` uses).
  Result<std::vector<std::unique_ptr<Remote>>> Connect() const {
    NodeOptions o;
    o.cluster_file = cluster_file_path();
    return ConnectNodes(o, "");
  }

  // Removes the cluster now (idempotent).
  Status Down() {
    if (down_) return Status::Ok();
    down_ = true;
    return LocalClusterDown(spec_);
  }

 private:
  LocalClusterSpec spec_;
  ClusterFile file_;
  Status status_;
  bool down_ = false;
};

}  // namespace faultline
