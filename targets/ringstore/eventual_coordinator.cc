// Mode eventual: reads and writes are served by ONE replica's local copy and
// replicated to the key's other replicas asynchronously, with retries.
//
// The node receiving the request serves it itself when it is one of the key's
// replicas; otherwise it forwards it to the first replica that answers, and
// when none does it serves from its own local copy and hands the update to
// the replicator (hinted hand-off). Always available, so: stale reads under
// partitions, lost updates when two nodes change one key concurrently (the
// copies converge to the newest stamp, the other update is gone).
//
// Replicator: one thread per peer drains a map key -> newest (stamp, value)
// in batches; a failed batch is kept (unless superseded) and retried. A
// peer's queue and thread are made the first time a write goes to it, so
// nodes that join the ring later (PeerSet grows) are replicated to as well;
// a queue for a node that left keeps retrying, unheard, until shutdown.
#include <array>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "targets/ringstore/coordinator.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;
constexpr int kStripes = 1024;
constexpr size_t kBatch = 256;
constexpr auto kRetryAfter = std::chrono::milliseconds(200);

class EventualCoordinator : public Coordinator {
 public:
  explicit EventualCoordinator(const NodeContext& ctx) : ctx_(ctx), queues_(PeerSet::kMaxPeers) {}
  ~EventualCoordinator() override {
    std::lock_guard<std::mutex> made(queues_mu_);
    for (auto& q : queues_) {
      if (!q) continue;
      {
        std::lock_guard<std::mutex> lock(q->mu);
        q->stop = true;
      }
      q->cv.notify_all();
      q->thread.join();
    }
  }

  Outcome Execute(const Command& cmd) override {
    const std::vector<int> replicas = ctx_.ring->ReplicaPeers(cmd.key);
    bool is_replica = std::find(replicas.begin(), replicas.end(), ctx_.peers->self()) != replicas.end();
    if (!is_replica) {
      for (int r : replicas) {
        RpcResult res = ctx_.peers->Call(r, "/internal/eventual/exec", CommandToJson(cmd));
        if (res.ok && res.body.contains("status") && res.body.contains("body")) {
          return Outcome{res.body["status"].get<int>(), res.body["body"]};
        }
        if (res.delivered) {
          // It may have been applied there; applying it here too could do it twice.
          return Outcome::Error(504, "indeterminate: forwarding to " + ctx_.peers->id(r) + " failed: " + res.error,
                                false);
        }
      }
    }
    return ExecLocal(cmd, replicas);
  }

  Result<json> HandleInternal(const std::string& path, const json& body) override {
    if (path == "/internal/eventual/exec") {
      Command cmd;
      if (!CommandFromJson(body, &cmd)) return Status::Error("bad command");
      Outcome o = ExecLocal(cmd, ctx_.ring->ReplicaPeers(cmd.key));
      return json{{"status", o.status}, {"body", o.body}};
    }
    if (path == "/internal/eventual/replicate") {
      if (!body.is_object() || !body.contains("entries") || !body["entries"].is_array()) {
        return Status::Error("missing \"entries\"");
      }
      for (const json& e : body["entries"]) {
        Ballot stamp;
        if (!e.is_array() || e.size() != 3 || !e[0].is_string() || !BallotFromJson(e[1], &stamp)) {
          return Status::Error("bad entry " + e.dump());
        }
        auto r = ctx_.store->WriteIfNewer(e[0].get<std::string>(), stamp, e[2]);
        if (!r.ok()) return r.status();
      }
      return json{{"ok", true}};
    }
    return Status::Error("unknown internal path " + path + " (is every node running --mode eventual?)");
  }

  json Stats() const override {
    json pending = json::object();
    std::lock_guard<std::mutex> made(queues_mu_);
    for (size_t i = 0; i < queues_.size(); ++i) {
      if (!queues_[i]) continue;
      std::lock_guard<std::mutex> lock(queues_[i]->mu);
      pending[ctx_.peers->id(static_cast<int>(i))] = queues_[i]->pending.size();
    }
    return {{"replication_pending", pending}};
  }

 private:
  struct Queue {
    std::mutex mu;
    std::condition_variable cv;
    std::map<std::string, std::pair<Ballot, json>> pending;
    bool stop = false;
    std::thread thread;
  };

  Outcome ExecLocal(const Command& cmd, const std::vector<int>& replicas) {
    const std::string skey = cmd.StorageKey();
    std::lock_guard<std::mutex> stripe(stripes_[StableHash64(skey) % kStripes]);
    auto cur = ctx_.store->Read(skey);
    if (!cur.ok()) return Outcome::Error(500, cur.status().message(), false);
    Change change = ApplyChange(cmd, cur->value);
    if (!change.changed || !change.outcome.ok()) return change.outcome;
    Ballot stamp{std::max(WallClockNanos(), cur->stamp.counter + 1), ctx_.config->id};
    auto w = ctx_.store->WriteIfNewer(skey, stamp, change.new_value);
    if (!w.ok()) return Outcome::Error(500, w.status().message(), false);
    for (int r : replicas) {
      if (r == ctx_.peers->self()) continue;
      Queue& q = QueueFor(r);
      {
        std::lock_guard<std::mutex> lock(q.mu);
        auto& slot = q.pending[skey];
        if (stamp > slot.first) slot = {stamp, change.new_value};
      }
      q.cv.notify_one();
    }
    return change.outcome;
  }

  // The peer's queue, made (with its thread) on first use.
  Queue& QueueFor(int peer) {
    std::lock_guard<std::mutex> made(queues_mu_);
    auto& q = queues_[peer];
    if (!q) {
      q = std::make_unique<Queue>();
      q->thread = std::thread([this, peer, raw = q.get()] { ReplicateLoop(peer, *raw); });
    }
    return *q;
  }

  // Drains `q` (the queue of `peer`, which outlives this thread: the
  // destructor joins it).
  void ReplicateLoop(int peer, Queue& q) {
    for (;;) {
      json entries = json::array();
      std::vector<std::pair<std::string, std::pair<Ballot, json>>> batch;
      {
        std::unique_lock<std::mutex> lock(q.mu);
        q.cv.wait(lock, [&] { return q.stop || !q.pending.empty(); });
        if (q.stop) return;
        while (!q.pending.empty() && batch.size() < kBatch) {
          auto it = q.pending.begin();
          batch.emplace_back(it->first, std::move(it->second));
          q.pending.erase(it);
        }
      }
      for (const auto& [key, sv] : batch) entries.push_back(json::array({key, BallotToJson(sv.first), sv.second}));
      RpcResult res = ctx_.peers->Call(peer, "/internal/eventual/replicate", {{"entries", entries}});
      if (res.ok) continue;
      std::unique_lock<std::mutex> lock(q.mu);
      for (auto& [key, sv] : batch) {
        auto& slot = q.pending[key];
        if (sv.first > slot.first) slot = std::move(sv);
      }
      if (q.cv.wait_for(lock, kRetryAfter, [&] { return q.stop; })) return;
    }
  }

  NodeContext ctx_;
  mutable std::mutex queues_mu_;  // guards making slots of queues_
  std::vector<std::unique_ptr<Queue>> queues_;  // by peer index, PeerSet::kMaxPeers slots
  std::array<std::mutex, kStripes> stripes_;
};

}  // namespace

std::unique_ptr<Coordinator> MakeEventualCoordinator(const NodeContext& ctx) {
  return std::make_unique<EventualCoordinator>(ctx);
}

}  // namespace faultline::ringstore
