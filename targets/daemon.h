// Daemon control on a node: starts a store's process detached from the SSH
// session, and signals it by pid file only — never by process name. A pid
// counts as the daemon's only while /proc/PID/exe is the daemon's binary, so a
// stale pid file whose number was reused by another program is never
// signalled. Used by Dbs that run a store as one process per node
// (targets/etcd_db.cc, targets/ringstore_db.cc).
//
// Every function runs one short shell script through the node's Remote and
// returns errors prefixed with what it was doing ("killing etcd: ...").
// Thread safety: as the Remote (concurrent calls are fine).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "harness/control/remote.h"
#include "harness/core/status.h"

namespace faultline {

struct DaemonSpec {
  std::string name;      // "etcd": for messages and the log's start banner
  std::string binary;    // absolute path of the executable on the node
  std::string pid_file;  // absolute path on the node
  std::string log_file;  // stdout+stderr are appended here
  std::string work_dir;  // cwd of the daemon; created by Launch
  // Optional: the user the daemon runs as (setpriv drops to it and its group
  // before exec, so the pid stays the daemon's); empty: the caller's user.
  std::string user;
  // When true, Kill/Pause/Resume also signal the daemon's child processes
  // (those whose parent is the pid in the pid file), so a store that forks
  // workers is killed or paused as a whole: PostgreSQL's backends, which
  // each start their own session, so a process-group signal misses them.
  // The daemon is stopped first, so it forks none while they are listed.
  bool children = false;
};

// Shell prelude defining PIDFILE, BIN and `running` (true when the pid file
// names a live process of BIN; then $p is its pid).
std::string DaemonPrelude(const DaemonSpec& spec);

// Starts `argv` (argv[0] is ignored: spec.binary runs) with the `env`
// assignments ("K=V") in its own session, unless it already runs. Returns true
// when it started it, false when it was already running.
Result<bool> LaunchDaemon(Remote& remote, const DaemonSpec& spec, const std::vector<std::string>& args,
                          const std::vector<std::string>& env = {});

// True when the daemon runs.
Result<bool> DaemonRunning(Remote& remote, const DaemonSpec& spec);

// SIGCONT then SIGKILL (a paused process dies at once), waits until it is gone
// (error after 10 s), removes the pid file. OK when it was not running.
Status KillDaemon(Remote& remote, const DaemonSpec& spec);

// SIGSTOP; an error when it is not running.
Status PauseDaemon(Remote& remote, const DaemonSpec& spec);

// SIGCONT if it runs; OK when it does not (a heal must be idempotent).
Status ResumeDaemon(Remote& remote, const DaemonSpec& spec);

// "log tail: a|b|c" (the last `lines` lines, '|'-joined) for error messages.
std::string DaemonLogTail(Remote& remote, const DaemonSpec& spec, int lines = 15);

}  // namespace faultline
