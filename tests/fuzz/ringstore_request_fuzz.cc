// libFuzzer target: ringstore's request handling (targets/ringstore/node_api.h)
// in-process, no sockets. Input: one byte choosing the node's mode (paxos,
// lww, eventual), then "METHOD TARGET\n", then the body. Each mode's node is
// a one-node cluster (replicas 1) whose store lives in a fresh directory
// under /dev/shm (or /tmp), so its own RPCs stay in-process. Any answer is
// fine; a crash, a sanitizer report, an escaping exception or a reply that is
// not JSON is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/ringstore/node_api.h"

namespace {

using faultline::ringstore::Config;
using faultline::ringstore::Mode;
using faultline::ringstore::NodeApi;

// Leaked on purpose: the atexit cleanup runs after static destructors.
const std::string& DataRoot() {
  static const std::string* root = [] {
    std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    auto* dir = new std::string(base + "/ringstore-fuzz-" + std::to_string(getpid()));
    std::filesystem::remove_all(*dir);
    std::filesystem::create_directories(*dir);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(DataRoot(), ec);
    });
    return dir;
  }();
  return *root;
}

NodeApi& NodeFor(Mode mode) {
  static std::unique_ptr<NodeApi> nodes[3];
  auto& node = nodes[static_cast<int>(mode)];
  if (!node) {
    Config c;
    c.id = "n1";
    c.listen_host = "127.0.0.1";
    c.listen_port = 1;  // never contacted: the only peer is this node
    c.peers = {{"n1", "127.0.0.1", 1}};
    c.replicas = 1;
    c.vnodes = 4;
    c.mode = mode;
    c.rpc_timeout_s = 0.05;
    c.data_dir = DataRoot() + "/" + faultline::ringstore::ModeName(mode);
    std::filesystem::create_directories(c.data_dir);
    auto store = faultline::ringstore::ReplicaStore::Open(c.data_dir);
    if (!store.ok()) std::abort();
    node = std::make_unique<NodeApi>(c, std::move(store.value()));
  }
  return *node;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const Mode kModes[] = {Mode::kPaxos, Mode::kLww, Mode::kEventual};
  Mode mode = kModes[data[0] % 3];
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t nl = rest.find('\n');
  std::string head = rest.substr(0, nl);
  std::string body = nl == std::string::npos ? "" : rest.substr(nl + 1);
  size_t space = head.find(' ');
  std::string method = head.substr(0, space);
  std::string target = space == std::string::npos ? "/" : head.substr(space + 1);
  auto reply = NodeFor(mode).Handle(method, target, body);
  if (reply.status < 100 || reply.status > 599) std::abort();
  if (nlohmann::json::parse(reply.body, nullptr, false).is_discarded()) std::abort();
  return 0;
}
