#include "targets/etcd_client.h"

#include <httplib.h>

#include "harness/core/base64.h"
#include "harness/core/bounded_json.h"
#include "targets/etcd_gateway_call.h"
#include "targets/etcd_txn.h"

namespace faultline {
namespace {

// gRPC's InvalidArgument: etcd validates a request (too many txn ops, a
// request too large, ...) before proposing it, so nothing happened.
constexpr int kGrpcInvalidArgument = 3;

}  // namespace

EtcdClient::EtcdClient(int client_port, std::chrono::milliseconds request_timeout)
    : HttpStoreClient("etcd", client_port, request_timeout) {}

EtcdClient::Answer EtcdClient::Post(const std::string& path, const json& request, bool changes) {
  Answer a;
  bool sent = true;
  // Through EtcdGatewayPost: etcd's error answers end with a trailer that
  // httplib's Post loses (every error read as "Read", InvalidArgument too).
  auto res = EtcdGatewayPost(*http(), path, request.dump(), &sent);
  if (!res.ok()) {
    // No connection: the request never left this machine.
    if (!sent) {
      a.error = "cannot connect: " + res.status().message();
      return a;
    }
    a.type = changes ? OpType::kInfo : OpType::kFail;
    a.error = res.status().message();
    return a;
  }
  json body = ParseBoundedJsonOrDiscarded(res->body);
  if (res->status != 200 || !body.is_object()) {
    std::string error = "HTTP " + std::to_string(res->status);
    if (body.is_object() && body.contains("error") && body["error"].is_string()) {
      error += ": " + body["error"].get<std::string>();
    } else {
      error += ": " + res->body.substr(0, 200);
    }
    bool invalid = body.is_object() && body.contains("code") && body["code"].is_number_integer() &&
                   body["code"].get<int>() == kGrpcInvalidArgument;
    a.type = changes && !invalid ? OpType::kInfo : OpType::kFail;
    a.error = std::move(error);
    return a;
  }
  a.ok = true;
  a.body = std::move(body);
  return a;
}

Op EtcdClient::Invoke(const Op& invoke) {
  Op out = invoke;
  auto done = [&](OpType type, std::string error = "") {
    out.type = type;
    out.error = std::move(error);
    return out;
  };
  if (!http()) return done(OpType::kFail, "etcd client is not open");
  const std::string& f = invoke.f;
  if (f == "txn") return InvokeTxn(invoke);
  const std::string key = Base64Encode(KeyText(invoke.key));
  const json& v = invoke.value;
  const bool read = f == "read";
  json request;
  std::string path;
  if (read) {
    path = "/v3/kv/range";
    request = {{"key", key}};
  } else if (f == "write") {
    path = "/v3/kv/put";
    request = {{"key", key}, {"value", Base64Encode(v.dump())}};
  } else if (f == "cas") {
    if (!v.is_array() || v.size() != 2) return done(OpType::kFail, "cas value must be [expected, new]");
    path = "/v3/kv/txn";
    request = {{"compare", json::array({{{"key", key},
                                          {"target", "VALUE"},
                                          {"result", "EQUAL"},
                                          {"value", Base64Encode(v[0].dump())}}})},
               {"success", json::array({{{"request_put",
                                          {{"key", key}, {"value", Base64Encode(v[1].dump())}}}}})}};
  } else {
    return done(OpType::kFail, "etcd client does not support f \"" + f + "\"");
  }

  Answer a = Post(path, request, !read);
  if (!a.ok) return done(a.type, a.error);
  json& body = a.body;
  if (read) {
    out.value = nullptr;
    if (body.contains("kvs") && body["kvs"].is_array() && !body["kvs"].empty()) {
      const json& kv = body["kvs"][0];
      // proto3 JSON leaves out empty fields: an empty value has no "value".
      auto bytes = Base64Decode(kv.value("value", std::string()));
      json value = bytes ? ParseBoundedJsonOrDiscarded(*bytes) : json(json::value_t::discarded);
      if (value.is_discarded()) return done(OpType::kFail, "unreadable value: " + kv.dump());
      out.value = value;
    }
    return done(OpType::kOk);
  }
  if (f == "cas" && !EtcdTxnCommitted(body)) {
    return done(OpType::kFail, "precondition failed: value is not " + v[0].dump());
  }
  return done(OpType::kOk);
}

Op EtcdClient::InvokeTxn(const Op& invoke) {
  Op out = invoke;
  auto done = [&](OpType type, std::string error = "") {
    out.type = type;
    out.error = std::move(error);
    return out;
  };
  auto plan = PlanEtcdTxn(invoke.value);
  if (!plan.ok()) return done(OpType::kFail, plan.status().message());
  // Everything up to the commit only reads: any error there is a fail.
  Answer read = Post("/v3/kv/txn", EtcdTxnReadRequest(*plan), false);
  if (!read.ok) return done(OpType::kFail, "read: " + read.error);
  auto snapshot = ParseEtcdTxnRead(read.body, *plan);
  if (!snapshot.ok()) return done(OpType::kFail, snapshot.status().message());
  auto applied = ApplyEtcdTxn(invoke.value, *snapshot);
  if (!applied.ok()) return done(OpType::kFail, applied.status().message());
  if (!plan->writes) {
    // Read-only: the snapshot is a linearizable read of all the keys at once.
    out.value = std::move(applied->completion);
    return done(OpType::kOk);
  }
  Answer commit = Post("/v3/kv/txn", EtcdTxnCommitRequest(*plan, *snapshot, *applied), true);
  if (!commit.ok) return done(commit.type, "commit: " + commit.error);
  if (!EtcdTxnCommitted(commit.body)) {
    return done(OpType::kFail, "conflict: a key changed since the read at revision " +
                                   std::to_string(snapshot->revision) + "; nothing written");
  }
  out.value = std::move(applied->completion);
  return done(OpType::kOk);
}

}  // namespace faultline
