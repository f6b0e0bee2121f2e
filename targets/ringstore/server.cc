#include "targets/ringstore/server.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <string_view>

#include <httplib.h>

#include "targets/ringstore/node_api.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;

constexpr int kServerThreads = 384;

}  // namespace

int RunRingstore(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    std::fprintf(stderr, "ringstore: cannot create --data-dir %s: %s\n", config.data_dir.c_str(),
                 ec.message().c_str());
    return 1;
  }
  auto store = ReplicaStore::Open(config.data_dir, 32ull << 20, config.fsync);
  if (!store.ok()) {
    std::fprintf(stderr, "ringstore: %s\n", store.status().message().c_str());
    return 1;
  }
  size_t recovered = store.value()->keys();
  NodeApi api(config, std::move(store.value()));

  httplib::Server svr;
  svr.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  svr.set_keep_alive_max_count(1000000);
  svr.set_keep_alive_timeout(30);
  svr.set_payload_max_length(kMaxRequestBody + 4096);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
  svr.set_tcp_nodelay(true);
  // Every route is NodeApi's: httplib only frames requests. The raw target
  // is passed on, since httplib decodes the path (a key's %2F would become a '/').
  auto handle = [&api](const httplib::Request& req, httplib::Response& res) {
    HttpReply r = api.Handle(req.method, req.target, req.body);
    res.status = r.status;
    res.set_content(r.body, "application/json");
  };
  svr.Get(".*", handle);
  svr.Put(".*", handle);
  svr.Post(".*", handle);
  // Errors httplib produces itself (no route, oversize body, bad request
  // line) get the same JSON shape as ours; oversize is a bad request (400).
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string msg;
    switch (res.status) {
      case 404: msg = "no such endpoint: " + req.method + " " + req.path; break;
      case 413: msg = "request body exceeds the 1 MiB limit"; res.status = 400; break;
      case 414: msg = "request URI (key) too long"; res.status = 400; break;
      default: msg = "bad request (HTTP " + std::to_string(res.status) + ")";
    }
    res.set_content(json{{"error", msg}, {"definite", true}}.dump(-1, ' ', false, json::error_handler_t::replace),
                    "application/json");
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string msg = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      msg += std::string(": ") + e.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(json{{"error", msg}, {"definite", false}}.dump(-1, ' ', false, json::error_handler_t::replace),
                    "application/json");
  });

  if (!svr.bind_to_port(config.listen_host, config.listen_port)) {
    std::fprintf(stderr, "ringstore: cannot listen on %s:%d (address in use or not local)\n",
                 config.listen_host.c_str(), config.listen_port);
    return 1;
  }
  std::fprintf(stderr, "ringstore %s: mode %s, listening on %s:%d, %zu nodes, replicas %d, vnodes %d, %zu keys recovered\n",
               config.id.c_str(), ModeName(config.mode), config.listen_host.c_str(), config.listen_port,
               config.peers.size(), config.replicas, config.vnodes, recovered);
  std::fflush(stderr);
  svr.listen_after_bind();
  return 0;
}

}  // namespace faultline::ringstore
