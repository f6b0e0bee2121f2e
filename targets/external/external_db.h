// ExternalDb: the Db of a target spec (targets/external/external_spec.h) —
// runs the spec's shell commands on each node through its Remote, verbatim
// under `bash -c`, in FAULTLINE_DATA_DIR (created first) with the FAULTLINE_*
// environment of targets/external/node_env.h. With "nodes": "none" the node
// is the controller's pseudo-node (no Remote): the commands run here, with
// bash -c, and a missing setup or teardown does nothing. Setup's wait for
// health gives up once the cluster's stop_requested says the run stops.
//
//   Setup     setup, then health every 250 ms until it exits 0 or
//             db.start_timeout_s passes (error: node, last health output,
//             tail of the first log file)
//   Teardown  teardown (must succeed when nothing runs), the clock offset
//             back to +0, the data dir removed
//   Kill      pid_file: SIGCONT+SIGKILL to the pid, waiting until it is gone;
//             else the kill command
//   Start     the start command, then health as in Setup; a node that does
//             not become healthy is logged and the error returned (the kill
//             nemesis records it and tries again at its next stop)
//   Pause/Resume  SIGSTOP/SIGCONT to the pid, or the pause/resume commands
//   DataDir   db.data_dir (absolute, or under FAULTLINE_DATA_DIR): the
//             directory the disk nemesis mounts through faultline-fs
//   Roles     the roles command on the nodes in turn until one exits 0; its
//             stdout must be {"leader": NODE, "primaries": [NODE, ...]}
//             (either may be left out); "why" quotes it
//   Members   the members command on the nodes in turn until one exits 0;
//             its stdout must be a JSON array of node names
//   Join      refused when Members lists the node; else join on that node
//             (under libfaketime with "faketime": true, as start), then
//             health as in Setup; its stdout (a JSON object) is the report
//   Leave     refused when Members does not list the node or fewer than
//             db.min_members (default: a majority of the nodes) would
//             remain; else leave on that node
//   InitialMembers  the first --target-opt initial-members=N nodes (all
//             without it): the same option as the built-in targets
// Signals go only to a pid read from pid_file whose /proc/PID/cmdline
// contains process_match, so a stale pid is never signalled.
// With "faketime": true, setup and start run with libfaketime preloaded
// (LD_PRELOAD, FAKETIME_TIMESTAMP_FILE = /var/lib/faultline/faketime-offset,
// FAKETIME_NO_CACHE=1, FAKETIME_DONT_FAKE_MONOTONIC=1, and FAKETIME_SHARED
// naming a semaphore + shared memory pair made once per node, so the shell
// that starts the store and exits cannot take libfaketime's state away from
// it), which the store inherits; a node without libfaketime fails Setup with
// a clear error. Teardown removes the pair.
//
// MakeExternalDb returns an object that is Killable / Pausable /
// ClockSkewable / HasRoles / HasDataDir / Reconfigurable exactly when the
// spec gives that capability, so nemeses the
// store cannot take are refused before deploying (as for built-in targets).
// Thread safety: calls for distinct nodes may overlap (Remote is thread-safe).
#pragma once

#include <memory>

#include "targets/external/external_spec.h"
#include "targets/target.h"

namespace faultline {

inline constexpr char kExternalOffsetFile[] = "/var/lib/faultline/faketime-offset";

std::unique_ptr<Db> MakeExternalDb(ExternalSpec spec, TargetOptions options);

}  // namespace faultline
