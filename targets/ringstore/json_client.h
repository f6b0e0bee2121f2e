// JsonClient: a small blocking HTTP/JSON client for talking to one ringstore
// node (tests, the benchmark, and any adapter that wants ringstore's API
// without including httplib.h, which is slow to compile).
//
// Keeps its connection alive between calls. Not thread-safe: use one
// JsonClient per thread.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/core/url_encode.h"

namespace faultline::ringstore {

struct JsonResponse {
  int status = 0;          // HTTP status; 0 when the request failed in transport
  nlohmann::json body;     // parsed body (null when not JSON)
  std::string raw;         // the body as received
  std::string error;       // transport error ("Connection", "Read", ...) when status == 0
};

class JsonClient {
 public:
  JsonClient(const std::string& host, int port, double timeout_s = 2.0);
  ~JsonClient();
  JsonClient(const JsonClient&) = delete;
  JsonClient& operator=(const JsonClient&) = delete;

  JsonResponse Get(const std::string& path);
  JsonResponse Put(const std::string& path, const std::string& body);
  JsonResponse Post(const std::string& path, const std::string& body);
  JsonResponse Put(const std::string& path, const nlohmann::json& body) { return Put(path, body.dump()); }
  JsonResponse Post(const std::string& path, const nlohmann::json& body) { return Post(path, body.dump()); }
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes a key for use as one URL path segment.
inline std::string UrlEncodeSegment(const std::string& s) { return EncodePathSegment(s); }

}  // namespace faultline::ringstore
