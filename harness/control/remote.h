// harness/control — talking to nodes: the Remote interface, its libssh
// implementation, local subprocesses, the local namespace cluster, and the
// node flags that pick real or local nodes. Depends only on harness/core.
//
// Remote: how the controller runs commands on and moves files to/from one node.
//
// One code path for real machines and local (namespace) nodes: both are reached
// over SSH (libssh; see ssh_remote.h). Implementations are safe to use from
// several threads at once (sessions are reused per node and reconnected after a
// dropped connection). Every argument that reaches a remote shell must go
// through ShellQuote/ShellJoin; never concatenate raw user input into commands.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/status.h"

namespace faultline {

struct ExecResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Remote {
 public:
  virtual ~Remote() = default;

  // The node's name ("n1") and the address the controller reaches it at.
  virtual const std::string& node() const = 0;
  virtual const std::string& address() const = 0;

  // Runs `command` through the remote user's shell (with sudo when the login
  // user is not root and the connection was configured so), feeding `stdin_data`.
  // Returns the exit status and output; a non-zero exit is NOT an error here.
  // Errors (node named in the message): unreachable, auth refused, host key
  // mismatch, "timed out after Ns" when `timeout` passes.
  virtual Result<ExecResult> Exec(const std::string& command, const std::string& stdin_data = "",
                                  std::chrono::milliseconds timeout = std::chrono::seconds(60)) = 0;

  // Copies a local file or directory (recursively) to `remote_path`, creating
  // parent directories; preserves the executable bit.
  virtual Status Upload(const std::string& local_path, const std::string& remote_path) = 0;
  // Copies a remote file or directory (recursively) to `local_path`.
  virtual Status Download(const std::string& remote_path, const std::string& local_path) = 0;
};

// Single-quotes `arg` for a POSIX shell: abc -> 'abc', it's -> 'it'\''s'.
std::string ShellQuote(std::string_view arg);
// Quotes each argument and joins them with spaces.
std::string ShellJoin(const std::vector<std::string>& args);

// Runs Exec and turns a non-zero exit into an error carrying the node, the
// command and the last lines of stderr. Returns stdout on success.
Result<std::string> ExecOrError(Remote& remote, const std::string& command,
                                const std::string& stdin_data = "",
                                std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace faultline
