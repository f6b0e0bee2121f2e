// EtcdClient: the etcd target's Client — one keep-alive HTTP connection
// (cpp-httplib) to one member's v3 JSON gateway (keys and values base64), for
// the register ops. The op's key is the etcd key ("k3"); values are stored as
// their JSON text.
//   read   POST /v3/kv/range {key}                        -> value, null when absent
//   write  POST /v3/kv/put   {key, value}
//   cas    POST /v3/kv/txn   compare VALUE == expected, then put new
//          (value [expected, new]; not succeeded -> fail "precondition failed")
// Reads are etcd's default linearizable reads (not serializable).
// Outcomes: answered -> ok; no connection could be made, or a read that
// errored (reads change nothing) -> fail; any other error or a timeout on a
// write or cas -> info (it may have taken effect).
//
// Thread safety: one worker thread at a time (Client contract).
#pragma once

#include <chrono>
#include <string>

#include "targets/http_store_client.h"

namespace faultline {

class EtcdClient final : public HttpStoreClient {
 public:
  EtcdClient(int client_port, std::chrono::milliseconds request_timeout);
  Op Invoke(const Op& invoke) override;
};

}  // namespace faultline
