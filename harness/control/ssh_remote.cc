#include "harness/control/ssh_remote.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace faultline {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct SshRemote::Connection {
  ssh_session session = nullptr;
  ~Connection() {
    if (session) {
      ssh_disconnect(session);
      ssh_free(session);
    }
  }
};

namespace {

constexpr size_t kSftpChunk = 64 * 1024;
// How many idle connections are kept per node.
constexpr size_t kMaxIdle = 4;

std::string Endpoint(const SshOptions& o) { return o.address + ":" + std::to_string(o.port); }

// Frees a channel however the call ends.
struct ChannelGuard {
  ssh_channel channel = nullptr;
  ~ChannelGuard() {
    if (channel) {
      if (ssh_channel_is_open(channel)) ssh_channel_close(channel);
      ssh_channel_free(channel);
    }
  }
};

struct SftpGuard {
  sftp_session sftp = nullptr;
  ~SftpGuard() {
    if (sftp) sftp_free(sftp);
  }
};

std::string RandomSuffix() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

// The remote command line: bash -c CMD under `timeout` (so the node itself
// kills a command that outlives the caller's deadline), via sudo if needed.
// The node-side limit is a little longer than the caller's, so the caller
// always decides first and reports the timeout.
std::string WrapCommand(const std::string& command, std::chrono::milliseconds timeout, bool sudo) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.3f", timeout.count() / 1000.0 + 1.0);
  std::string line = "timeout -k 2 " + std::string(secs) + " bash -c " + ShellQuote(command);
  return sudo ? "sudo -n -- " + line : line;
}

std::string FirstLine(std::string s) {
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

}  // namespace

SshRemote::SshRemote(SshOptions options) : options_(std::move(options)) {}

SshRemote::~SshRemote() = default;

Result<std::unique_ptr<SshRemote>> SshRemote::Connect(const SshOptions& options) {
  std::unique_ptr<SshRemote> remote(new SshRemote(options));
  auto first = remote->Open();
  if (!first.ok()) return first.status();
  {
    std::lock_guard<std::mutex> lock(remote->mu_);
    remote->open_ = 1;
  }
  remote->Return(std::move(first).value(), true);
  return remote;
}

Result<std::unique_ptr<SshRemote::Connection>> SshRemote::Open() {
  const SshOptions& o = options_;
  auto conn = std::make_unique<Connection>();
  conn->session = ssh_new();
  if (!conn->session) return Status::Error(o.node + ": cannot allocate an ssh session");
  ssh_session s = conn->session;
  int port = o.port;
  long timeout = static_cast<long>(o.connect_timeout.count());
  bool process_config = false;  // ~/.ssh/config must not change what the flags say
  ssh_options_set(s, SSH_OPTIONS_HOST, o.address.c_str());
  ssh_options_set(s, SSH_OPTIONS_PORT, &port);
  ssh_options_set(s, SSH_OPTIONS_USER, o.username.c_str());
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  if (!o.known_hosts.empty()) {
    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, o.known_hosts.c_str());
    if (!o.strict_host_keys) {
      // Trust on first use records into the run's file only; the system-wide
      // file must not make a recorded key look "other".
      ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, o.known_hosts.c_str());
    }
  }
  if (ssh_connect(s) != SSH_OK) {
    return Status::Error(o.node + ": cannot reach " + Endpoint(o) + " over ssh (" +
                         FirstLine(ssh_get_error(s)) + ")");
  }

  // Host key policy.
  if (o.strict_host_keys || !o.known_hosts.empty()) {
    std::string file = o.known_hosts.empty() ? "~/.ssh/known_hosts" : o.known_hosts;
    ssh_known_hosts_e state = ssh_session_is_known_server(s);
    switch (state) {
      case SSH_KNOWN_HOSTS_OK:
        break;
      case SSH_KNOWN_HOSTS_CHANGED:
      case SSH_KNOWN_HOSTS_OTHER:
        return Status::Error(o.node + ": host key mismatch for " + Endpoint(o) +
                             ": the server's key differs from the one recorded in " + file +
                             " (a reinstalled node, or someone in the middle; remove the old"
                             " entry only if you know why it changed)");
      case SSH_KNOWN_HOSTS_UNKNOWN:
      case SSH_KNOWN_HOSTS_NOT_FOUND:
        if (o.strict_host_keys) {
          return Status::Error(o.node + ": host key of " + Endpoint(o) + " is not in " + file +
                               " (--strict-host-keys; add it with ssh-keyscan, or drop the flag"
                               " to trust on first use)");
        } else {
          // Trust on first use. Re-check under the lock: another connection
          // may have recorded this host meanwhile.
          std::unique_lock<std::mutex> lock;
          if (o.known_hosts_mutex) lock = std::unique_lock<std::mutex>(*o.known_hosts_mutex);
          ssh_known_hosts_e again = ssh_session_is_known_server(s);
          if (again == SSH_KNOWN_HOSTS_CHANGED || again == SSH_KNOWN_HOSTS_OTHER) {
            return Status::Error(o.node + ": host key mismatch for " + Endpoint(o) +
                                 ": the server's key differs from the one recorded in " + file);
          }
          if (again != SSH_KNOWN_HOSTS_OK && ssh_session_update_known_hosts(s) != SSH_OK) {
            return Status::Error(o.node + ": cannot record host key in " + file + ": " +
                                 FirstLine(ssh_get_error(s)));
          }
        }
        break;
      case SSH_KNOWN_HOSTS_ERROR:
      default:
        return Status::Error(o.node + ": cannot check host key of " + Endpoint(o) + " against " +
                             file + ": " + FirstLine(ssh_get_error(s)));
    }
  }

  // Authentication.
  std::string tried;
  int rc = SSH_AUTH_DENIED;
  if (!o.key_path.empty()) {
    ssh_key key = nullptr;
    if (ssh_pki_import_privkey_file(o.key_path.c_str(), nullptr, nullptr, nullptr, &key) !=
        SSH_OK) {
      return Status::Error(o.node + ": cannot read ssh private key " + o.key_path +
                           " (missing, unreadable, not a key, or passphrase-protected)");
    }
    rc = ssh_userauth_publickey(s, nullptr, key);
    ssh_key_free(key);
    tried = "publickey with key " + o.key_path;
  }
  if (rc != SSH_AUTH_SUCCESS && !o.password.empty()) {
    rc = ssh_userauth_password(s, nullptr, o.password.c_str());
    tried += std::string(tried.empty() ? "" : ", then ") + "password";
  }
  if (rc != SSH_AUTH_SUCCESS && o.key_path.empty() && o.password.empty()) {
    rc = ssh_userauth_publickey_auto(s, nullptr, nullptr);
    tried = "publickey from ssh-agent and ~/.ssh (no --ssh-key or --password given)";
  }
  if (rc != SSH_AUTH_SUCCESS) {
    return Status::Error(o.node + ": ssh authentication refused for " + o.username + "@" +
                         Endpoint(o) + " (tried " + tried + ")");
  }
  return conn;
}

Result<std::unique_ptr<SshRemote::Connection>> SshRemote::Lease(bool fresh) {
  std::vector<std::unique_ptr<Connection>> closing;  // disconnected outside the lock
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (fresh) {
      closing.swap(idle_);
      open_ -= closing.size();
    }
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < kMaxConnections; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (ssh_is_connected(conn->session)) return conn;
      // Dead (peer closed it): replace it below, keeping its slot.
      closing.push_back(std::move(conn));
    } else {
      ++open_;
    }
  }
  auto opened = Open();
  if (!opened.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    cv_.notify_one();
  }
  return opened;
}

void SshRemote::Return(std::unique_ptr<Connection> connection, bool healthy) {
  std::unique_ptr<Connection> to_close;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (healthy && idle_.size() < kMaxIdle && ssh_is_connected(connection->session)) {
      idle_.push_back(std::move(connection));
    } else {
      to_close = std::move(connection);
      --open_;
    }
  }
  cv_.notify_one();
  // to_close disconnects here, outside the lock.
}

void SshRemote::DropConnections() {
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing.swap(idle_);
    open_ -= closing.size();
  }
  cv_.notify_all();
}

Result<ExecResult> SshRemote::Exec(const std::string& command, const std::string& stdin_data,
                                   std::chrono::milliseconds timeout) {
  const std::string wrapped = WrapCommand(command, timeout, NeedsSudo());
  const auto deadline = Clock::now() + timeout;
  std::unique_ptr<Connection> conn;
  ChannelGuard guard;
  // A pooled connection may have died since its last use (sshd restarted, node
  // rebooted, network blip). Until the command has started, retrying on a fresh
  // connection is safe: nothing ran yet.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto leased = Lease(/*fresh=*/attempt > 0);
    if (!leased.ok()) return leased.status();
    conn = std::move(leased).value();
    guard.channel = ssh_channel_new(conn->session);
    if (guard.channel && ssh_channel_open_session(guard.channel) == SSH_OK &&
        ssh_channel_request_exec(guard.channel, wrapped.c_str()) == SSH_OK) {
      break;
    }
    std::string err = FirstLine(ssh_get_error(conn->session));
    if (guard.channel) ssh_channel_free(guard.channel);
    guard.channel = nullptr;
    Return(std::move(conn), false);
    if (attempt == 1) {
      return Status::Error(options_.node + ": ssh cannot start a command on " +
                           Endpoint(options_) + ": " + err);
    }
  }

  auto lost = [&](const char* when) -> Status {
    std::string err = FirstLine(ssh_get_error(conn->session));
    ssh_channel_free(guard.channel);
    guard.channel = nullptr;
    Return(std::move(conn), false);
    return Status::Error(options_.node + ": ssh connection to " + Endpoint(options_) + " lost " +
                         when + " (" + err + ")");
  };

  size_t written = 0;
  while (written < stdin_data.size()) {
    uint32_t chunk = static_cast<uint32_t>(std::min<size_t>(stdin_data.size() - written, 1 << 20));
    int w = ssh_channel_write(guard.channel, stdin_data.data() + written, chunk);
    if (w == SSH_ERROR) return lost("while sending stdin");
    written += static_cast<size_t>(w);
  }
  ssh_channel_send_eof(guard.channel);

  ExecResult result;
  char buf[32768];
  while (!ssh_channel_is_eof(guard.channel)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      // The node-side `timeout` kills the command; this connection may still
      // receive its late output, so it is not reused.
      ssh_channel_free(guard.channel);
      guard.channel = nullptr;
      Return(std::move(conn), false);
      double secs = timeout.count() / 1000.0;
      char text[32];
      std::snprintf(text, sizeof text, "%g", secs);
      std::string shown = command.size() > 100 ? command.substr(0, 97) + "..." : command;
      return Status::Error(options_.node + ": command timed out after " + text + "s: `" + shown +
                           "`");
    }
    int wait_ms = static_cast<int>(std::min<long long>(left.count(), 50));
    int n = ssh_channel_read_timeout(guard.channel, buf, sizeof buf, 0, wait_ms);
    if (n == SSH_ERROR) return lost("while the command ran");
    if (n > 0) result.out.append(buf, n);
    int e;
    while ((e = ssh_channel_read_nonblocking(guard.channel, buf, sizeof buf, 1)) > 0) {
      result.err.append(buf, e);
    }
    if (e == SSH_ERROR) return lost("while the command ran");
    if (!ssh_is_connected(conn->session)) return lost("while the command ran");
  }
  result.exit_code = ssh_channel_get_exit_status(guard.channel);
  ssh_channel_close(guard.channel);
  ssh_channel_free(guard.channel);
  guard.channel = nullptr;
  Return(std::move(conn), true);
  return result;
}

// ---- file transfer (SFTP) ----

namespace {

Status SftpError(const std::string& node, sftp_session sftp, ssh_session session,
                 const std::string& what) {
  return Status::Error(node + ": sftp " + what + ": " + FirstLine(ssh_get_error(session)) +
                       " (sftp code " + std::to_string(sftp_get_error(sftp)) + ")");
}

Status SftpUploadTree(const std::string& node, sftp_session sftp, ssh_session session,
                      const fs::path& local, const std::string& remote) {
  std::error_code ec;
  auto st = fs::status(local, ec);
  if (ec) return Status::Error(node + ": upload: " + local.string() + ": " + ec.message());
  mode_t mode = static_cast<mode_t>(st.permissions()) & 07777;
  if (fs::is_directory(st)) {
    if (sftp_mkdir(sftp, remote.c_str(), mode | 0700) != SSH_OK &&
        sftp_get_error(sftp) != SSH_FX_FILE_ALREADY_EXISTS) {
      // Some servers report an existing directory as a generic failure.
      sftp_attributes a = sftp_stat(sftp, remote.c_str());
      bool is_dir = a && a->type == SSH_FILEXFER_TYPE_DIRECTORY;
      if (a) sftp_attributes_free(a);
      if (!is_dir) return SftpError(node, sftp, session, "mkdir " + remote);
    }
    for (const auto& entry : fs::directory_iterator(local, ec)) {
      Status s = SftpUploadTree(node, sftp, session, entry.path(),
                                remote + "/" + entry.path().filename().string());
      if (!s.ok()) return s;
    }
    if (ec) return Status::Error(node + ": upload: " + local.string() + ": " + ec.message());
    return Status::Ok();
  }
  std::ifstream in(local, std::ios::binary);
  if (!in) return Status::Error(node + ": upload: cannot read " + local.string());
  sftp_file file = sftp_open(sftp, remote.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode | 0600);
  if (!file) return SftpError(node, sftp, session, "open " + remote + " for writing");
  std::vector<char> buf(kSftpChunk);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    if (sftp_write(file, buf.data(), static_cast<size_t>(got)) != got) {
      sftp_close(file);
      return SftpError(node, sftp, session, "write " + remote);
    }
  }
  if (sftp_close(file) != SSH_OK) return SftpError(node, sftp, session, "close " + remote);
  // Creation applied the node's umask; set the exact bits (the executable bit matters).
  if (sftp_chmod(sftp, remote.c_str(), mode) != SSH_OK) {
    return SftpError(node, sftp, session, "chmod " + remote);
  }
  return Status::Ok();
}

Status SftpDownloadTree(const std::string& node, sftp_session sftp, ssh_session session,
                        const std::string& remote, const fs::path& local) {
  sftp_attributes attrs = sftp_stat(sftp, remote.c_str());
  if (!attrs) return SftpError(node, sftp, session, "stat " + remote);
  bool is_dir = attrs->type == SSH_FILEXFER_TYPE_DIRECTORY;
  auto perms = static_cast<fs::perms>(attrs->permissions & 07777);
  sftp_attributes_free(attrs);
  std::error_code ec;
  if (is_dir) {
    fs::create_directories(local, ec);
    if (ec) return Status::Error(node + ": download: " + local.string() + ": " + ec.message());
    sftp_dir dir = sftp_opendir(sftp, remote.c_str());
    if (!dir) return SftpError(node, sftp, session, "opendir " + remote);
    std::vector<std::string> names;
    while (sftp_attributes entry = sftp_readdir(sftp, dir)) {
      std::string name = entry->name ? entry->name : "";
      sftp_attributes_free(entry);
      if (name != "." && name != ".." && !name.empty()) names.push_back(name);
    }
    sftp_closedir(dir);
    for (const auto& name : names) {
      Status s = SftpDownloadTree(node, sftp, session, remote + "/" + name, local / name);
      if (!s.ok()) return s;
    }
    fs::permissions(local, perms | fs::perms::owner_all, ec);
    return Status::Ok();
  }
  sftp_file file = sftp_open(sftp, remote.c_str(), O_RDONLY, 0);
  if (!file) return SftpError(node, sftp, session, "open " + remote);
  if (local.has_parent_path()) fs::create_directories(local.parent_path(), ec);
  std::ofstream out(local, std::ios::binary | std::ios::trunc);
  if (!out) {
    sftp_close(file);
    return Status::Error(node + ": download: cannot write " + local.string());
  }
  std::vector<char> buf(kSftpChunk);
  while (true) {
    ssize_t n = sftp_read(file, buf.data(), buf.size());
    if (n < 0) {
      sftp_close(file);
      return SftpError(node, sftp, session, "read " + remote);
    }
    if (n == 0) break;
    out.write(buf.data(), n);
  }
  sftp_close(file);
  out.close();
  if (!out) return Status::Error(node + ": download: cannot write " + local.string());
  fs::permissions(local, perms | fs::perms::owner_read | fs::perms::owner_write, ec);
  return Status::Ok();
}

std::string ParentOf(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Status SshRemote::WithSftp(const std::function<Status(sftp_session, ssh_session)>& fn) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto leased = Lease(/*fresh=*/attempt > 0);
    if (!leased.ok()) return leased.status();
    std::unique_ptr<Connection> conn = std::move(leased).value();
    SftpGuard g;
    g.sftp = sftp_new(conn->session);
    if (!g.sftp || sftp_init(g.sftp) != SSH_OK) {
      // Nothing was transferred yet: a dead pooled connection is retried once.
      std::string err = FirstLine(ssh_get_error(conn->session));
      if (g.sftp) sftp_free(g.sftp);
      g.sftp = nullptr;
      Return(std::move(conn), false);
      if (attempt == 1) {
        return Status::Error(options_.node + ": cannot start sftp on " + Endpoint(options_) +
                             ": " + err);
      }
      continue;
    }
    Status s = fn(g.sftp, conn->session);
    sftp_free(g.sftp);
    g.sftp = nullptr;
    bool healthy = s.ok() || ssh_is_connected(conn->session);
    Return(std::move(conn), healthy);
    return s;
  }
  return Status::Error(options_.node + ": cannot start sftp");
}

Status SshRemote::Upload(const std::string& local_path, const std::string& remote_path) {
  std::error_code ec;
  if (!fs::exists(local_path, ec)) {
    return Status::Error(options_.node + ": upload: local path " + local_path + " does not exist");
  }
  bool is_dir = fs::is_directory(local_path, ec);
  // Staging: a non-root login writes to /tmp, then sudo moves it into place.
  std::string target = remote_path;
  std::string staging;
  if (NeedsSudo()) {
    staging = "/tmp/faultline-upload-" + RandomSuffix();
    target = staging;
  } else {
    auto made = ExecOrError(*this, "mkdir -p " + ShellQuote(ParentOf(remote_path)));
    if (!made.ok()) return made.status();
  }
  Status s = WithSftp([&](sftp_session sftp, ssh_session session) {
    return SftpUploadTree(options_.node, sftp, session, local_path, target);
  });
  if (!s.ok()) return s;
  if (NeedsSudo()) {
    std::string q_stage = ShellQuote(staging), q_target = ShellQuote(remote_path);
    std::string cmd =
        is_dir ? "mkdir -p " + q_target + " && cp -r " + q_stage + "/. " + q_target
               : "mkdir -p " + ShellQuote(ParentOf(remote_path)) + " && cp " + q_stage + " " +
                     q_target + " && chmod --reference=" + q_stage + " " + q_target;
    cmd += "; rc=$?; rm -rf " + q_stage + "; exit $rc";
    auto moved = ExecOrError(*this, cmd);
    if (!moved.ok()) return moved.status();
  }
  return Status::Ok();
}

Status SshRemote::Download(const std::string& remote_path, const std::string& local_path) {
  std::string source = remote_path;
  std::string staging;
  if (NeedsSudo()) {
    staging = "/tmp/faultline-download-" + RandomSuffix();
    auto copied = ExecOrError(*this, "cp -r " + ShellQuote(remote_path) + " " +
                                         ShellQuote(staging) + " && chown -R " +
                                         ShellQuote(options_.username) + " " + ShellQuote(staging));
    if (!copied.ok()) return copied.status();
    source = staging;
  }
  Status s = WithSftp([&](sftp_session sftp, ssh_session session) {
    return SftpDownloadTree(options_.node, sftp, session, source, local_path);
  });
  if (NeedsSudo()) (void)Exec("rm -rf " + ShellQuote(staging));
  return s;
}

}  // namespace faultline
