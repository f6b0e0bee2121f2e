// HttpStoreClient: the connection part every HTTP-speaking Client shares
// (ringstore's API, etcd's v3 JSON gateway): Open prepares a keep-alive
// connection to node.address:port (set up by ConfigureHttpClient; connects
// lazily, so a node that is down now does not fail Open), Close drops it.
// A store's client derives from it and implements Invoke with http().
// Thread safety: one worker thread at a time (Client contract).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "targets/target.h"

namespace httplib {
class Client;
}

namespace faultline {

class HttpStoreClient : public Client {
 public:
  // `store` names the store in errors ("ringstore client: node has no address").
  HttpStoreClient(std::string store, int port, std::chrono::milliseconds request_timeout);
  ~HttpStoreClient() override;

  // Error: the node has no address.
  Status Open(const ClusterInfo& cluster, const NodeInfo& node) override;
  void Close() override;

 protected:
  // The connection; null before Open and after Close.
  httplib::Client* http() const { return http_.get(); }
  // The text of a key for the store: the string itself, "default" for none,
  // the JSON text for any other value.
  static std::string KeyText(const json& key);

 private:
  const std::string store_;
  const int port_;
  const std::chrono::milliseconds request_timeout_;
  std::unique_ptr<httplib::Client> http_;
};

}  // namespace faultline
