// NodeApi: one ringstore node's HTTP/JSON API as a plain function
// (method, raw request target, body) -> (status, JSON body), with no
// sockets. The server (server.cc) hands every request to it; tests and the
// fuzzer (tests/fuzz/ringstore_request_fuzz.cc) call it in-process, so they
// exercise exactly the code a client reaches. The routes are listed in
// server.h.
//
// Untrusted input is bounded here: bodies over 1 MiB, JSON nested deeper than
// kMaxNesting (harness/core/bounded_json.h), malformed JSON, missing fields and
// malformed keys get 400 {"error", "definite": true}; nothing a client sends
// can crash the node. Unknown routes get 404.
//
// Thread safety: Handle is safe from many threads at once (the coordinator
// and the store are).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/ringstore/config.h"
#include "targets/ringstore/replica_store.h"

namespace faultline::ringstore {

inline constexpr size_t kMaxRequestBody = size_t{1} << 20;  // 1 MiB

struct HttpReply {
  int status = 200;
  std::string body;  // JSON text
};

class NodeApi {
 public:
  // Builds the ring, peers and coordinator of `config.mode` over `store`.
  NodeApi(const Config& config, std::unique_ptr<ReplicaStore> store);
  ~NodeApi();
  NodeApi(const NodeApi&) = delete;
  NodeApi& operator=(const NodeApi&) = delete;

  // `target` is the raw request target (path with %-escapes, and query).
  HttpReply Handle(const std::string& method, const std::string& target, const std::string& body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline::ringstore
