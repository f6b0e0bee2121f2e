// Mode paxos: CASPaxos (Rystsov 2018) per key over the key's replicas.
//
// A round: pick a fresh ballot (counter, node id) above every ballot seen;
// prepare it on all replicas; with a majority of promises take the value with
// the highest accepted ballot, apply the command's change function, and accept
// the result on a majority. Reads and failed cas are identity changes.
//
// Retrying is only ever done while the operation certainly has not taken
// effect (prepare rejected or unreachable, or an identity change's accept
// failed): re-running a non-identity change after some accept was sent could
// apply it twice. So failures before any non-identity accept are definite;
// an accept that reached less than a majority is indefinite.
//
// One-round-trip reads: when a majority of promises report the SAME accepted
// ballot, that value is already chosen and every later ballot must pass through
// one of these promised acceptors, so an identity change may return without
// an accept phase.
#include <array>
#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "targets/ringstore/coordinator.h"
#include "targets/ringstore/quorum_call.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kOpDeadline = std::chrono::milliseconds(4000);
constexpr int kStripes = 4096;

class PaxosCoordinator : public Coordinator {
 public:
  explicit PaxosCoordinator(const NodeContext& ctx) : ctx_(ctx), counter_(ctx.store->MaxCounter()) {}

  Outcome Execute(const Command& cmd) override;
  Result<json> HandleInternal(const std::string& path, const json& body) override;
  json Stats() const override {
    return {{"rounds", rounds_.load()}, {"conflicts", conflicts_.load()},
            {"one_rtt_reads", one_rtt_reads_.load()}};
  }

 private:
  uint64_t NextCounter() { return ++counter_; }
  void Observe(uint64_t counter) {
    uint64_t cur = counter_.load();
    while (cur < counter && !counter_.compare_exchange_weak(cur, counter)) {
    }
  }

  NodeContext ctx_;
  std::atomic<uint64_t> counter_;
  std::atomic<uint64_t> rounds_{0}, conflicts_{0}, one_rtt_reads_{0};
  // Serialises this node's own proposals per key (stripe): two local
  // proposers for one key would only duel.
  std::array<std::mutex, kStripes> stripes_;
};

std::string NodeList(const PeerSet& peers, const std::vector<int>& targets) {
  std::string out;
  for (int t : targets) out += (out.empty() ? "" : ",") + peers.id(t);
  return out;
}

Outcome PaxosCoordinator::Execute(const Command& cmd) {
  const std::vector<int> replicas = ctx_.ring->ReplicasFor(cmd.key);
  const int n = static_cast<int>(replicas.size());
  const int quorum = n / 2 + 1;
  const std::string skey = cmd.StorageKey();
  std::lock_guard<std::mutex> stripe(stripes_[StableHash64(skey) % kStripes]);
  LocalHandler local = [this](const std::string& p, const json& b) { return HandleInternal(p, b); };
  auto is_ok = [](const json& b) { return b.value("ok", false); };

  thread_local std::mt19937_64 rng(std::random_device{}());
  const auto deadline = Clock::now() + kOpDeadline;
  std::string last_problem;
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) {
      // Randomised exponential backoff so duelling proposers separate.
      int cap_us = std::min(20000, 500 << std::min(attempt, 6));
      auto pause = std::chrono::microseconds(std::uniform_int_distribution<int>(cap_us / 4, cap_us)(rng));
      if (Clock::now() + pause > deadline) {
        return Outcome::Error(503, "gave up after " + std::to_string(attempt) + " rounds on key \"" + cmd.key +
                                       "\" (contention or unreachable replicas): " + last_problem,
                              true);
      }
      std::this_thread::sleep_for(pause);
    }
    ++rounds_;
    Ballot ballot{NextCounter(), ctx_.config->id};

    // Phase 1: prepare.
    QuorumReplies prep = QuorumCall(*ctx_.peers, replicas, "/internal/paxos/prepare",
                                    {{"key", skey}, {"ballot", BallotToJson(ballot)}}, local, quorum, is_ok,
                                    ctx_.rpc_timeout());
    int rejected = 0;
    for (size_t i = 0; i < replicas.size(); ++i) {
      if (!prep.answered[i] || !prep.results[i].ok) continue;
      Ballot promised;
      if (BallotFromJson(prep.results[i].body.value("promised", json()), &promised)) Observe(promised.counter);
      if (!is_ok(prep.results[i].body)) ++rejected;
    }
    if (prep.accepted < quorum) {
      if (rejected > 0 && prep.accepted + rejected >= quorum) {
        ++conflicts_;
        last_problem = "prepare rejected by a higher ballot";
        continue;  // a competing proposer: retry with a higher ballot
      }
      return Outcome::Error(503,
                            "no quorum for key \"" + cmd.key + "\": prepare reached " +
                                std::to_string(prep.accepted) + " of " + std::to_string(n) + " replicas [" +
                                NodeList(*ctx_.peers, replicas) + "]: " + prep.Errors(),
                            true);
    }
    // The value with the highest accepted ballot among the promises.
    Ballot best;
    json current;
    bool first = true, all_same = true;
    Ballot first_ballot;
    for (size_t i = 0; i < replicas.size(); ++i) {
      if (!prep.answered[i] || !prep.results[i].ok || !is_ok(prep.results[i].body)) continue;
      const json& b = prep.results[i].body;
      Ballot acc;
      BallotFromJson(b.value("accepted", json()), &acc);
      if (first) {
        first_ballot = acc;
        first = false;
      } else if (!(acc == first_ballot)) {
        all_same = false;
      }
      if (acc > best || (acc == best && current.is_null())) {
        best = acc;
        current = b.value("value", json());
      }
    }
    Change change = ApplyChange(cmd, current);
    if (!change.changed && all_same) {
      ++one_rtt_reads_;
      return change.outcome;
    }

    // Phase 2: accept.
    QuorumReplies acc = QuorumCall(*ctx_.peers, replicas, "/internal/paxos/accept",
                                   {{"key", skey}, {"ballot", BallotToJson(ballot)}, {"value", change.new_value}},
                                   local, quorum, is_ok, ctx_.rpc_timeout());
    if (acc.accepted >= quorum) return change.outcome;
    int acc_rejected = 0;
    for (size_t i = 0; i < replicas.size(); ++i) {
      if (!acc.answered[i] || !acc.results[i].ok) continue;
      Ballot promised;
      if (BallotFromJson(acc.results[i].body.value("promised", json()), &promised)) Observe(promised.counter);
      if (!is_ok(acc.results[i].body)) ++acc_rejected;
    }
    if (!change.changed) {
      // Re-proposing an unchanged value is harmless, so this is safe to retry.
      if (acc_rejected > 0) {
        ++conflicts_;
        last_problem = "accept rejected by a higher ballot";
        continue;
      }
      return Outcome::Error(503,
                            "no quorum for key \"" + cmd.key + "\": accept reached " + std::to_string(acc.accepted) +
                                " of " + std::to_string(n) + " replicas: " + acc.Errors(),
                            true);
    }
    return Outcome::Error(504,
                          "indeterminate: accept for key \"" + cmd.key + "\" reached " +
                              std::to_string(acc.accepted) + " of " + std::to_string(n) +
                              " replicas (needed " + std::to_string(quorum) + "): " +
                              (acc_rejected > 0 ? "rejected by a higher ballot; " : "") + acc.Errors() +
                              "; the operation may or may not take effect",
                          false);
  }
}

Result<json> PaxosCoordinator::HandleInternal(const std::string& path, const json& body) {
  if (!body.is_object() || !body.contains("key") || !body["key"].is_string()) {
    return Status::Error("missing \"key\"");
  }
  Ballot ballot;
  if (!BallotFromJson(body.value("ballot", json()), &ballot)) return Status::Error("bad \"ballot\"");
  const std::string key = body["key"].get<std::string>();
  if (path == "/internal/paxos/prepare") {
    auto r = ctx_.store->Prepare(key, ballot);
    if (!r.ok()) return r.status();
    json out = {{"ok", r->ok}, {"promised", BallotToJson(r->promised)}};
    if (r->ok) {
      out["accepted"] = BallotToJson(r->accepted);
      out["value"] = r->value;
    }
    return out;
  }
  if (path == "/internal/paxos/accept") {
    if (!body.contains("value")) return Status::Error("missing \"value\"");
    auto r = ctx_.store->Accept(key, ballot, body["value"]);
    if (!r.ok()) return r.status();
    return json{{"ok", r->ok}, {"promised", BallotToJson(r->promised)}};
  }
  return Status::Error("unknown internal path " + path + " (is every node running --mode paxos?)");
}

}  // namespace

std::unique_ptr<Coordinator> MakePaxosCoordinator(const NodeContext& ctx) {
  return std::make_unique<PaxosCoordinator>(ctx);
}

}  // namespace faultline::ringstore
