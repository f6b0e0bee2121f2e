#include "targets/ringstore/node_api.h"

#include <atomic>
#include <stdexcept>
#include <string_view>

#include "harness/core/bounded_json.h"
#include "targets/ringstore/coordinator.h"
#include "targets/ringstore/handoff_membership.h"
#include "targets/ringstore/membership.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;

constexpr size_t kMaxKey = 1 << 20;

// Keys may hold any byte (%FF): invalid UTF-8 is replaced, never thrown.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
HttpReply Reply(const Outcome& o) { return HttpReply{o.status, Dump(o.body)}; }
HttpReply BadRequest(const std::string& message) { return Reply(Outcome::Error(400, message, true)); }

// Parses the JSON object body; on failure sets `*error` (a 400) and returns false.
bool ParseBody(const std::string& text, json* out, HttpReply* error) {
  if (text.size() > kMaxRequestBody) {
    *error = BadRequest("request body of " + std::to_string(text.size()) + " bytes exceeds the 1 MiB limit");
    return false;
  }
  // Bounded: a deeply nested body would otherwise overflow the stack of
  // whichever thread later copies or dumps it, and take the node down.
  auto parsed = ParseBoundedJson(text, JsonLimits{kMaxNesting, kMaxRequestBody});
  if (!parsed.ok()) {
    *error = BadRequest("bad JSON body: " + parsed.status().message());
    return false;
  }
  if (!parsed->is_object()) {
    *error = BadRequest("JSON body must be an object");
    return false;
  }
  *out = std::move(*parsed);
  return true;
}

bool Field(const json& body, const char* name, json* out, HttpReply* error) {
  auto it = body.find(name);
  if (it == body.end()) {
    *error = BadRequest(std::string("missing field \"") + name + "\"");
    return false;
  }
  *out = *it;
  return true;
}

// Percent-decodes one path segment or query value ('+' stays '+' unless
// `plus_is_space`). False on a malformed escape.
bool PercentDecode(std::string_view in, std::string* out, bool plus_is_space = false) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(plus_is_space && in[i] == '+' ? ' ' : in[i]);
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

bool IsUtf8(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// The key of "/TYPE/ENCODED-KEY[/ACTION]": one percent-encoded segment (a
// '/' in a key is sent as %2F).
bool KeyFromPath(std::string_view path, const std::string& type, const char* action, std::string* key,
                 std::string* problem) {
  std::string_view rest = path.substr(type.size() + 2);
  if (action) rest.remove_suffix(std::string_view(action).size() + 1);
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

// The value of query parameter `name` in `query` ("a=1&key=x"), decoded.
bool QueryParam(std::string_view query, std::string_view name, std::string* out) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), out, true);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

// A keyed client route: method, type and action fix the command.
struct ClientRoute {
  const char* method;
  const char* type;
  const char* action;  // null: "/TYPE/KEY"
  Op op;
  const char* field;  // body field holding the argument; null: no body
};

constexpr ClientRoute kClientRoutes[] = {
    {"POST", "kv", "cas", Op::kCas, "expected"},
    {"POST", "kv", "append", Op::kAppend, "element"},
    {"POST", "set", "add", Op::kSetAdd, "element"},
    {"POST", "counter", "add", Op::kCounterAdd, "delta"},
    {"GET", "kv", nullptr, Op::kRead, nullptr},
    {"PUT", "kv", nullptr, Op::kWrite, "value"},
    {"GET", "set", nullptr, Op::kSetRead, nullptr},
    {"GET", "counter", nullptr, Op::kCounterRead, nullptr},
};

const ClientRoute* FindClientRoute(const std::string& method, std::string_view path) {
  for (const ClientRoute& r : kClientRoutes) {
    std::string prefix = std::string("/") + r.type + "/";
    if (method != r.method || !StartsWith(path, prefix)) continue;
    if (r.action && !EndsWith(path, std::string("/") + r.action)) continue;
    size_t min = prefix.size() + 1 + (r.action ? std::string_view(r.action).size() + 1 : 0);
    if (path.size() < min) continue;
    return &r;
  }
  return nullptr;
}

}  // namespace

struct NodeApi::Impl {
  Config config;
  std::unique_ptr<ReplicaStore> store;
  PeerSet peers;
  std::unique_ptr<RingState> ring;
  std::unique_ptr<Coordinator> coordinator;
  std::unique_ptr<Membership> membership;         // paxos mode: agreed changes
  std::unique_ptr<HandoffMembership> handoff;      // lww, eventual: Dynamo-style changes
  std::atomic<bool> fetching_ring{false};          // a ring gossip fetch is under way

  Impl(const Config& c, std::unique_ptr<ReplicaStore> s) : config(c), store(std::move(s)), peers(config) {
    // A joining node's --peers names only itself: a placeholder ring until
    // the one it joins is adopted.
    auto r = RingState::Open(config.data_dir, RingConfig::Initial(config.peers, config.vnodes, config.replicas),
                             &peers, !config.join_host.empty());
    if (!r.ok()) throw std::runtime_error(r.status().message());
    ring = std::move(*r);
    coordinator = MakeCoordinator(NodeContext{&config, ring.get(), store.get(), &peers});
    membership = std::make_unique<Membership>(&config, ring.get(), &peers, coordinator.get(), store.get());
    handoff = std::make_unique<HandoffMembership>(&config, ring.get(), &peers, store.get());
    // Ring gossip: a node that missed a change's broadcast (paused, cut
    // off, restarted) would otherwise keep its old ring until one of its own
    // rounds is refused as stale, and a node that only forwards never runs
    // one: it kept sending a key's commands to the old ring's leader while
    // the others used the new ring's, two leaders duelling on the key. Every
    // heartbeat answer carries the peer's epoch; a newer one is fetched and
    // adopted at once (configs are only ever made by an agreed change, so
    // adopting a newer one is what a stale refusal would do anyway).
    // In lww and eventual modes changes are not agreed, so two changers may
    // make different rings of one epoch: the one with the greater digest
    // wins everywhere (RingState::Adopt's tie_break). The fetch runs on an
    // RPC thread, one at a time: on the heartbeat thread a slow peer delayed
    // every other peer's heartbeat by up to the RPC timeout.
    const bool tie_break = config.mode != Mode::kPaxos;
    peers.SetHeartbeatWatcher([this, tie_break](int peer, const json& health) {
      auto epoch = health.find("epoch");
      if (epoch == health.end() || !epoch->is_number_unsigned()) return;
      const uint64_t theirs = epoch->get<uint64_t>(), mine = ring->epoch();
      auto digest = health.find("ring_digest");
      const bool tie = tie_break && theirs == mine && digest != health.end() && digest->is_number_unsigned() &&
                       digest->get<uint64_t>() > ring->digest();
      if (theirs <= mine && !tie) return;
      if (fetching_ring.exchange(true)) return;
      peers.CallAsync(peer, "/internal/ring/config", json::object(), [this, tie_break](RpcResult r) {
        if (r.ok && r.body.is_object() && r.body.contains("config")) {
          auto c = RingConfig::FromJson(r.body["config"]);
          if (c.ok()) (void)ring->Adopt(*c, tie_break);
        }
        fetching_ring = false;
        fetching_ring.notify_all();
      });
    });
  }
  // The watcher and a fetch under way use ring: stop them first (the RPC
  // threads run until peers is destroyed, after this).
  ~Impl() {
    peers.SetHeartbeatWatcher(nullptr);
    while (fetching_ring.load()) fetching_ring.wait(true);
  }

  HttpReply Client(const ClientRoute& route, std::string_view path, const std::string& body);
  HttpReply Ring(std::string_view query);
  HttpReply Status();
  HttpReply Change(bool join, const json& body);
};

HttpReply NodeApi::Impl::Change(bool join, const json& body) {
  if (config.mode == Mode::kPaxos) return Reply(join ? membership->Join(body) : membership->Leave(body));
  if (join) {
    auto peer = ParseJoinRequest(body);
    if (!peer.ok()) return BadRequest(peer.status().message());
    auto seen = body.find("epoch");
    return Reply(handoff->Join(*peer, seen != body.end() && seen->is_number_unsigned() ? seen->get<uint64_t>() : 0));
  }
  auto id = ParseLeaveRequest(body);
  if (!id.ok()) return BadRequest(id.status().message());
  return Reply(handoff->Leave(*id));
}

HttpReply NodeApi::Impl::Client(const ClientRoute& route, std::string_view path, const std::string& body) {
  Command cmd;
  std::string problem;
  if (!KeyFromPath(path, route.type, route.action, &cmd.key, &problem)) return BadRequest(problem);
  if (cmd.key.empty() || cmd.key.size() > kMaxKey) return BadRequest("key must be 1 byte to 1 MiB");
  // Keys travel in the JSON of peer RPCs, which must be valid UTF-8.
  if (!IsUtf8(cmd.key)) return BadRequest("key must be valid UTF-8 once percent-decoded");
  cmd.op = route.op;
  auto cfg = ring->Current();
  if (ring->provisional() || !cfg->FindMember(config.id)) {
    // Left the ring (or not yet joined): serving would route by a ring this
    // node is not part of. Nothing ran, so the refusal is definite; the
    // members are where to go instead.
    json members = json::array();
    for (const Peer& p : cfg->members()) members.push_back(p.host + ":" + std::to_string(p.port));
    return HttpReply{503, Dump(json{{"error", config.id + " is not a member of ring epoch " +
                                                  std::to_string(cfg->epoch()) + "; ask a member"},
                                    {"definite", true}, {"members", members}})};
  }
  if (route.field) {
    json parsed;
    HttpReply error;
    if (!ParseBody(body, &parsed, &error)) return error;
    if (route.op == Op::kCas) {
      json expected, next;
      if (!Field(parsed, "expected", &expected, &error) || !Field(parsed, "new", &next, &error)) return error;
      cmd.arg = json::array({expected, next});
    } else {
      if (!Field(parsed, route.field, &cmd.arg, &error)) return error;
      if (route.op == Op::kCounterAdd && !cmd.arg.is_number_integer()) {
        return BadRequest("\"delta\" must be an integer");
      }
    }
  }
  return Reply(coordinator->Execute(cmd));
}

HttpReply NodeApi::Impl::Ring(std::string_view query) {
  auto cfg = ring->Current();
  const HashRing& r = cfg->ring();
  json members = json::array();
  for (const Peer& p : cfg->members()) members.push_back({{"id", p.id}, {"address", p.host + ":" + std::to_string(p.port)}});
  json out = {{"epoch", cfg->epoch()},
              {"nodes", r.nodes()},
              {"members", members},
              {"joint", cfg->joint()},
              {"next_nodes", cfg->joint() ? json(cfg->next().nodes()) : json(nullptr)},
              {"transfers", ring->Transfer()},
              {"joining", ring->provisional()},
              {"vnodes", r.vnodes()},
              {"replicas", r.replicas()}};
  std::string key;
  if (QueryParam(query, "key", &key)) {
    out["key"] = key;
    out["hash"] = std::to_string(StableHash64(key));
    out["key_replicas"] = cfg->Replicas(key);
  } else if (QueryParam(query, "config", &key)) {
    out["config"] = cfg->ToJson();
  } else {
    json tokens = json::array();
    for (const auto& t : r.tokens()) tokens.push_back({std::to_string(t.point), r.nodes()[t.node]});
    out["tokens"] = tokens;
  }
  return HttpReply{200, Dump(out)};
}

HttpReply NodeApi::Impl::Status() {
  const DurableLog& log = store->log();
  json out = {{"id", config.id},
              {"mode", ModeName(config.mode)},
              {"replicas", ring->Current()->ring().replicas()},
              {"vnodes", ring->Current()->ring().vnodes()},
              {"epoch", ring->epoch()},
              {"peers", peers.SeenJson()},
              {"keys", store->keys()},
              {"log", {{"bytes", log.file_bytes()}, {"fsyncs", log.fsyncs()},
                       {"compactions", log.compactions()}, {"records", log.last_seq()},
                       {"error", log.error()}}},
              {"coordinator", coordinator->Stats()}};
  return HttpReply{200, Dump(out)};
}

NodeApi::NodeApi(const Config& config, std::unique_ptr<ReplicaStore> store)
    : impl_(std::make_unique<Impl>(config, std::move(store))) {}

NodeApi::~NodeApi() = default;

HttpReply NodeApi::Handle(const std::string& method, const std::string& target, const std::string& body) {
  std::string_view t(target);
  size_t q = t.find('?');
  std::string_view path = t.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  if (const ClientRoute* route = FindClientRoute(method, path)) return impl_->Client(*route, path, body);
  if (method == "GET" && path == "/health") {
    json health = {{"ok", true}, {"id", impl_->config.id}, {"mode", ModeName(impl_->config.mode)}};
    // The ring epoch, for peers' ring gossip; a --join placeholder has none.
    if (!impl_->ring->provisional()) {
      health["epoch"] = impl_->ring->epoch();
      health["ring_digest"] = impl_->ring->digest();
    }
    return HttpReply{200, Dump(health)};
  }
  if (method == "GET" && path == "/ring") return impl_->Ring(query);
  if (method == "GET" && path == "/status") return impl_->Status();
  if (method == "POST" && (path == "/admin/join" || path == "/admin/leave")) {
    if (impl_->ring->provisional()) {
      return Reply(Outcome::Error(409, impl_->config.id + " has not joined a ring yet: ask a member", true));
    }
    json parsed;
    HttpReply error;
    if (!ParseBody(body, &parsed, &error)) return error;
    return impl_->Change(path == "/admin/join", parsed);
  }
  if (method == "POST" && StartsWith(path, "/internal/ring/")) {
    json parsed;
    HttpReply error;
    if (!ParseBody(body, &parsed, &error)) return error;
    const std::string p(path);
    // The hand-off writes stamped values past the coordinator: never in paxos mode.
    const bool handoff = HandoffMembership::Handles(p) && impl_->config.mode != Mode::kPaxos;
    auto r = handoff ? impl_->handoff->HandleInternal(p, parsed) : impl_->membership->HandleInternal(p, parsed);
    if (!r.ok()) return BadRequest(r.status().message());
    return HttpReply{200, Dump(*r)};
  }
  if (method == "POST" && StartsWith(path, "/internal/")) {
    json parsed;
    HttpReply error;
    if (!ParseBody(body, &parsed, &error)) return error;
    auto r = impl_->coordinator->HandleInternal(std::string(path), parsed);
    if (!r.ok()) return BadRequest(r.status().message());
    return HttpReply{200, Dump(*r)};
  }
  std::string shown(path.substr(0, 200));
  return HttpReply{404, Dump(json{{"error", "no such endpoint: " + method + " " + shown}, {"definite", true}})};
}

}  // namespace faultline::ringstore
