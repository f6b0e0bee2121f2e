// OwnBinaries: faultline's companion executables (ringstore,
// faultline-shaper, faultline-fs) found beside the running faultline, and
// put onto a node. `cmake --install` and the build directory both keep them
// side by side, so the directory of /proc/self/exe is where they are.
// Thread safety: DeployBinary as the Remote; the rest is pure.
#pragma once

#include <string>

#include "harness/control/remote.h"
#include "harness/core/status.h"

namespace faultline {

// The path of `name` in the directory of the running executable; "" when
// /proc/self/exe cannot be read or, with `must_exist`, no such file is there.
std::string BinaryBesideSelf(const std::string& name, bool must_exist = true);

// Uploads `local_binary` to `node_path` on the node (mode 755): staged under a
// per-node name first, then renamed, so nodes sharing a file system can
// upload at the same time and a running copy is never overwritten in place.
// Errors say "uploading <what>: ...".
Status DeployBinary(Remote& remote, const std::string& local_binary, const std::string& node_path,
                    const std::string& what);

}  // namespace faultline
