// NodeImage: the container image the container cluster's nodes run
// (container_cluster.h), built from Debian packages alone, so nothing is
// pulled from a container registry: `debootstrap --variant=minbase` of one
// suite with the packages the faults and the bundled stores need (iptables
// and iproute2 for partitions and packets, libfaketime for clock skew,
// libfuse3 for storage faults, ringstore's shared libraries), imported with
// `RUNTIME import`.
//
// Cached by recipe: the image is named localhost/faultline-node:HASH, where
// HASH digests the recipe (suite, variant, packages, format version), so a
// changed recipe builds a new image and an unchanged one is reused.
// EnsureNodeImage serialises builds on this machine with a lock file, so
// concurrent callers (tests run in parallel) build it once. Needs root
// (debootstrap).
#pragma once

#include <string>
#include <vector>

#include "harness/core/status.h"

namespace faultline {

struct NodeImageRecipe {
  std::string suite = "bookworm";
  std::string variant = "minbase";
  std::vector<std::string> packages;
  // Not part of the hash (it does not change what is installed):
  // $FAULTLINE_DEBIAN_MIRROR, else http://deb.debian.org/debian.
  std::string mirror;
};

// The recipe faultline's nodes need (see the header comment).
NodeImageRecipe DefaultNodeImageRecipe();
// "localhost/faultline-node:" + 12 hex digits of the recipe's hash.
std::string NodeImageName(const NodeImageRecipe& recipe);

struct NodeImageResult {
  std::string name;
  bool built = false;   // false: the cached image was used
  double seconds = 0;   // time spent (build or lookup)
};

// Returns the recipe's image, building it when the runtime `binary` (podman,
// or a docker CLI) does not have it or when `rebuild`. Errors: debootstrap
// missing ("install debootstrap"), its failure (last lines of its log), the
// import failing. Leaves no temporary directory or mount behind.
Result<NodeImageResult> EnsureNodeImage(const std::string& binary, const NodeImageRecipe& recipe,
                                        bool rebuild = false);

}  // namespace faultline
