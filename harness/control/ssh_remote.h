// SshRemote: the Remote implementation over SSH (libssh) used for every node,
// real machines and local namespace nodes alike.
//
// Authentication: a private key file, else a password, else libssh's defaults
// (ssh-agent, ~/.ssh/id_*). Host keys: with strict_host_keys the server key must
// already be in `known_hosts` (mismatch or absence is an error); otherwise trust
// on first use: an unknown key is appended to `known_hosts` (the run's file), a
// key different from the recorded one is an error. When the login user is not
// root, commands run through `sudo -n` and file transfers are staged in /tmp.
//
// Every command runs under `timeout` on the node, so a command that outlives its
// deadline is killed there too, not just abandoned. File transfers use SFTP.
//
// Thread safety: all methods may be called from several threads at once. Each
// call leases one SSH connection from a small per-node pool (at most
// kMaxConnections open at a time; idle ones are reused). A connection found
// dead is discarded and a new one is made, so a dropped connection or a
// restarted sshd heals by itself; a command interrupted by a dropped
// connection is reported as an error, never silently re-run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "harness/control/remote.h"
#include "harness/core/status.h"

// libssh's handle types, so this header does not need libssh's headers.
typedef struct ssh_session_struct* ssh_session;
typedef struct sftp_session_struct* sftp_session;

namespace faultline {

struct SshOptions {
  std::string node;              // name used in messages ("n1")
  std::string address;           // host name or IP to connect to
  int port = 22;
  std::string username = "root";
  std::string key_path;          // private key file; empty: password or libssh defaults
  std::string password;
  bool strict_host_keys = false;
  std::string known_hosts;       // file checked (strict) or recorded into (trust on first use)
  std::chrono::seconds connect_timeout{10};
  // Serialises appends to `known_hosts` across the remotes of one run; may be
  // null when only one remote records into the file.
  std::shared_ptr<std::mutex> known_hosts_mutex;
};

class SshRemote final : public Remote {
 public:
  static constexpr size_t kMaxConnections = 8;

  // Connects once (so a wrong address, key or host key is reported now) and
  // keeps that connection for reuse. Errors name the node: "n1: cannot reach
  // 10.0.0.5:22 ...", "n1: ssh authentication refused ...", "n1: host key
  // mismatch ...".
  static Result<std::unique_ptr<SshRemote>> Connect(const SshOptions& options);
  ~SshRemote() override;

  const std::string& node() const override { return options_.node; }
  const std::string& address() const override { return options_.address; }
  const SshOptions& options() const { return options_; }

  Result<ExecResult> Exec(const std::string& command, const std::string& stdin_data = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds(60)) override;
  Status Upload(const std::string& local_path, const std::string& remote_path) override;
  Status Download(const std::string& remote_path, const std::string& local_path) override;

  // Closes every idle connection: the next call reconnects. For tests of
  // reconnection and for callers that know the node restarted.
  void DropConnections();

  struct Connection;  // one authenticated libssh session (private to the .cc)

 private:
  explicit SshRemote(SshOptions options);
  // Leases a connection: an idle one, else a new one (waiting while
  // kMaxConnections are in use). `fresh`: close the idle ones (one was found
  // dead, so the others likely are) and open a new one.
  Result<std::unique_ptr<Connection>> Lease(bool fresh = false);
  // Returns a healthy connection to the pool, or drops a broken one.
  void Return(std::unique_ptr<Connection> connection, bool healthy);
  Result<std::unique_ptr<Connection>> Open();
  // The login user is not root: wrap commands in sudo, stage transfers.
  bool NeedsSudo() const { return options_.username != "root"; }
  // Runs `fn` with an SFTP session on a leased connection (retrying once on a
  // fresh connection when SFTP cannot start).
  Status WithSftp(const std::function<Status(sftp_session, ssh_session)>& fn);

  const SshOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                // connections in existence, guarded by mu_
};

}  // namespace faultline
