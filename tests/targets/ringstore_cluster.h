// RingstoreCluster: N real `ringstore` processes on 127.0.0.1 for tests and
// benchmarks. Ports are picked free by the kernel; data lives in a fresh temp
// directory; processes are started with fork/exec of FAULTLINE_BINARY_DIR's
// ringstore and are stopped by pid (SIGKILL) in Stop/Kill/the destructor,
// which also removes the temp directory. Not thread-safe: drive it from the
// test's main thread.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "targets/ringstore/json_client.h"

namespace faultline::ringstore::testing {

// A port the kernel considers free right now.
inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

class RingstoreCluster {
 public:
  struct Options {
    int nodes = 3;
    std::string mode = "paxos";
    int replicas = 3;
    int vnodes = 64;
    int rpc_timeout_ms = 500;
    // Nodes 0..initial-1 form the ring (--peers lists only them); the others
    // start with --join to node 0. -1: every node is a member from the start.
    int initial = -1;
    std::vector<std::string> extra_args;  // appended to every node's command line
    std::string binary = std::string(FAULTLINE_BINARY_DIR) + "/ringstore";
  };

  explicit RingstoreCluster(Options options) : options_(std::move(options)) {
    char tmpl[] = "/tmp/ringstore-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    for (int i = 0; i < options_.nodes; ++i) {
      ids_.push_back("n" + std::to_string(i + 1));
      ports_.push_back(FreePort());
      pids_.push_back(-1);
    }
    int members = options_.initial < 0 ? options_.nodes : options_.initial;
    for (int i = 0; i < members; ++i) {
      peers_ += (i ? "," : "") + ids_[i] + "=127.0.0.1:" + std::to_string(ports_[i]);
    }
  }
  ~RingstoreCluster() {
    for (int i = 0; i < options_.nodes; ++i) Kill(i);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Starts every node (the initial members only, when Options::initial is
  // set) and waits until each answers /health. False on timeout.
  bool StartAll() {
    int n = options_.initial < 0 ? options_.nodes : options_.initial;
    for (int i = 0; i < n; ++i) Spawn(i);
    for (int i = 0; i < n; ++i) {
      if (!WaitHealthy(i)) return false;
    }
    return true;
  }
  // (Re)starts node i and waits for /health.
  bool Start(int i) {
    Spawn(i);
    return WaitHealthy(i);
  }
  // SIGKILL node i (by pid) and reap it. No-op when not running.
  void Kill(int i) {
    if (pids_[i] <= 0) return;
    ::kill(pids_[i], SIGKILL);
    ::waitpid(pids_[i], nullptr, 0);
    pids_[i] = -1;
  }
  // Extra environment (NAME=VALUE) for node i's next start, e.g. libfaketime.
  void SetEnv(int i, std::vector<std::string> env) { env_[i] = std::move(env); }
  // Returns once every thread of node i has stopped: SIGSTOP alone only
  // queues the stop, and on a loaded machine a thread already running may go
  // on answering requests until the group stop completes (the parent is told
  // through waitpid WUNTRACED exactly then).
  void Pause(int i) {
    if (pids_[i] <= 0 || ::kill(pids_[i], SIGSTOP) != 0) return;
    int status = 0;
    while (::waitpid(pids_[i], &status, WUNTRACED) == pids_[i] && !WIFSTOPPED(status)) {
    }
  }
  void Resume(int i) { ::kill(pids_[i], SIGCONT); }
  bool Running(int i) const { return pids_[i] > 0; }

  int size() const { return options_.nodes; }
  int port(int i) const { return ports_[i]; }
  const std::string& id(int i) const { return ids_[i]; }
  const std::string& dir() const { return dir_; }
  std::string DataDir(int i) const { return dir_ + "/" + ids_[i]; }
  std::unique_ptr<JsonClient> Client(int i, double timeout_s = 5.0) const {
    return std::make_unique<JsonClient>("127.0.0.1", ports_[i], timeout_s);
  }
  std::string Log(int i) const {
    std::ifstream in(dir_ + "/" + ids_[i] + ".log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Argument vector of node i (for tests of the command line).
  std::vector<std::string> Args(int i) const {
    const std::string self = ids_[i] + "=127.0.0.1:" + std::to_string(ports_[i]);
    const bool joiner = options_.initial >= 0 && i >= options_.initial;
    std::vector<std::string> args = {options_.binary, "--id", ids_[i], "--listen",
                                     "127.0.0.1:" + std::to_string(ports_[i]), "--peers", joiner ? self : peers_,
                                     "--data-dir", DataDir(i), "--replicas", std::to_string(options_.replicas),
                                     "--vnodes", std::to_string(options_.vnodes), "--mode", options_.mode,
                                     "--rpc-timeout-ms", std::to_string(options_.rpc_timeout_ms)};
    if (joiner) args.insert(args.end(), {"--join", "127.0.0.1:" + std::to_string(ports_[0])});
    args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
    return args;
  }

 private:
  void Spawn(int i) {
    Kill(i);
    std::vector<std::string> args = Args(i);
    std::string log = dir_ + "/" + ids_[i] + ".log";
    pid_t pid = ::fork();
    if (pid == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      for (auto& e : env_[i]) ::putenv(e.data());
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pids_[i] = pid;
  }
  bool WaitHealthy(int i) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      JsonClient c("127.0.0.1", ports_[i], 0.5);
      if (c.Get("/health").status == 200) return true;
      int status;
      if (::waitpid(pids_[i], &status, WNOHANG) == pids_[i]) {
        pids_[i] = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  Options options_;
  std::string dir_;
  std::vector<std::string> ids_;
  std::vector<int> ports_;
  std::vector<pid_t> pids_;
  std::string peers_;
  std::map<int, std::vector<std::string>> env_;
};

}  // namespace faultline::ringstore::testing
