// StorageMount: faultline-fs (nemesis/fs) on a node, as the storage faults
// drive it: deploy the binary, mount a store's data directory through it,
// send it commands, unmount it.
//
// The FUSE mount covers the data directory's own path, so the store runs
// with the same flags: the directory's real contents are first bind-mounted
// at DIR.faultline-real (kRealSuffix), the source faultline-fs passes
// through to. faultline-fs runs as a daemon by pid file (targets/daemon.h)
// in the node's mount namespace; the store must be stopped while mounting or
// unmounting (its open files would stay on the other side). Unmounting drops
// what the store never fsynced, as a power cut does. Errors name the node's
// command output. Thread safety: as the Remote.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/control/remote.h"
#include "harness/core/status.h"

namespace faultline {

inline constexpr char kFaultFsBinary[] = "/opt/faultline/bin/faultline-fs";
inline constexpr char kRealSuffix[] = ".faultline-real";

// faultline-fs beside the running executable (build/), or "" when absent.
std::string LocalFaultFsBinary();

// Uploads `local_binary` to kFaultFsBinary (staged, then renamed).
Status DeployFaultFs(Remote& remote, const std::string& local_binary);

// Mounts `data_dir` through faultline-fs (random choices from `seed`) and
// waits (up to 5 s) until the mount is there. OK when it already is.
Status MountFaultFs(Remote& remote, const std::string& data_dir, uint64_t seed);

// True when `data_dir` is mounted through faultline-fs.
Result<bool> FaultFsMounted(Remote& remote, const std::string& data_dir);

// Stops faultline-fs (SIGTERM, SIGKILL after 3 s), removes both mounts and
// the bind point: the store's directory is its real one again, holding what
// was fsynced. OK when nothing is mounted.
Status UnmountFaultFs(Remote& remote, const std::string& data_dir);

// Sends one command (fs_command.h) and returns faultline-fs's result; an
// error when the command was refused (its reason) or nothing is mounted.
Result<nlohmann::json> FaultFsCommand(Remote& remote, const std::string& data_dir, const std::string& command);

}  // namespace faultline
