// ContainerRemote: the Remote implementation for nodes that are containers or
// pods, reached through a container runtime's command line instead of SSH:
//   podman / docker   `RUNTIME exec -i CONTAINER sh -c ...`, `RUNTIME cp`
//   kubectl           `kubectl [--context C] exec -i -n NS POD [-c CTR] -- sh -c ...`,
//                     `kubectl cp`
// One implementation, configured by the runtime (ContainerTransport). The
// contract is the SSH remote's (remote.h): Exec returns exit code, stdout and
// stderr; a command runs under `timeout` inside the container, so one that
// outlives its deadline is killed there too; the command text is quoted once
// by ShellQuote for the container's shell and otherwise passed as argv (no
// local shell). Runtime failures (container not running, pod not found,
// runtime binary missing) are errors naming the node, never exit codes.
//
// Direct exec (podman, as root, on this host): `podman exec` costs about half
// a second per call here, so Exec instead enters the container's namespaces
// itself (nsenter into the mount, UTS, IPC, network and PID namespaces of the
// container's init, its root and working directory) with what `podman exec`
// would give the command: the init's capability bounding set (setpriv), its
// environment (env -i), its open-files and processes limits (prlimit), and
// its user (only a root init is entered; others go through the runtime).
// What differs: no seccomp profile and no cgroup of the container (processes
// started this way still die with the container, as members of its PID
// namespace). When entering fails (the container restarted, no setpriv in
// the image) the command has not started, and it is run through the runtime
// instead, which also gives the usual errors. Upload and Download always use
// the runtime's `cp`. FAULTLINE_CONTAINER_EXEC=runtime turns direct exec off.
//
// Thread safety: stateless after Connect (every call runs its own runtime
// process through RunLocal), so all methods may be called from several
// threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "harness/control/remote.h"
#include "harness/core/status.h"

namespace faultline {

enum class ContainerTransport { kPodman, kDocker, kKubectl };

// "podman" / "docker" / "kubectl".
const char* TransportName(ContainerTransport t);
// Parses "podman" / "docker" / "kubectl"; anything else is an error listing those.
Result<ContainerTransport> ParseContainerTransport(const std::string& name);

struct ContainerOptions {
  std::string node;       // name used in messages and by the test ("n1")
  ContainerTransport transport = ContainerTransport::kPodman;
  std::string container;  // container name or id; for kubectl the pod name
  // Where the controller's clients reach the node; empty: asked from the
  // runtime at Connect (the container's first network address, the pod IP).
  std::string address;
  // The runtime program; empty: $FAULTLINE_PODMAN / $FAULTLINE_DOCKER /
  // $FAULTLINE_KUBECTL, else "podman" / "docker" / "kubectl" from PATH.
  std::string binary;
  // kubectl only: -n NAMESPACE (empty: kubectl's default), --context, and
  // -c CONTAINER inside the pod (empty: the pod's default container).
  std::string kube_namespace;
  std::string kube_context;
  std::string kube_container;
};

// The runtime program `options` use (see ContainerOptions::binary), resolved
// to a path. Error (one line, naming node and program) when it is not
// installed: "n1: transport docker: program /usr/bin/docker not found ...".
Result<std::string> ResolveRuntimeBinary(const ContainerOptions& options);

// Command construction, exposed for tests. `binary` is the runtime program.
// The argv running `shell_command` (already a complete line for the
// container's sh) inside the node, stdin attached.
std::vector<std::string> ContainerExecArgv(const ContainerOptions& options, const std::string& binary,
                                           const std::string& shell_command);
// The argv copying `from` to `to`, where a node-side path is written as
// REMOTE (the caller says which side is the node through `upload`).
std::vector<std::string> ContainerCopyArgv(const ContainerOptions& options, const std::string& binary,
                                           const std::string& local_path, const std::string& node_path,
                                           bool upload);
// The argv asking the runtime whether the node runs and at which address.
std::vector<std::string> ContainerInspectArgv(const ContainerOptions& options,
                                              const std::string& binary);
// Parses ContainerInspectArgv's output ("true 10.96.1.11 " for podman/docker,
// "Running 10.244.0.7" for kubectl): the address, or an error naming the node
// when it is not running or has no address.
Result<std::string> ParseInspectOutput(const ContainerOptions& options, const std::string& out);
// The shell line run inside the node for Exec: `command` under bash, under
// `timeout` slightly longer than the caller's (so the caller decides first).
std::string WrapContainerCommand(const std::string& command, std::chrono::milliseconds timeout);
// The argv prefix (up to the command's `sh -c LINE`) that runs a command in
// the container whose init is process `pid`, read from `proc_dir` (normally
// /proc/PID): status (Uid, CapBnd), limits, environ. Errors: the init is not
// root, or a file is unreadable or malformed.
Result<std::vector<std::string>> DirectExecPrefix(const std::string& proc_dir, const std::string& pid);

class ContainerRemote final : public Remote {
 public:
  // Resolves the runtime program, checks the container/pod runs (and learns
  // its address when none was given), and runs `true` in it once, so a
  // missing program, a stopped container or a missing pod is reported now.
  static Result<std::unique_ptr<ContainerRemote>> Connect(const ContainerOptions& options);

  const std::string& node() const override { return options_.node; }
  const std::string& address() const override { return options_.address; }
  const ContainerOptions& options() const { return options_; }
  // True while Exec enters the container directly (see above).
  bool direct_exec() const { return direct_; }

  Result<ExecResult> Exec(const std::string& command, const std::string& stdin_data = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds(60)) override;
  // Creates the node-side parent directory, then copies with the runtime's
  // `cp` (a directory's contents land in `remote_path`, like SshRemote).
  Status Upload(const std::string& local_path, const std::string& remote_path) override;
  Status Download(const std::string& remote_path, const std::string& local_path) override;

 private:
  ContainerRemote(ContainerOptions options, std::string binary)
      : options_(std::move(options)), binary_(std::move(binary)) {}
  // Sets up direct exec (see above) when it applies; leaves it off otherwise.
  void TryDirectExec();
  // Exec through direct_prefix_: nullopt when entering the container failed
  // (the command did not start), else what Exec returns.
  std::optional<Result<ExecResult>> ExecDirect(const std::string& command, const std::string& stdin_data,
                                               std::chrono::milliseconds timeout, const std::string& shown);
  // Runs a runtime command (exec or cp); a failure of the runtime itself
  // (rather than of the command inside) becomes an error naming the node.
  Result<ExecResult> RunRuntime(const std::vector<std::string>& argv, const std::string& stdin_data,
                                std::chrono::milliseconds timeout, const std::string& what);

  ContainerOptions options_;
  const std::string binary_;
  std::vector<std::string> direct_prefix_;  // set by TryDirectExec before first use
  std::atomic<bool> direct_{false};         // off for good after a failed entry
};

}  // namespace faultline
