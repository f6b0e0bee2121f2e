#include "targets/ringstore/server.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <chrono>
#include <string_view>
#include <thread>

#include <httplib.h>

#include "targets/ringstore/node_api.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;

constexpr int kServerThreads = 384;

// --join: learns the ring of the member at --join, then asks it to add this
// node (it streams this node its ranges before answering). Retries for up to
// a minute while the member is unreachable or busy with another change; the
// outcome goes to stderr (the node serves either way: as a member, or
// refusing client requests as a non-member).
void JoinRing(const Config& config, NodeApi& api) {
  const Peer* self = nullptr;
  for (const Peer& p : config.peers) {
    if (p.id == config.id) self = &p;
  }
  const std::string seed = config.join_host + ":" + std::to_string(config.join_port);
  const auto give_up_at = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string last;
  while (std::chrono::steady_clock::now() < give_up_at) {
    httplib::Client c(config.join_host, config.join_port);
    c.set_connection_timeout(2, 0);
    c.set_read_timeout(120, 0);
    auto ring = c.Get("/ring?config=1");
    if (ring && ring->status == 200) {
      json r = json::parse(ring->body, nullptr, false);
      json body = {{"id", config.id}, {"host", self->host}, {"port", self->port}};
      if (!r.is_discarded() && r.contains("config")) {
        api.Handle("POST", "/internal/ring/adopt", json{{"config", r["config"]}}.dump());
        // lww/eventual: lets the member refuse this request once the ring
        // moved on (handoff_membership.h, "stale join").
        if (r["config"].is_object() && r["config"].contains("epoch")) body["epoch"] = r["config"]["epoch"];
      }
      auto res = c.Post("/admin/join", body.dump(), "application/json");
      if (res && res->status == 200) {
        std::fprintf(stderr, "ringstore %s: joined the ring via %s: %s\n", config.id.c_str(), seed.c_str(),
                     res->body.c_str());
        return;
      }
      if (res && res->body.find("is already a member") != std::string::npos) {
        std::fprintf(stderr, "ringstore %s: already a member of the ring of %s\n", config.id.c_str(), seed.c_str());
        return;
      }
      if (res && res->body.find("stale join") != std::string::npos) {
        std::fprintf(stderr, "ringstore %s: not joining the ring of %s: %s\n", config.id.c_str(), seed.c_str(),
                     res->body.c_str());
        return;
      }
      last = res ? "HTTP " + std::to_string(res->status) + " " + res->body.substr(0, 300)
                 : httplib::to_string(res.error());
    } else {
      last = ring ? "HTTP " + std::to_string(ring->status) : httplib::to_string(ring.error());
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::fprintf(stderr, "ringstore %s: could not join the ring via %s within 60 s: %s\n", config.id.c_str(),
               seed.c_str(), last.c_str());
}

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
  std::unique_ptr<NodeApi> api_owner;
  try {
    api_owner = std::make_unique<NodeApi>(config, std::move(store.value()));
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "ringstore: %s\n", e.what());
    return 1;
  }
  NodeApi& api = *api_owner;

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
  std::thread joiner;
  if (!config.join_host.empty()) joiner = std::thread([&config, &api] { JoinRing(config, api); });
  svr.listen_after_bind();
  if (joiner.joinable()) joiner.join();
  return 0;
}

}  // namespace faultline::ringstore
