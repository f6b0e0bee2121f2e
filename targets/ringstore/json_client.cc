#include "targets/ringstore/json_client.h"

#include <httplib.h>

#include "harness/core/http_client_setup.h"
#include "harness/core/bounded_json.h"

namespace faultline::ringstore {

struct JsonClient::Impl {
  httplib::Client client;
  Impl(const std::string& host, int port) : client(host, port) {}
};

JsonClient::JsonClient(const std::string& host, int port, double timeout_s)
    : impl_(std::make_unique<Impl>(host, port)) {
  ConfigureHttpClient(impl_->client, SecondsToMicros(timeout_s));
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

}  // namespace faultline::ringstore
