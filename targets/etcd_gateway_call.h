// EtcdGatewayPost: one POST to etcd's v3 JSON gateway that keeps the answer
// when the gateway ends it with an HTTP trailer. A failed gRPC call comes
// back as a chunked body followed by a trailer ("Grpc-Trailer-Content-Type"),
// which Debian's cpp-httplib 0.11 cannot parse: its Post reports a read error
// and the answer is lost ("etcdserver: unhealthy cluster", "member not
// found", or an InvalidArgument that proves nothing happened). Here the
// status and the body are taken as they arrive (a response handler and a
// content receiver), so a body that is whole JSON is the server's answer even
// when reading the trailer after it fails.
//
// Thread safety: the `client` overload uses the client as httplib does (one
// call at a time per client); the other has no shared state.
#pragma once

#include <chrono>
#include <string>

#include <httplib.h>

#include "harness/core/status.h"

namespace faultline {

struct GatewayAnswer {
  int status = 0;    // HTTP status code
  std::string body;  // the whole body
};

// Sends `body` as application/json to `path` with `client` (its timeouts and
// keep-alive). `sent` is set false when the request certainly never reached
// the server (the connection failed), true otherwise: an error then means
// the call may have taken effect. Errors name the failed step as httplib
// does ("Read", "Connection").
Result<GatewayAnswer> EtcdGatewayPost(httplib::Client& client, const std::string& path, const std::string& body,
                                      bool* sent);

// The same on a fresh connection to ADDRESS:PORT with these timeouts.
Result<GatewayAnswer> EtcdGatewayPost(const std::string& address, int port, const std::string& path,
                                      const std::string& body, std::chrono::milliseconds connect_timeout,
                                      std::chrono::milliseconds read_timeout, bool* sent);

}  // namespace faultline
