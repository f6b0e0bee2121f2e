// ConfigureHttpClient: the one way every faultline HTTP client (the ringstore
// and etcd clients, ringstore's peers) is set up: keep-alive, TCP_NODELAY and
// timeouts. A template over the client type so that this header need not
// include httplib.h (slow to compile; DESIGN.md §10): pass an httplib::Client.
#pragma once

#include <algorithm>
#include <chrono>

namespace faultline {

// `connect_timeout` caps the connect phase separately: connecting is quick on a
// healthy network, and a partitioned node must not eat the whole request budget
// before the request is even sent. Zero means "same as request_timeout".
template <typename HttpClient>
void ConfigureHttpClient(HttpClient& client, std::chrono::microseconds request_timeout,
                         std::chrono::microseconds connect_timeout = std::chrono::microseconds(0)) {
  client.set_keep_alive(true);
  // httplib writes a POST's headers and body separately: without NODELAY,
  // Nagle plus the peer's delayed ACK stall every request by ~40 ms.
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(connect_timeout.count() > 0 ? std::min(connect_timeout, request_timeout)
                                                            : request_timeout);
  client.set_read_timeout(request_timeout);
  client.set_write_timeout(request_timeout);
}

// Seconds as the microseconds ConfigureHttpClient takes.
inline std::chrono::microseconds SecondsToMicros(double seconds) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::duration<double>(seconds));
}

}  // namespace faultline
