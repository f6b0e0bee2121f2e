#include "targets/ringstore/json_client.h"

#include <httplib.h>

#include "harness/bounded_json.h"

namespace faultline::ringstore {

struct JsonClient::Impl {
  httplib::Client client;
  Impl(const std::string& host, int port) : client(host, port) {}
};

JsonClient::JsonClient(const std::string& host, int port, double timeout_s)
    : impl_(std::make_unique<Impl>(host, port)) {
  auto t = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::duration<double>(timeout_s));
  impl_->client.set_keep_alive(true);
  // httplib writes a POST's headers and body separately: without NODELAY,
  // Nagle plus the peer's delayed ACK stall every request by ~40 ms.
  impl_->client.set_tcp_nodelay(true);
  impl_->client.set_connection_timeout(t);
  impl_->client.set_read_timeout(t);
  impl_->client.set_write_timeout(t);
}

JsonClient::~JsonClient() = default;

namespace {
JsonResponse Convert(const httplib::Result& res) {
  JsonResponse out;
  if (!res) {
    out.error = httplib::to_string(res.error());
    return out;
  }
  out.status = res->status;
  out.raw = res->body;
  auto parsed = faultline::ParseBoundedJson(res->body);
  out.body = parsed.ok() ? std::move(*parsed) : nlohmann::json(nullptr);
  return out;
}
}  // namespace

JsonResponse JsonClient::Get(const std::string& path) { return Convert(impl_->client.Get(path)); }
JsonResponse JsonClient::Put(const std::string& path, const std::string& body) {
  return Convert(impl_->client.Put(path, body, "application/json"));
}
JsonResponse JsonClient::Post(const std::string& path, const std::string& body) {
  return Convert(impl_->client.Post(path, body, "application/json"));
}

std::string UrlEncodeSegment(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
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

}  // namespace faultline::ringstore
