// Mode lww: Dynamo/Cassandra-style quorum replication with wall-clock
// last-write-wins.
//
// A write is stamped (WallClockNanos(), coordinator id) and stored on a
// majority W of the key's replicas; a replica keeps the newer stamp. A read
// asks a majority R (R + W > N) and returns the value with the newest stamp.
// Correct only while clocks agree: a coordinator whose clock lags stamps its
// writes "older" than what is stored, and they silently lose — the anomaly the
// clock nemesis and the linearizability checker are meant to expose. cas,
// append, set-add and counter-add are a quorum read followed by a quorum
// write, not atomic.
#include "targets/ringstore/coordinator.h"
#include "targets/ringstore/quorum_call.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;

class LwwCoordinator : public Coordinator {
 public:
  explicit LwwCoordinator(const NodeContext& ctx) : ctx_(ctx) {}

  Outcome Execute(const Command& cmd) override {
    const std::vector<int> replicas = ctx_.ring->ReplicaPeers(cmd.key);
    const int n = static_cast<int>(replicas.size());
    const int quorum = n / 2 + 1;
    const std::string skey = cmd.StorageKey();
    LocalHandler local = [this](const std::string& p, const json& b) { return HandleInternal(p, b); };
    auto any = [](const json&) { return true; };

    json current;
    if (cmd.op != Op::kWrite) {
      QuorumReplies r = QuorumCall(*ctx_.peers, replicas, "/internal/lww/read", {{"key", skey}}, local, quorum,
                                   any, ctx_.rpc_timeout());
      if (r.accepted < quorum) {
        return Outcome::Error(503,
                              "no quorum for key \"" + cmd.key + "\": read reached " + std::to_string(r.accepted) +
                                  " of " + std::to_string(n) + " replicas: " + r.Errors(),
                              true);
      }
      Ballot newest;
      for (size_t i = 0; i < replicas.size(); ++i) {
        if (!r.answered[i] || !r.results[i].ok) continue;
        Ballot stamp;
        BallotFromJson(r.results[i].body.value("stamp", json()), &stamp);
        if (stamp > newest || (stamp == newest && current.is_null())) {
          newest = stamp;
          current = r.results[i].body.value("value", json());
        }
      }
    }
    Change change = ApplyChange(cmd, current);
    if (cmd.ReadOnly() || !change.outcome.ok()) return change.outcome;

    Ballot stamp{WallClockNanos(), ctx_.config->id};
    QuorumReplies w = QuorumCall(*ctx_.peers, replicas, "/internal/lww/write",
                                 {{"key", skey}, {"stamp", BallotToJson(stamp)}, {"value", change.new_value}},
                                 local, quorum, any, ctx_.rpc_timeout());
    if (w.accepted >= quorum) return change.outcome;
    bool maybe = w.accepted > 0 || w.MaybeDelivered();
    return Outcome::Error(maybe ? 504 : 503,
                          std::string(maybe ? "indeterminate: " : "no quorum: ") + "write of key \"" + cmd.key +
                              "\" reached " + std::to_string(w.accepted) + " of " + std::to_string(n) +
                              " replicas (needed " + std::to_string(quorum) + "): " + w.Errors(),
                          !maybe);
  }

  Result<json> HandleInternal(const std::string& path, const json& body) override {
    if (!body.is_object() || !body.contains("key") || !body["key"].is_string()) {
      return Status::Error("missing \"key\"");
    }
    const std::string key = body["key"].get<std::string>();
    if (path == "/internal/lww/read") {
      auto r = ctx_.store->Read(key);
      if (!r.ok()) return r.status();
      return json{{"stamp", BallotToJson(r->stamp)}, {"value", r->value}};
    }
    if (path == "/internal/lww/write") {
      Ballot stamp;
      if (!BallotFromJson(body.value("stamp", json()), &stamp)) return Status::Error("bad \"stamp\"");
      auto r = ctx_.store->WriteIfNewer(key, stamp, body.value("value", json()));
      if (!r.ok()) return r.status();
      return json{{"ok", true}, {"applied", *r}};
    }
    return Status::Error("unknown internal path " + path + " (is every node running --mode lww?)");
  }

 private:
  NodeContext ctx_;
};

}  // namespace

std::unique_ptr<Coordinator> MakeLwwCoordinator(const NodeContext& ctx) {
  return std::make_unique<LwwCoordinator>(ctx);
}

}  // namespace faultline::ringstore
