#include "targets/ringstore_client.h"

#include <httplib.h>

#include <algorithm>

#include "harness/bounded_json.h"

namespace faultline {

struct RingstoreClient::Impl {
  Impl(const std::string& host, int port) : client(host, port) {}
  httplib::Client client;
};

std::string EncodePathSegment(const std::string& key) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

RingstoreClient::RingstoreClient(int port, std::chrono::milliseconds request_timeout)
    : port_(port), request_timeout_(request_timeout) {}

RingstoreClient::~RingstoreClient() = default;

Status RingstoreClient::Open(const ClusterInfo& cluster, const NodeInfo& node) {
  if (node.address.empty()) return Status::Error(node.name + ": ringstore client: node has no address");
  impl_ = std::make_unique<Impl>(node.address, port_);
  auto& c = impl_->client;
  c.set_keep_alive(true);
  // httplib writes a POST's headers and body separately: without NODELAY,
  // Nagle plus the server's delayed ACK stall every request by ~40 ms.
  c.set_tcp_nodelay(true);
  // Connecting is quick on a healthy network; a partitioned node must not eat
  // the whole request budget before the request is even sent.
  c.set_connection_timeout(std::min<std::chrono::milliseconds>(request_timeout_, std::chrono::seconds(1)));
  c.set_read_timeout(request_timeout_);
  c.set_write_timeout(request_timeout_);
  return Status::Ok();
}

void RingstoreClient::Close() { impl_.reset(); }

Op RingstoreClient::Invoke(const Op& invoke) {
  Op out = invoke;
  auto fail = [&](OpType type, std::string error) {
    out.type = type;
    out.error = std::move(error);
    return out;
  };
  if (!impl_) return fail(OpType::kFail, "ringstore client is not open");
  std::string key = invoke.key.is_null()     ? "default"
                    : invoke.key.is_string() ? invoke.key.get<std::string>()
                                             : invoke.key.dump();
  const std::string k = EncodePathSegment(key);
  const std::string& f = invoke.f;
  const json& v = invoke.value;
  auto& c = impl_->client;
  const char* kJson = "application/json";
  httplib::Result res{nullptr, httplib::Error::Unknown};
  bool read = false;
  if (f == "read") {
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
      out.value = body["value"];
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
