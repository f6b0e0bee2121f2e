// EtcdGatewayPost: one POST to etcd's v3 JSON gateway over HTTP/1.0, for the
// calls whose error answers must be read (member add/remove). The gateway
// answers a failed gRPC call with a chunked body and an HTTP trailer
// ("Grpc-Trailer-Content-Type"), which Debian's cpp-httplib 0.11 cannot
// parse: it reports a read error and the answer ("etcdserver: unhealthy
// cluster", "member not found") is lost. An HTTP/1.0 request gets a plain
// body up to the close, without trailers.
//
// Thread safety: no shared state; call from any thread.
#pragma once

#include <chrono>
#include <string>

#include "harness/core/status.h"

namespace faultline {

struct GatewayAnswer {
  int status = 0;    // HTTP status code
  std::string body;  // the whole body
};

// Connects to ADDRESS:PORT (numeric IPv4), sends `body` as application/json
// to `path` and reads the answer until the server closes. `sent` is set
// false when the request certainly never reached the server (the connection
// failed), true once any byte was written: an error after that means the
// call may have taken effect. Errors say which step failed.
Result<GatewayAnswer> EtcdGatewayPost(const std::string& address, int port, const std::string& path,
                                      const std::string& body, std::chrono::milliseconds connect_timeout,
                                      std::chrono::milliseconds read_timeout, bool* sent);

}  // namespace faultline
