#include "targets/ringstore_client.h"

#include <httplib.h>

#include <algorithm>

#include "harness/core/bounded_json.h"

namespace faultline {

RingstoreClient::RingstoreClient(int port, std::chrono::milliseconds request_timeout)
    : HttpStoreClient("ringstore", port, request_timeout) {}

Op RingstoreClient::Invoke(const Op& invoke) {
  Op out = invoke;
  auto fail = [&](OpType type, std::string error) {
    out.type = type;
    out.error = std::move(error);
    return out;
  };
  if (!http()) return fail(OpType::kFail, "ringstore client is not open");
  std::string key = KeyText(invoke.key);
  const std::string k = EncodePathSegment(key);
  const std::string& f = invoke.f;
  const json& v = invoke.value;
  auto& c = *http();
  const char* kJson = "application/json";
  httplib::Result res{nullptr, httplib::Error::Unknown};
  bool read = false;
  // txn: the micro-op's read result goes into its third element.
  json* txn_read = nullptr;
  if (f == "txn") {
    if (!v.is_array() || v.size() != 1 || !v[0].is_array() || v[0].size() != 3 || !v[0][0].is_string()) {
      return fail(OpType::kFail, "ringstore runs transactions of exactly one micro-op [f, k, v]");
    }
    const std::string mop = v[0][0].get<std::string>();
    const std::string tk = "/kv/" + EncodePathSegment("txn-" + KeyText(v[0][1]));
    if (mop == "append") {
      res = c.Post(tk + "/append", json{{"element", v[0][2]}}.dump(), kJson);
    } else if (mop == "w") {
      res = c.Put(tk, json{{"value", v[0][2]}}.dump(), kJson);
    } else if (mop == "r") {
      res = c.Get(tk);
      read = true;
      txn_read = &out.value[0][2];
    } else {
      return fail(OpType::kFail, "ringstore client does not support micro-op \"" + mop + "\"");
    }
  } else if (f == "read") {
    res = c.Get("/kv/" + k);
    read = true;
  } else if (f == "write") {
    res = c.Put("/kv/" + k, json{{"value", v}}.dump(), kJson);
  } else if (f == "cas") {
    if (!v.is_array() || v.size() != 2) return fail(OpType::kFail, "cas value must be [expected, new]");
    res = c.Post("/kv/" + k + "/cas", json{{"expected", v[0]}, {"new", v[1]}}.dump(), kJson);
  } else if (f == "set-add") {
    res = c.Post("/set/" + k + "/add", json{{"element", v}}.dump(), kJson);
  } else if (f == "set-read") {
    res = c.Get("/set/" + k);
    read = true;
  } else if (f == "counter-add") {
    if (!v.is_number_integer()) return fail(OpType::kFail, "counter-add value must be an integer");
    res = c.Post("/counter/" + k + "/add", json{{"delta", v}}.dump(), kJson);
  } else if (f == "counter-read") {
    res = c.Get("/counter/" + k);
    read = true;
  } else {
    return fail(OpType::kFail, "ringstore client does not support f \"" + f + "\"");
  }

  if (!res) {
    httplib::Error e = res.error();
    // No connection could be made: the request never left this machine.
    if (e == httplib::Error::Connection) {
      return fail(OpType::kFail, "cannot connect: " + httplib::to_string(e));
    }
    return fail(OpType::kInfo, httplib::to_string(e));
  }
  json body = ParseBoundedJsonOrDiscarded(res->body);
  if (res->status == 200) {
    out.type = OpType::kOk;
    if (read) {
      if (body.is_discarded() || !body.is_object() || !body.contains("value")) {
        return fail(OpType::kInfo, "malformed answer: " + res->body.substr(0, 200));
      }
      (txn_read ? *txn_read : out.value) = body["value"];
    }
    return out;
  }
  // The store says whether the failure is definite; without that, 4xx means
  // rejected before doing anything, anything else is unknown.
  bool definite = res->status >= 400 && res->status < 500;
  std::string error = "HTTP " + std::to_string(res->status);
  if (body.is_object()) {
    if (body.contains("definite") && body["definite"].is_boolean()) definite = body["definite"].get<bool>();
    if (body.contains("error") && body["error"].is_string()) error = body["error"].get<std::string>();
  }
  return fail(definite ? OpType::kFail : OpType::kInfo, error);
}

}  // namespace faultline
