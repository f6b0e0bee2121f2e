#include "targets/etcd_gateway_call.h"

#include <nlohmann/json.hpp>

namespace faultline {

Result<GatewayAnswer> EtcdGatewayPost(httplib::Client& client, const std::string& path, const std::string& body,
                                      bool* sent) {
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.body = body;
  req.set_header("Content-Type", "application/json");
  GatewayAnswer answer;
  bool answered = false;
  req.response_handler = [&](const httplib::Response& r) {
    answer.status = r.status;
    answered = true;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    answer.body.append(data, n);
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  const bool ok = client.send(req, res, error);
  *sent = !(error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout ||
            error == httplib::Error::BindIPAddress);
  if (ok) return answer;
  // The read failed after the headers: the trailer, when the body already
  // parses as a whole JSON document; a cut answer otherwise.
  if (answered && error == httplib::Error::Read && nlohmann::json::accept(answer.body)) return answer;
  return Status::Error(httplib::to_string(error));
}

Result<GatewayAnswer> EtcdGatewayPost(const std::string& address, int port, const std::string& path,
                                      const std::string& body, std::chrono::milliseconds connect_timeout,
                                      std::chrono::milliseconds read_timeout, bool* sent) {
  httplib::Client client(address, port);
  client.set_connection_timeout(connect_timeout);
  client.set_read_timeout(read_timeout);
  auto answer = EtcdGatewayPost(client, path, body, sent);
  if (!answer.ok()) return answer.status().Prefixed(address + ":" + std::to_string(port) + path);
  return answer;
}

}  // namespace faultline
