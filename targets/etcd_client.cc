#include "targets/etcd_client.h"

#include <httplib.h>

#include "harness/core/base64.h"
#include <algorithm>

#include "harness/core/base64.h"
#include "harness/core/bounded_json.h"

namespace faultline {

EtcdClient::EtcdClient(int client_port, std::chrono::milliseconds request_timeout)
    : HttpStoreClient("etcd", client_port, request_timeout) {}

Op EtcdClient::Invoke(const Op& invoke) {
  Op out = invoke;
  auto done = [&](OpType type, std::string error = "") {
    out.type = type;
    out.error = std::move(error);
    return out;
  };
  if (!http()) return done(OpType::kFail, "etcd client is not open");
  const std::string key = Base64Encode(KeyText(invoke.key));
  const std::string& f = invoke.f;
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

  auto res = http()->Post(path, request.dump(), "application/json");
  if (!res) {
    httplib::Error e = res.error();
    // No connection: the request never left this machine.
    if (e == httplib::Error::Connection) return done(OpType::kFail, "cannot connect: " + httplib::to_string(e));
    return done(read ? OpType::kFail : OpType::kInfo, httplib::to_string(e));
  }
  json body = ParseBoundedJsonOrDiscarded(res->body);
  if (res->status != 200 || !body.is_object()) {
    std::string error = "HTTP " + std::to_string(res->status);
    if (body.is_object() && body.contains("error") && body["error"].is_string()) {
      error += ": " + body["error"].get<std::string>();
    } else {
      error += ": " + res->body.substr(0, 200);
    }
    return done(read ? OpType::kFail : OpType::kInfo, error);
  }
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
  if (f == "cas" && !body.value("succeeded", false)) {
    return done(OpType::kFail, "precondition failed: value is not " + v[0].dump());
  }
  return done(OpType::kOk);
}

}  // namespace faultline
