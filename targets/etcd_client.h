// EtcdClient: the etcd target's Client — one keep-alive HTTP connection
// (cpp-httplib) to one member's v3 JSON gateway (keys and values base64), for
// the register ops and transactions. A register op's key is the etcd key
// ("k3"); values are stored as their JSON text.
//   read   POST /v3/kv/range {key}                        -> value, null when absent
//   write  POST /v3/kv/put   {key, value}
//   cas    POST /v3/kv/txn   compare VALUE == expected, then put new
//          (value [expected, new]; not succeeded -> fail "precondition failed")
//   txn    list-append / rw-register micro-ops, any mix, as one read txn and
//          (when it writes) one compare-and-put txn: see etcd_txn.h;
//          compares not holding -> fail "conflict: ..."
// Reads are etcd's default linearizable reads (not serializable).
// Outcomes: answered -> ok; no connection could be made, a request etcd
// rejected as invalid (gRPC InvalidArgument: checked before anything is
// proposed), or a read that errored (reads change nothing; for a txn, any
// error before its commit is sent) -> fail; any other error or a timeout on
// a write, cas or txn commit -> info (it may have taken effect).
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

 private:
  // One gateway request's outcome: `ok` with the answer's body, or the op
  // type it leaves the op in (`changes`: the request may change data) and
  // the error.
  struct Answer {
    bool ok = false;
    json body;
    OpType type = OpType::kFail;
    std::string error;
  };
  Answer Post(const std::string& path, const json& request, bool changes);
  Op InvokeTxn(const Op& invoke);
};

}  // namespace faultline
