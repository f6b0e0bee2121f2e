// Subprocess: running programs on the controller machine itself (ip, iptables,
// ssh-keygen, the local cluster's sshd), without a shell.
//
// Arguments are passed as an argv vector straight to execvp, so nothing is
// shell-interpreted. RunLocal waits for the program and captures its output;
// SpawnDaemon starts a long-lived process fully detached from the caller (own
// session, re-parented to init) and returns its pid. Both are safe to call from
// several threads (each call owns its pipes and child).
#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

#include "harness/control/remote.h"
#include "harness/core/status.h"

namespace faultline {

// Runs argv[0] (looked up in PATH) with `argv`, feeding `stdin_data`. Returns
// exit status and output; a non-zero exit is not an error. Errors: the program
// could not be started, or it ran longer than `timeout` (it is then killed).
Result<ExecResult> RunLocal(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                            std::chrono::milliseconds timeout = std::chrono::seconds(60));

// RunLocal, turning a non-zero exit into an error "`prog args` exited N: stderr tail".
Result<std::string> RunLocalOrError(const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Starts `argv` detached: new session, stdin from /dev/null, stdout and stderr
// appended to `log_path`, re-parented to init so no zombie stays with the
// caller. Returns the daemon's pid (the process that exec'd argv).
Result<pid_t> SpawnDaemon(const std::vector<std::string>& argv, const std::string& log_path);

// A process identity that survives pid reuse: pid plus its start time
// (field 22 of /proc/PID/stat, clock ticks since boot). start_time 0 = unknown.
struct ProcessId {
  pid_t pid = 0;
  unsigned long long start_time = 0;
};
// The identity of the running process `pid`; start_time 0 when it is gone.
ProcessId IdentifyProcess(pid_t pid);
// True when `id` still names the same live (non-zombie) process.
bool ProcessAlive(const ProcessId& id);
// SIGKILLs `id` if it is still the same process, then waits up to `wait` for it
// to disappear. Returns true when it is gone.
bool KillProcess(const ProcessId& id, std::chrono::milliseconds wait = std::chrono::seconds(5));

}  // namespace faultline
