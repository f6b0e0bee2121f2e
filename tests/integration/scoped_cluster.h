// ScopedCluster: a local namespace cluster for one integration test, removed
// when the object goes out of scope (even when the test fails). Each test
// picks its own cluster name and subnet so tests never collide with another
// cluster on the machine. Needs root.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/local_cluster.h"
#include "harness/nodes.h"

namespace faultline {

class ScopedCluster {
 public:
  // Brings up `nodes` nodes; check ok() (or status()) before use.
  ScopedCluster(const std::string& name, const std::string& subnet, int nodes) {
    spec_.name = name;
    spec_.subnet = subnet;
    spec_.nodes = nodes;
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
