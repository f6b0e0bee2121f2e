// RingstoreClient: the ringstore target's Client — one keep-alive HTTP
// connection (cpp-httplib) to one node's ringstore, mapping ops to its API:
//   read         GET  /kv/KEY                       -> value
//   write        PUT  /kv/KEY {"value": V}
//   cas          POST /kv/KEY/cas {"expected","new"} (value [expected, new])
//   set-add      POST /set/KEY/add {"element": V}
//   set-read     GET  /set/KEY                      -> list
//   counter-add  POST /counter/KEY/add {"delta": V}
//   counter-read GET  /counter/KEY                  -> number
// Outcomes: HTTP 200 -> ok; an error the store marks definite (cas precondition
// failed, no quorum before any accept, bad request) -> fail; indefinite errors,
// timeouts and lost connections -> info. A connection that could not be
// established at all means the request was never sent -> fail.
//
// Thread safety: one worker thread at a time (Client contract).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "targets/target.h"

namespace faultline {

class RingstoreClient final : public Client {
 public:
  RingstoreClient(int port, std::chrono::milliseconds request_timeout);
  ~RingstoreClient() override;

  // Prepares the connection to node.address:port (connects lazily, so a node
  // that is down now does not fail Open). Error: no address.
  Status Open(const ClusterInfo& cluster, const NodeInfo& node) override;
  Op Invoke(const Op& invoke) override;
  void Close() override;

 private:
  struct Impl;
  int port_;
  std::chrono::milliseconds request_timeout_;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes `key` for a URL path segment (unreserved characters stay).
std::string EncodePathSegment(const std::string& key);

}  // namespace faultline
