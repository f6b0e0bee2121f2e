// RingstoreClient: the ringstore target's Client — one keep-alive HTTP
// connection (cpp-httplib) to one node's ringstore, mapping ops to its API:
//   read         GET  /kv/KEY                       -> value
//   write        PUT  /kv/KEY {"value": V}
//   cas          POST /kv/KEY/cas {"expected","new"} (value [expected, new])
//   set-add      POST /set/KEY/add {"element": V}
//   set-read     GET  /set/KEY                      -> list
//   counter-add  POST /counter/KEY/add {"delta": V}
//   counter-read GET  /counter/KEY                  -> number
//   txn          one micro-op only (the target lists "txn-single", not "txn"):
//                ["append", k, e]  POST /kv/txn-K/append {"element": e}
//                ["w", k, v]       PUT  /kv/txn-K {"value": v}
//                ["r", k, null]    GET  /kv/txn-K -> ["r", k, list or value]
//                (K: the key's text); a longer txn is refused (fail) unsent.
// Outcomes: HTTP 200 -> ok; an error the store marks definite (cas precondition
// failed, no quorum before any accept, bad request) -> fail; indefinite errors,
// timeouts and lost connections -> info. A connection that could not be
// established at all means the request was never sent -> fail.
//
// Thread safety: one worker thread at a time (Client contract).
#pragma once

#include <chrono>
#include <string>

#include "harness/core/url_encode.h"  // EncodePathSegment, used for keys
#include "targets/http_store_client.h"

namespace faultline {

class RingstoreClient final : public HttpStoreClient {
 public:
  RingstoreClient(int port, std::chrono::milliseconds request_timeout);
  Op Invoke(const Op& invoke) override;
};

}  // namespace faultline
