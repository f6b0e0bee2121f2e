#include "targets/ringstore/server.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <string_view>

#include <httplib.h>

#include "targets/ringstore/coordinator.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;

constexpr size_t kMaxBody = 1 << 20;       // 1 MiB
constexpr size_t kMaxKey = 1 << 20;
constexpr int kServerThreads = 384;

void Reply(httplib::Response& res, const Outcome& o) {
  res.status = o.status;
  res.set_content(o.body.dump(), "application/json");
}

void BadRequest(httplib::Response& res, const std::string& message) {
  Reply(res, Outcome::Error(400, message, true));
}

// Parses the JSON object body; on failure answers 400 and returns false.
bool ParseBody(const httplib::Request& req, httplib::Response& res, json* out) {
  if (req.body.size() > kMaxBody) {
    BadRequest(res, "request body of " + std::to_string(req.body.size()) + " bytes exceeds the 1 MiB limit");
    return false;
  }
  try {
    *out = json::parse(req.body);
  } catch (const json::parse_error& e) {
    BadRequest(res, std::string("malformed JSON body: ") + e.what());
    return false;
  }
  if (!out->is_object()) {
    BadRequest(res, "JSON body must be an object");
    return false;
  }
  return true;
}

bool Field(const json& body, const char* name, httplib::Response& res, json* out) {
  if (!body.contains(name)) {
    BadRequest(res, std::string("missing field \"") + name + "\"");
    return false;
  }
  *out = body[name];
  return true;
}

// Percent-decodes one path segment ('+' stays '+'). False on a malformed
// escape.
bool PercentDecode(std::string_view in, std::string* out) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// Extracts the key from a raw request target "/TYPE/ENCODED-KEY[/ACTION][?query]".
// The key must be one percent-encoded segment (a '/' in a key is sent as %2F).
bool KeyFromTarget(const std::string& target, const char* type, const char* action, std::string* key,
                   std::string* problem) {
  std::string_view path(target);
  path = path.substr(0, path.find('?'));
  const std::string prefix = std::string("/") + type + "/";
  if (path.substr(0, prefix.size()) != prefix) {
    *problem = "malformed path " + std::string(path);
    return false;
  }
  std::string_view rest = path.substr(prefix.size());
  if (action) {
    const std::string suffix = std::string("/") + action;
    if (rest.size() < suffix.size() || rest.substr(rest.size() - suffix.size()) != suffix) {
      *problem = "malformed path " + std::string(path);
      return false;
    }
    rest.remove_suffix(suffix.size());
  }
  if (rest.find('/') != std::string_view::npos) {
    *problem = "key in " + std::string(path) + " must be one percent-encoded path segment (send '/' as %2F)";
    return false;
  }
  if (!PercentDecode(rest, key)) {
    *problem = "malformed percent-encoding in key of " + std::string(path);
    return false;
  }
  return true;
}

class Node {
 public:
  Node(const Config& config, std::unique_ptr<ReplicaStore> store)
      : config_(config),
        ring_([&] {
          std::vector<std::string> ids;
          for (const Peer& p : config.peers) ids.push_back(p.id);
          return HashRing(ids, config.vnodes, config.replicas);
        }()),
        store_(std::move(store)),
        peers_(config),
        coordinator_(MakeCoordinator(NodeContext{&config_, &ring_, store_.get(), &peers_})) {}

  void Install(httplib::Server& svr) {
    // `shape` is the raw route: {"kv"} or {"kv", "cas"} etc. The key is taken
    // from the raw request target, not from httplib's decoded path, so a key
    // may hold any byte: '/' travels as %2F and only becomes '/' here.
    auto run = [this](const httplib::Request& req, httplib::Response& res, const char* type,
                      const char* action, Op op, const char* field) {
      Command cmd;
      std::string problem;
      if (!KeyFromTarget(req.target, type, action, &cmd.key, &problem)) {
        return Reply(res, Outcome::Error(400, problem, true));
      }
      if (cmd.key.empty() || cmd.key.size() > kMaxKey) return BadRequest(res, "key must be 1 byte to 1 MiB");
      cmd.op = op;
      if (field) {
        json body;
        if (!ParseBody(req, res, &body)) return;
        if (op == Op::kCas) {
          json expected, next;
          if (!Field(body, "expected", res, &expected) || !Field(body, "new", res, &next)) return;
          cmd.arg = json::array({expected, next});
        } else {
          if (!Field(body, field, res, &cmd.arg)) return;
          if (op == Op::kCounterAdd && !cmd.arg.is_number_integer()) {
            return BadRequest(res, "\"delta\" must be an integer");
          }
        }
      }
      Reply(res, coordinator_->Execute(cmd));
    };
    // httplib matches routes against the percent-decoded path, where a key's
    // %2F is already a '/': the patterns accept any key and KeyFromTarget
    // re-reads it from the raw target.
    const std::string k = "(.+)";
    svr.Get("/kv/" + k, [run](const auto& q, auto& s) { run(q, s, "kv", nullptr, Op::kRead, nullptr); });
    svr.Put("/kv/" + k, [run](const auto& q, auto& s) { run(q, s, "kv", nullptr, Op::kWrite, "value"); });
    svr.Post("/kv/" + k + "/cas", [run](const auto& q, auto& s) { run(q, s, "kv", "cas", Op::kCas, "expected"); });
    svr.Post("/set/" + k + "/add",
             [run](const auto& q, auto& s) { run(q, s, "set", "add", Op::kSetAdd, "element"); });
    svr.Get("/set/" + k, [run](const auto& q, auto& s) { run(q, s, "set", nullptr, Op::kSetRead, nullptr); });
    svr.Post("/counter/" + k + "/add",
             [run](const auto& q, auto& s) { run(q, s, "counter", "add", Op::kCounterAdd, "delta"); });
    svr.Get("/counter/" + k,
            [run](const auto& q, auto& s) { run(q, s, "counter", nullptr, Op::kCounterRead, nullptr); });

    svr.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(json{{"ok", true}, {"id", config_.id}, {"mode", ModeName(config_.mode)}}.dump(),
                      "application/json");
    });
    svr.Get("/ring", [this](const httplib::Request& req, httplib::Response& res) {
      json out = {{"nodes", ring_.nodes()}, {"vnodes", ring_.vnodes()}, {"replicas", ring_.replicas()}};
      if (req.has_param("key")) {
        std::string key = req.get_param_value("key");
        out["key"] = key;
        out["hash"] = std::to_string(StableHash64(key));
        out["key_replicas"] = ring_.ReplicaIdsFor(key);
      } else {
        json tokens = json::array();
        for (const auto& t : ring_.tokens()) tokens.push_back({std::to_string(t.point), ring_.nodes()[t.node]});
        out["tokens"] = tokens;
      }
      res.set_content(out.dump(), "application/json");
    });
    svr.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
      const DurableLog& log = store_->log();
      json out = {{"id", config_.id},
                  {"mode", ModeName(config_.mode)},
                  {"replicas", ring_.replicas()},
                  {"vnodes", ring_.vnodes()},
                  {"peers", peers_.SeenJson()},
                  {"keys", store_->keys()},
                  {"log", {{"bytes", log.file_bytes()}, {"fsyncs", log.fsyncs()},
                           {"compactions", log.compactions()}, {"records", log.last_seq()},
                           {"error", log.error()}}},
                  {"coordinator", coordinator_->Stats()}};
      res.set_content(out.dump(), "application/json");
    });
    svr.Post(R"(/internal/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      json body;
      if (!ParseBody(req, res, &body)) return;
      auto r = coordinator_->HandleInternal(req.path, body);
      if (!r.ok()) return Reply(res, Outcome::Error(400, r.status().message(), true));
      res.set_content(r->dump(), "application/json");
    });
  }

 private:
  Config config_;
  HashRing ring_;
  std::unique_ptr<ReplicaStore> store_;
  PeerSet peers_;
  std::unique_ptr<Coordinator> coordinator_;
};

}  // namespace

int RunRingstore(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    std::fprintf(stderr, "ringstore: cannot create --data-dir %s: %s\n", config.data_dir.c_str(),
                 ec.message().c_str());
    return 1;
  }
  auto store = ReplicaStore::Open(config.data_dir);
  if (!store.ok()) {
    std::fprintf(stderr, "ringstore: %s\n", store.status().message().c_str());
    return 1;
  }
  size_t recovered = store.value()->keys();
  Node node(config, std::move(store.value()));

  httplib::Server svr;
  svr.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  svr.set_keep_alive_max_count(1000000);
  svr.set_keep_alive_timeout(30);
  svr.set_payload_max_length(kMaxBody + 4096);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
  svr.set_tcp_nodelay(true);
  node.Install(svr);
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
    res.set_content(json{{"error", msg}, {"definite", true}}.dump(), "application/json");
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
    res.set_content(json{{"error", msg}, {"definite", false}}.dump(), "application/json");
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
