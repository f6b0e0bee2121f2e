// Body of the ringstore_request fuzz target: ringstore's request handling
// (targets/ringstore/node_api.h) in-process, no sockets. Input: one byte
// choosing the node's mode (paxos, lww, eventual), then "METHOD TARGET\n",
// then the body. Each mode's node is a one-node cluster (replicas 1) whose
// store lives in a fresh directory under /dev/shm (or /tmp), so its own RPCs
// stay in-process. Any answer is fine; a crash, a sanitizer report, an
// escaping exception or a returned finding (a reply that is not JSON, a bad
// status) is a bug. Also replayed over the corpus by corpus_replay_test.cc.
// Not thread-safe (one node per mode per process, made on first use).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/ringstore/node_api.h"

namespace faultline::fuzz {

// Leaked on purpose: the atexit cleanup runs after static destructors.
inline const std::string& RingstoreFuzzDataRoot() {
  static const std::string* root = [] {
    std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    auto* dir = new std::string(base + "/ringstore-fuzz-" + std::to_string(getpid()));
    std::filesystem::remove_all(*dir);
    std::filesystem::create_directories(*dir);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(RingstoreFuzzDataRoot(), ec);
    });
    return dir;
  }();
  return *root;
}

// The node of `mode`, or nullptr when its store cannot be opened.
inline ringstore::NodeApi* RingstoreFuzzNode(ringstore::Mode mode) {
  static std::unique_ptr<ringstore::NodeApi> nodes[3];
  auto& node = nodes[static_cast<int>(mode)];
  if (!node) {
    ringstore::Config c;
    c.id = "n1";
    c.listen_host = "127.0.0.1";
    c.listen_port = 1;  // never contacted: the only peer is this node
    c.peers = {{"n1", "127.0.0.1", 1}};
    c.replicas = 1;
    c.vnodes = 4;
    c.mode = mode;
    c.rpc_timeout_s = 0.05;
    c.data_dir = RingstoreFuzzDataRoot() + "/" + ringstore::ModeName(mode);
    std::filesystem::create_directories(c.data_dir);
    auto store = ringstore::ReplicaStore::Open(c.data_dir);
    if (!store.ok()) return nullptr;
    node = std::make_unique<ringstore::NodeApi>(c, std::move(store.value()));
  }
  return node.get();
}

// Returns "" or what is wrong (the fuzz target aborts on it).
inline std::string RingstoreRequestInput(const uint8_t* data, size_t size) {
  if (size < 1) return "";
  static const ringstore::Mode kModes[] = {ringstore::Mode::kPaxos, ringstore::Mode::kLww,
                                           ringstore::Mode::kEventual};
  ringstore::Mode mode = kModes[data[0] % 3];
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t nl = rest.find('\n');
  std::string head = rest.substr(0, nl);
  std::string body = nl == std::string::npos ? "" : rest.substr(nl + 1);
  size_t space = head.find(' ');
  std::string method = head.substr(0, space);
  std::string target = space == std::string::npos ? "/" : head.substr(space + 1);
  ringstore::NodeApi* node = RingstoreFuzzNode(mode);
  if (!node) return "cannot open a ringstore store under " + RingstoreFuzzDataRoot();
  auto reply = node->Handle(method, target, body);
  if (reply.status < 100 || reply.status > 599) {
    return "HTTP status " + std::to_string(reply.status) + " for " + method + " " + target;
  }
  if (nlohmann::json::parse(reply.body, nullptr, false).is_discarded()) {
    return "a reply that is not JSON for " + method + " " + target + ": " + reply.body.substr(0, 200);
  }
  return "";
}

}  // namespace faultline::fuzz
