// Mode paxos: CASPaxos (Rystsov 2018) per key over the key's replicas.
//
// A round: pick a fresh ballot (counter, node id) above every ballot seen;
// prepare it on all replicas; with a majority of promises take the value with
// the highest accepted ballot, apply the command's change function, and accept
// the result on a majority. Reads and failed cas are identity changes.
//
// Key leader: any node may propose for any key (CASPaxos is safe with any
// number of proposers), but proposers of one key duel: each prepare can void
// the other's accept. So a node forwards a command to the key's leader, the
// first replica in ring order that is healthy (answered a heartbeat within
// ~0.35 s), and the leader serialises its proposals per key (stripe lock).
// A leader that is down, paused or cut off stops being healthy and the next
// replica leads; forwarding never repeats a command that may have run: only
// an undelivered forward (connection refused, peer known down) or a read is
// run locally instead.
//
// Batching: commands on one key that queue up at the leader while a round
// runs are applied together in the next round, in arrival order (change
// functions compose), so one prepare/accept and one fsync per replica serve
// them all. Each was pending during the whole round, so taking effect at its
// position in the batch is linearizable. Same-key contention thus turns into
// bigger batches instead of duelling or timeouts.
//
// Piggybacked prepare (the CASPaxos paper's one-round-trip optimisation):
// every accept also carries the proposer's next ballot, which the acceptors
// promise in the same durable record. The proposer remembers (next ballot,
// value) per key; its next command on the key goes straight to the accept
// phase with that ballot. If anyone else prepared meanwhile, that accept is
// rejected and the proposer falls back to a full round.
//
// Retrying is only ever done while the batch certainly has not taken effect
// (prepare rejected or unreachable; an accept that every replica answered and
// none took; or identity changes): re-applying a change after some acceptor
// may hold it could apply it twice. An accept that may have reached only a
// minority is settled by recovery rounds: a prepare that finds our value as
// the highest accepted one finishes it (success); one that finds another
// value and gets it accepted by a majority at a higher ballot proves ours can
// never be chosen, so the batch runs afresh. Only when recovery cannot finish
// before the deadline is the answer indefinite (504); failures without any
// possible accept are definite (503).
//
// One-round-trip reads without a remembered ballot: when a majority of
// promises report the SAME accepted ballot, that value is already chosen and
// every later ballot must pass through one of these promised acceptors, so an
// identity change may return without an accept phase.
// Membership (ring_config.h): every round runs under one ring configuration
// snapshot; its prepares and accepts carry the config's epoch, and an
// acceptor that follows a newer epoch refuses them and sends its config,
// which the proposer adopts before retrying under it. While a change is
// joint, a round needs a majority of the key's old AND new replicas (the
// call then asks them all at once and judges the answers per set).
#include <array>
#include <condition_variable>
#include <deque>
#include <atomic>
#include <mutex>
#include <optional>
#include <algorithm>
#include <random>
#include <thread>
#include <unordered_map>

#include "targets/ringstore/coordinator.h"
#include "targets/ringstore/quorum_call.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// How long one command may take, from its arrival at the proposer
// (including the wait for the key's stripe) to giving up.
constexpr auto kOpDeadline = std::chrono::milliseconds(4000);
constexpr int kStripes = 4096;
// Remembered (ballot, value) entries per stripe before the stripe forgets
// them all (bounds memory with many keys; forgetting only costs a round).
constexpr size_t kMaxCachedPerStripe = 64;
constexpr const char* kExecutePath = "/internal/paxos/execute";

class PaxosCoordinator : public Coordinator {
 public:
  explicit PaxosCoordinator(const NodeContext& ctx) : ctx_(ctx), counter_(ctx.store->MaxCounter()) {}

  Outcome Execute(const Command& cmd) override;
  Result<json> HandleInternal(const std::string& path, const json& body) override;
  json Stats() const override {
    return {{"rounds", rounds_.load()},         {"fast_rounds", fast_rounds_.load()},
            {"conflicts", conflicts_.load()},   {"one_rtt_reads", one_rtt_reads_.load()},
            {"forwarded", forwarded_.load()},   {"led", led_.load()}};
  }

 private:
  // What this node, as the proposer, remembers about a key after a
  // successful accept: the acceptors promised `next` along with it.
  struct Remembered {
    Ballot next;
    json value;
    uint64_t epoch = 0;  // promised under this config; useless under another
  };
  // One queued command; `out` is valid once `done`.
  struct Waiter {
    const Command* cmd;
    Outcome out;
    bool changed = false;  // its change function changed the value (last round)
    bool done = false;
  };
  struct KeyQueue {
    std::deque<Waiter*> pending;
    bool running = false;  // some thread is running a round for this key
  };
  struct Stripe {
    std::mutex mu;
    std::condition_variable cv;
    std::unordered_map<std::string, KeyQueue> queues;        // guarded by mu
    std::unordered_map<std::string, Remembered> remembered;  // guarded by mu
  };

  // Runs `cmd` with this node as the proposer (queues it behind, or batches
  // it with, other commands on the same key).
  Outcome Propose(const Command& cmd, Clock::time_point deadline);
  // Runs Paxos rounds for `batch` (commands on one key, in order) and fills
  // their outcomes.
  void RunBatch(Stripe& stripe, const std::string& skey, const std::vector<Waiter*>& batch,
                Clock::time_point deadline);
  // How long the leader works on a forwarded command: one RPC timeout and
  // a little (a round that loses a replica still finishes), within kOpDeadline.
  std::chrono::milliseconds ForwardedDeadline() const {
    return std::min<std::chrono::milliseconds>(kOpDeadline, ctx_.rpc_timeout() + std::chrono::milliseconds(500));
  }
  uint64_t NextCounter() { return ++counter_; }
  void Observe(uint64_t counter) {
    uint64_t cur = counter_.load();
    while (cur < counter && !counter_.compare_exchange_weak(cur, counter)) {
    }
  }
  void ObservePromises(const QuorumReplies& replies) {
    for (size_t i = 0; i < replies.targets.size(); ++i) {
      if (!replies.answered[i] || !replies.results[i].ok) continue;
      Ballot promised;
      if (BallotFromJson(replies.results[i].body.value("promised", json()), &promised)) Observe(promised.counter);
    }
  }

  NodeContext ctx_;
  std::atomic<uint64_t> counter_;
  std::atomic<uint64_t> rounds_{0}, fast_rounds_{0}, conflicts_{0}, one_rtt_reads_{0}, forwarded_{0}, led_{0};
  std::array<Stripe, kStripes> stripes_;
};

std::string NodeList(const PeerSet& peers, const std::vector<int>& targets) {
  std::string out;
  for (int t : targets) out += (out.empty() ? "" : ",") + peers.id(t);
  return out;
}

bool IsOk(const json& b) { return b.value("ok", false); }

// True when every replica answered and none took the accept: the proposed
// value is on no acceptor, so it can never be chosen.
bool NoneAccepted(const QuorumReplies& acc) {
  for (size_t i = 0; i < acc.targets.size(); ++i) {
    if (!acc.answered[i]) return false;
    const RpcResult& r = acc.results[i];
    if (r.ok ? IsOk(r.body) : r.delivered) return false;
  }
  return true;
}

Outcome PaxosCoordinator::Execute(const Command& cmd) {
  const auto deadline = Clock::now() + kOpDeadline;
  // Membership commands carry fields a forward would drop: run them here.
  if (cmd.write_back || !cmd.quorum_sets.empty() || !cmd.storage_key.empty()) return Propose(cmd, deadline);
  const std::vector<int> replicas = ctx_.ring->ReplicaPeers(cmd.key);
  int leader = -1;
  for (int r : replicas) {
    if (ctx_.peers->Healthy(r)) {
      leader = r;
      break;
    }
  }
  if (leader < 0 || leader == ctx_.peers->self()) return Propose(cmd, deadline);
  ++forwarded_;
  // The leader gives a forwarded command ForwardedDeadline(); waiting one
  // RPC timeout longer lets its answer arrive, while a leader that was just
  // paused or cut off costs no more than that before it is marked down.
  RpcResult r = ctx_.peers->Call(leader, kExecutePath, {{"command", CommandToJson(cmd)}},
                                 ForwardedDeadline() + ctx_.rpc_timeout());
  if (r.ok && r.body.contains("status") && r.body["status"].is_number_integer() && r.body.contains("body")) {
    return Outcome{r.body["status"].get<int>(), r.body["body"]};
  }
  // A forward that never arrived ran nowhere, and a read never takes effect:
  // both are safe to run here instead.
  if (!r.delivered || cmd.ReadOnly()) return Propose(cmd, deadline);
  return Outcome::Error(504,
                        "indeterminate: forwarded to key leader " + ctx_.peers->id(leader) +
                            ", no answer: " + r.error + "; the operation may or may not take effect",
                        false);
}

Outcome PaxosCoordinator::Propose(const Command& cmd, Clock::time_point deadline) {
  const std::string skey = cmd.StorageKey();
  Stripe& stripe = stripes_[StableHash64(skey) % kStripes];
  Waiter me;
  me.cmd = &cmd;
  const auto arrived = Clock::now();
  std::unique_lock<std::mutex> lock(stripe.mu);
  stripe.queues[skey].pending.push_back(&me);
  while (!me.done) {
    KeyQueue& q = stripe.queues[skey];
    if (!q.running) {
      // Run a round for everything queued on this key (us included).
      q.running = true;
      std::vector<Waiter*> batch(q.pending.begin(), q.pending.end());
      q.pending.clear();
      lock.unlock();
      try {
        RunBatch(stripe, skey, batch, deadline);
      } catch (const std::exception& e) {
        // Never leave the key's queue marked running (every later command
        // on it would wait forever); the batch's fate is unknown.
        for (Waiter* w : batch) {
          w->out = Outcome::Error(500, std::string("internal error in a round on key \"") + cmd.key +
                                           "\": " + e.what() + "; the operation may or may not take effect",
                                  false);
        }
      }
      lock.lock();
      for (Waiter* w : batch) w->done = true;
      KeyQueue& q2 = stripe.queues[skey];
      q2.running = false;
      if (q2.pending.empty()) stripe.queues.erase(skey);
      stripe.cv.notify_all();
      continue;
    }
    if (stripe.cv.wait_until(lock, deadline) == std::cv_status::timeout && !me.done) {
      auto& pending = stripe.queues[skey].pending;
      auto it = std::find(pending.begin(), pending.end(), &me);
      if (it != pending.end()) {
        // Still queued, never part of a round: certainly not executed.
        pending.erase(it);
        // The real wait (a forwarded command's deadline is shorter than
        // kOpDeadline), so a stall is told apart from a short one.
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - arrived);
        return Outcome::Error(503, "gave up on key \"" + cmd.key + "\": queued behind other operations on it for " +
                                       std::to_string(waited.count()) + " ms", true);
      }
      // In a running round: it ends within its own deadline.
    }
  }
  return me.out;
}

void PaxosCoordinator::RunBatch(Stripe& stripe, const std::string& skey, const std::vector<Waiter*>& batch,
                                Clock::time_point deadline) {
  ++led_;
  const Command& first_cmd = *batch.front()->cmd;
  const std::string& user_key = first_cmd.key;
  // A membership copy may share its round with client commands queued on
  // the same key: the round then still writes back.
  const bool write_back =
      std::any_of(batch.begin(), batch.end(), [](const Waiter* w) { return w->cmd->write_back; });
  // The ring snapshot this round runs under; reloaded when an acceptor
  // shows a newer one. replicas: every node asked; sets: whose majorities
  // count (one set when stable).
  std::shared_ptr<const RingConfig> config;
  std::vector<std::vector<int>> sets;
  std::vector<int> replicas;
  int n = 0, quorum = 0;
  auto load_config = [&] {
    config = ctx_.ring->Current();
    auto id_sets = first_cmd.quorum_sets.empty() ? config->ReplicaSets(user_key) : first_cmd.quorum_sets;
    sets.clear();
    replicas.clear();
    for (const auto& ids : id_sets) {
      sets.push_back(ctx_.ring->PeerIndexes(ids));
      for (int r : sets.back()) {
        if (std::find(replicas.begin(), replicas.end(), r) == replicas.end()) replicas.push_back(r);
      }
    }
    n = static_cast<int>(replicas.size());
    // Joint: ask everyone and judge per set; stable: a plain majority.
    quorum = sets.size() == 1 ? n / 2 + 1 : n;
  };
  load_config();
  auto majority_of_each = [&](const std::vector<int>& yes) {
    for (const auto& set : sets) {
      int c = 0;
      for (int r : set) c += std::find(yes.begin(), yes.end(), r) != yes.end();
      if (c < static_cast<int>(set.size()) / 2 + 1) return false;
    }
    return true;
  };
  // True when the replies that said yes make a quorum of every set.
  auto met = [&](const QuorumReplies& q) {
    std::vector<int> yes;
    for (size_t i = 0; i < q.targets.size(); ++i) {
      if (q.answered[i] && q.results[i].ok && IsOk(q.results[i].body)) yes.push_back(q.targets[i]);
    }
    return majority_of_each(yes);
  };
  // Adopts the newest config an acceptor refused us with; true if any did.
  auto saw_stale = [&](const QuorumReplies& q) {
    bool stale = false;
    for (size_t i = 0; i < q.targets.size(); ++i) {
      if (!q.answered[i] || !q.results[i].ok || !q.results[i].body.value("stale", false)) continue;
      stale = true;
      auto c = RingConfig::FromJson(q.results[i].body.value("config", json()));
      if (c.ok()) (void)ctx_.ring->Adopt(*c);
    }
    return stale;
  };
  // Joint: every replica is asked at once; the call ends when the yes
  // answers make a majority of each set (or everyone answered).
  std::function<bool(const QuorumReplies&)> enough;
  auto joint_enough = [&]() -> const std::function<bool(const QuorumReplies&)>& {
    static const std::function<bool(const QuorumReplies&)> none;
    if (sets.size() == 1) return none;
    enough = met;
    return enough;
  };
  auto just_enough = [&] { return sets.size() == 1; };
  LocalHandler local = [this](const std::string& p, const json& b) { return HandleInternal(p, b); };

  // The batch's change functions applied in order to `current`.
  bool any_changed = false;
  auto apply = [&](const json& current) {
    json value = current;
    any_changed = false;
    for (Waiter* w : batch) {
      Change c = ApplyChange(*w->cmd, value);
      w->out = std::move(c.outcome);
      w->changed = c.changed;
      any_changed |= c.changed;
      value = std::move(c.new_value);
    }
    return value;
  };
  // Every command fails with the same definite error.
  auto fail_all = [&](int status, const std::string& message) {
    for (Waiter* w : batch) w->out = Outcome::Error(status, message, true);
  };
  // Accepts `value` at `ballot` and promises a fresh next ballot with it;
  // on success the key's (next, value) is remembered.
  auto accept = [&](const Ballot& ballot, const json& value) {
    Ballot next{NextCounter(), ctx_.config->id};
    QuorumReplies acc = QuorumCall(*ctx_.peers, replicas, "/internal/paxos/accept",
                                   {{"key", skey}, {"ballot", BallotToJson(ballot)}, {"value", value},
                                    {"next", BallotToJson(next)}, {"epoch", config->epoch()}},
                                   local, quorum, IsOk, ctx_.rpc_timeout(), just_enough(), joint_enough());
    if (met(acc)) {
      std::lock_guard<std::mutex> lock(stripe.mu);
      if (stripe.remembered.size() >= kMaxCachedPerStripe) stripe.remembered.clear();
      stripe.remembered[skey] = Remembered{next, value, config->epoch()};
    } else {
      ObservePromises(acc);
    }
    return acc;
  };
  // Describes an accept that missed its quorum.
  auto accept_problem = [&](const QuorumReplies& acc) {
    int rejected = 0;
    for (size_t i = 0; i < replicas.size(); ++i) {
      if (acc.answered[i] && acc.results[i].ok && !IsOk(acc.results[i].body)) ++rejected;
    }
    return "accept for key \"" + user_key + "\" reached " + std::to_string(acc.accepted) + " of " +
           std::to_string(n) + " replicas (needed " + std::to_string(quorum) + "): " +
           (rejected > 0 ? "rejected by a higher ballot; " : "") + acc.Errors();
  };
  // Non-empty while the batch's value may sit on some acceptor (an accept
  // reached a minority) at one of these ballots: it may still be chosen, so
  // the batch must not be re-applied. A recovery round settles it: a prepare whose highest
  // accepted ballot is ours finishes our value; any other value accepted by
  // a majority at a higher ballot buries ours for good.
  std::vector<Ballot> pending;
  json pending_value;  // the value at those ballots
  std::string pending_why;
  // Gives up. While pending, the commands that changed the value may yet
  // take effect (indefinite); the others (reads, failed cas) never do.
  auto give_up = [&](int status, const std::string& message) {
    if (pending.empty()) return fail_all(status, message);
    for (Waiter* w : batch) {
      std::string why = message + " (after " + pending_why + ")";
      w->out = !w->changed ? Outcome::Error(503, "no quorum: " + why, true)
                           : Outcome::Error(504, "indeterminate: " + why +
                                                     "; the operation may or may not take effect",
                                            false);
    }
  };

  // Without a majority of the key's replicas reachable, fail at once and
  // definitely (nothing is sent): a cut-off node answers quickly instead of
  // waiting out timeouts, and never leaves a value on a minority.
  {
    int reachable = 0;
    std::string suspected;
    std::vector<int> up;
    for (int r : replicas) {
      if (!ctx_.peers->Suspected(r)) {
        ++reachable;
        up.push_back(r);
      } else {
        suspected += (suspected.empty() ? "" : ",") + ctx_.peers->id(r);
      }
    }
    if (!majority_of_each(up)) {
      return fail_all(503, "no quorum for key \"" + user_key + "\": replicas " + suspected +
                               " unreachable (no heartbeat answer), " + std::to_string(reachable) + " of " +
                               std::to_string(n) + " reachable");
    }
  }

  // Fast path: phase 1 was done by our previous accept on this key.
  std::optional<Remembered> mine;
  {
    std::lock_guard<std::mutex> lock(stripe.mu);
    if (auto it = stripe.remembered.find(skey); it != stripe.remembered.end()) {
      if (it->second.epoch == config->epoch()) mine = std::move(it->second);
      stripe.remembered.erase(it);
    }
  }
  if (mine) {
    ++fast_rounds_;
    json value = apply(mine->value);
    QuorumReplies acc = accept(mine->next, value);
    if (met(acc)) return;
    if (saw_stale(acc)) load_config();
    // Someone else proposed meanwhile: go on with full rounds.
    ++conflicts_;
    if (any_changed && !NoneAccepted(acc)) {
      pending.push_back(mine->next);
      pending_value = value;
      pending_why = accept_problem(acc);
    }
  }

  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string last_problem;
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) {
      // Randomised exponential backoff so duelling proposers separate.
      int cap_us = std::min(20000, 500 << std::min(attempt, 6));
      auto pause = std::chrono::microseconds(std::uniform_int_distribution<int>(cap_us / 4, cap_us)(rng));
      if (Clock::now() + pause > deadline) {
        return give_up(503, "gave up after " + std::to_string(attempt) + " rounds on key \"" + user_key +
                                "\" (contention or unreachable replicas): " + last_problem);
      }
      std::this_thread::sleep_for(pause);
    }
    ++rounds_;
    Ballot ballot{NextCounter(), ctx_.config->id};

    // Phase 1: prepare.
    QuorumReplies prep = QuorumCall(*ctx_.peers, replicas, "/internal/paxos/prepare",
                                    {{"key", skey}, {"ballot", BallotToJson(ballot)}, {"epoch", config->epoch()}},
                                    local, quorum, IsOk, ctx_.rpc_timeout(), just_enough(), joint_enough());
    ObservePromises(prep);
    if (!met(prep) && saw_stale(prep)) {
      // Our ring is behind: retry under the acceptor's newer one.
      load_config();
      last_problem = "ring epoch changed";
      continue;
    }
    int rejected = 0, unanswered = 0;
    for (size_t i = 0; i < replicas.size(); ++i) {
      if (!prep.answered[i]) ++unanswered;
      if (prep.answered[i] && prep.results[i].ok && !IsOk(prep.results[i].body)) ++rejected;
    }
    if (!met(prep)) {
      // Rejections (plus replies not awaited, as the call returns once a
      // quorum is out of reach) could make a quorum with a higher ballot.
      if (rejected > 0 && (sets.size() > 1 || prep.accepted + rejected + unanswered >= quorum)) {
        ++conflicts_;
        last_problem = "prepare rejected by a higher ballot";
        continue;  // a competing proposer: retry with a higher ballot
      }
      return give_up(503, "no quorum for key \"" + user_key + "\": prepare reached " +
                              std::to_string(prep.accepted) + " of " + std::to_string(n) + " replicas [" +
                              NodeList(*ctx_.peers, replicas) + "]: " + prep.Errors());
    }
    // The value with the highest accepted ballot among the promises.
    Ballot best;
    json current;
    bool first = true, all_same = true;
    Ballot first_ballot;
    for (size_t i = 0; i < replicas.size(); ++i) {
      if (!prep.answered[i] || !prep.results[i].ok || !IsOk(prep.results[i].body)) continue;
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

    if (!pending.empty()) {
      // Recovery round: re-propose the highest accepted value as it is.
      const bool ours = std::find(pending.begin(), pending.end(), best) != pending.end();
      if (!ours && current == pending_value) {
        // Our value, or an equal one, under someone else's ballot: another
        // proposer (a read, a membership copy) may have re-proposed ours, so
        // neither "ours is chosen" nor "ours is buried" is certain.
        return give_up(504, "value of key \"" + user_key + "\" re-proposed by another proposer");
      }
      QuorumReplies acc = accept(ballot, current);
      if (met(acc)) {
        if (ours) return;  // our batch's value is chosen: its outcomes stand
        // Another value is chosen at a ballot above ours, so ours can never
        // be: the batch certainly did not take effect. Run it afresh.
        pending.clear();
        last_problem = "superseded by another proposer";
        continue;
      }
      if (ours && !NoneAccepted(acc)) pending.push_back(ballot);  // our value may now also sit here
      last_problem = accept_problem(acc);
      if (saw_stale(acc)) load_config();
      continue;
    }

    json value = apply(current);
    if (!any_changed && all_same && !write_back) {
      ++one_rtt_reads_;
      return;
    }

    // Phase 2: accept.
    QuorumReplies acc = accept(ballot, value);
    if (met(acc)) return;
    if (saw_stale(acc)) load_config();
    int acc_rejected = 0;
    for (size_t i = 0; i < replicas.size(); ++i) {
      if (acc.answered[i] && acc.results[i].ok && !IsOk(acc.results[i].body)) ++acc_rejected;
    }
    last_problem = accept_problem(acc);
    if (!any_changed || NoneAccepted(acc)) {
      // Re-proposing an unchanged value is harmless, and a value no acceptor
      // took can never be chosen: safe to retry.
      if (acc_rejected > 0) {
        ++conflicts_;
        continue;
      }
      return fail_all(503, "no quorum: " + last_problem);
    }
    // Our value may be on a minority: settle it with a recovery round.
    pending.push_back(ballot);
    pending_value = value;
    pending_why = last_problem;
  }
}

Result<json> PaxosCoordinator::HandleInternal(const std::string& path, const json& body) {
  if (path == kExecutePath) {
    // A command forwarded by another node to this one as the key's leader:
    // run it here (never forwarded again, so forwarding cannot loop).
    Command cmd;
    if (!body.is_object() || !CommandFromJson(body.value("command", json()), &cmd)) {
      return Status::Error("bad forwarded \"command\"");
    }
    Outcome o = Propose(cmd, Clock::now() + ForwardedDeadline());
    return json{{"status", o.status}, {"body", o.body}};
  }
  if (!body.is_object() || !body.contains("key") || !body["key"].is_string()) {
    return Status::Error("missing \"key\"");
  }
  Ballot ballot;
  if (!BallotFromJson(body.value("ballot", json()), &ballot)) return Status::Error("bad \"ballot\"");
  const std::string key = body["key"].get<std::string>();
  // A round under an older ring than ours could reach a quorum of replicas
  // that no longer hold the key: refuse it, and send our ring.
  if (body.contains("epoch") && body["epoch"].is_number_unsigned()) {
    auto mine = ctx_.ring->Current();
    if (body["epoch"].get<uint64_t>() < mine->epoch()) {
      return json{{"ok", false}, {"stale", true}, {"config", mine->ToJson()}, {"promised", BallotToJson(Ballot{})}};
    }
  }
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
    Ballot next;
    bool has_next = body.contains("next") && BallotFromJson(body["next"], &next);
    auto r = ctx_.store->Accept(key, ballot, body["value"], has_next ? &next : nullptr);
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
