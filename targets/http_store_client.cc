#include "targets/http_store_client.h"

#include <httplib.h>

#include "harness/core/http_client_setup.h"

namespace faultline {

HttpStoreClient::HttpStoreClient(std::string store, int port, std::chrono::milliseconds request_timeout)
    : store_(std::move(store)), port_(port), request_timeout_(request_timeout) {}

HttpStoreClient::~HttpStoreClient() = default;

Status HttpStoreClient::Open(const ClusterInfo& cluster, const NodeInfo& node) {
  if (node.address.empty()) return Status::Error(node.name + ": " + store_ + " client: node has no address");
  http_ = std::make_unique<httplib::Client>(node.address, port_);
  // Connecting is quick on a healthy network; a partitioned node must not eat
  // the whole request budget before the request is even sent.
  ConfigureHttpClient(*http_, request_timeout_, std::chrono::seconds(1));
  return Status::Ok();
}

void HttpStoreClient::Close() { http_.reset(); }

std::string HttpStoreClient::KeyText(const json& key) {
  return key.is_null() ? "default" : key.is_string() ? key.get<std::string>() : key.dump();
}

}  // namespace faultline
