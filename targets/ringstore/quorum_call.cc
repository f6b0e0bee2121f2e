#include "targets/ringstore/quorum_call.h"

#include <condition_variable>
#include <memory>
#include <mutex>

namespace faultline::ringstore {

bool QuorumReplies::MaybeDelivered() const {
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!answered[i] || results[i].delivered) return true;
  }
  return false;
}

std::string QuorumReplies::Errors() const {
  std::string out;
  for (size_t i = 0; i < targets.size(); ++i) {
    std::string e = !answered[i] ? "no answer in time" : results[i].error;
    if (answered[i] && results[i].ok) continue;
    if (!out.empty()) out += "; ";
    out += e;
  }
  return out;
}

namespace {
// How long the first wave of a just-enough call may take before the other
// replicas are asked too.
constexpr auto kFirstWaveWait = std::chrono::milliseconds(100);
}  // namespace

QuorumReplies QuorumCall(PeerSet& peers, const std::vector<int>& targets, const std::string& path,
                         const nlohmann::json& body, const LocalHandler& local, int need,
                         const std::function<bool(const nlohmann::json&)>& accept,
                         std::chrono::milliseconds timeout, bool just_enough,
                         const std::function<bool(const QuorumReplies&)>& enough) {
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    QuorumReplies replies;
    int done = 0;
  };
  auto st = std::make_shared<State>();
  size_t n = targets.size();
  st->replies.targets = targets;
  st->replies.answered.assign(n, false);
  st->replies.results.resize(n);
  auto record = [st, accept](size_t i, RpcResult r) {
    std::lock_guard<std::mutex> lock(st->mu);
    if (r.ok && accept(r.body)) ++st->replies.accepted;
    st->replies.answered[i] = true;
    st->replies.results[i] = std::move(r);
    ++st->done;
    st->cv.notify_all();
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::milliseconds(100);
  // Which targets go in the first wave.
  std::vector<bool> first(n, !just_enough);
  int local_index = -1;
  for (size_t i = 0; i < n; ++i) {
    if (targets[i] == peers.self()) local_index = static_cast<int>(i);
  }
  if (just_enough) {
    int chosen = 0;
    if (local_index >= 0) {
      first[local_index] = true;
      ++chosen;
    }
    for (int pass = 0; pass < 2 && chosen < need; ++pass) {
      for (size_t i = 0; i < n && chosen < need; ++i) {
        if (first[i] || (pass == 0 && !peers.Healthy(targets[i]))) continue;
        first[i] = true;
        ++chosen;
      }
    }
  }
  auto send = [&](size_t i) {
    if (static_cast<int>(i) == local_index) return;
    peers.CallAsync(targets[i], path, body, [record, i](RpcResult r) { record(i, std::move(r)); });
  };
  int in_wave = 0;
  for (size_t i = 0; i < n; ++i) {
    if (first[i]) {
      send(i);
      ++in_wave;
    }
  }
  if (local_index >= 0) {
    RpcResult r;
    auto res = local(path, body);
    if (res.ok()) {
      r.ok = true;
      r.body = std::move(res.value());
    } else {
      r.error = peers.id(peers.self()) + ": " + res.status().message();
    }
    record(static_cast<size_t>(local_index), std::move(r));
  }
  std::unique_lock<std::mutex> lock(st->mu);
  if (in_wave < static_cast<int>(n)) {
    // Wait for the first wave (briefly), then ask the rest if it fell short.
    st->cv.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + kFirstWaveWait), [&] {
      return st->replies.accepted >= need || st->done == in_wave;
    });
    if (st->replies.accepted >= need) {
      for (size_t i = 0; i < n; ++i) {
        if (first[i]) continue;
        st->replies.answered[i] = true;
        st->replies.results[i].delivered = false;
        st->replies.results[i].error = peers.id(targets[i]) + ": not asked";
      }
      return st->replies;
    }
    lock.unlock();
    for (size_t i = 0; i < n; ++i) {
      if (!first[i]) send(i);
    }
    lock.lock();
  }
  // A little beyond the per-RPC timeout, so a peer's own timeout reports first.
  st->cv.wait_until(lock, deadline, [&] {
    int outstanding = static_cast<int>(n) - st->done;
    if (enough) return outstanding == 0 || enough(st->replies);
    return st->replies.accepted >= need || outstanding == 0 || st->replies.accepted + outstanding < need;
  });
  return st->replies;
}

}  // namespace faultline::ringstore
