// ringstore under crashes and lost nodes, with real processes on 127.0.0.1:
// kill -9 and restart of every replica in turn keeps every acknowledged write;
// concurrent cas never lets two cas with the same expected value both succeed;
// 1 of 3 down still serves; 2 of 3 down (killed or paused) gives definite or
// indefinite errors, never a wrong answer; 5-node placement follows the ring.
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "targets/ringstore/hash_ring.h"
#include "tests/targets/ringstore_cluster.h"

namespace faultline::ringstore::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// An error answer must say whether it is definite.
void ExpectErrorShape(const JsonResponse& r) {
  ASSERT_TRUE(r.body.is_object()) << r.status << " " << r.raw;
  EXPECT_TRUE(r.body.contains("error")) << r.raw;
  ASSERT_TRUE(r.body.contains("definite")) << r.raw;
  EXPECT_TRUE(r.body["definite"].is_boolean()) << r.raw;
}

TEST(RingstoreFaultTest, KillNineAndRestartOfEveryReplicaKeepsAcknowledgedWrites) {
  RingstoreCluster cluster({});
  ASSERT_TRUE(cluster.StartAll());
  constexpr int kWriters = 6;
  std::atomic<bool> stop{false};
  // Per writer key: last acknowledged value and the highest value attempted.
  std::vector<int64_t> acked(kWriters, 0), attempted(kWriters, 0);
  std::vector<int> indefinite(kWriters, 0);
  std::atomic<int64_t> total_acked{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      // Writers talk to every node in turn, so some always hit a live one.
      std::vector<std::unique_ptr<JsonClient>> clients;
      for (int i = 0; i < cluster.size(); ++i) clients.push_back(cluster.Client(i, 3.0));
      for (int64_t v = 1; !stop; ++v) {
        attempted[w] = v;
        auto r = clients[v % clients.size()]->Put("/kv/crash-" + std::to_string(w), json{{"value", v}});
        if (r.status == 200) {
          acked[w] = v;
          ++total_acked;
        } else if (r.status == 0 || !r.body.value("definite", false)) {
          ++indefinite[w];
          clients[v % clients.size()] = cluster.Client(static_cast<int>(v % clients.size()), 3.0);
        }
      }
    });
  }
  auto wait_acks = [&](int64_t n) {
    int64_t target = total_acked + n;
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (total_acked < target && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return total_acked >= target;
  };
  ASSERT_TRUE(wait_acks(100));
  for (int i = 0; i < cluster.size(); ++i) {
    cluster.Kill(i);  // SIGKILL in the middle of the write stream
    EXPECT_TRUE(wait_acks(100)) << "writes stalled with " << cluster.id(i) << " down";
    ASSERT_TRUE(cluster.Start(i)) << cluster.Log(i);
    EXPECT_TRUE(wait_acks(50));
  }
  stop = true;
  for (auto& t : writers) t.join();
  // Finally crash every node at once and recover from the logs alone.
  for (int i = 0; i < cluster.size(); ++i) cluster.Kill(i);
  ASSERT_TRUE(cluster.StartAll());
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < cluster.size(); ++i) {
      auto r = cluster.Client(i)->Get("/kv/crash-" + std::to_string(w));
      ASSERT_EQ(r.status, 200) << r.raw;
      int64_t v = r.body["value"].get<int64_t>();
      // Never older than the last acknowledged write; newer only by an
      // attempted (unacknowledged or indefinite) write.
      EXPECT_GE(v, acked[w]) << "acknowledged write lost on key crash-" << w;
      EXPECT_LE(v, attempted[w]);
    }
  }
  EXPECT_GT(total_acked.load(), 500);
}

TEST(RingstoreFaultTest, ConcurrentCasNeverDoubleSucceeds) {
  RingstoreCluster cluster({});
  ASSERT_TRUE(cluster.StartAll());
  ASSERT_EQ(cluster.Client(0)->Put("/kv/ctr", json{{"value", 0}}).status, 200);
  constexpr int kThreads = 12;
  constexpr size_t kWantSuccesses = 30;
  std::mutex mu;
  std::multiset<int64_t> succeeded;  // expected values of successful cas
  int indefinite = 0, failed = 0;
  std::vector<std::thread> threads;
  // Until enough cas succeeded (the pace depends on this disk's fsync), at
  // most 10 s.
  auto deadline = Clock::now() + std::chrono::seconds(10);
  auto done = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return succeeded.size() >= kWantSuccesses || Clock::now() >= deadline;
  };
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = cluster.Client(t % cluster.size());
      while (!done()) {
        auto r = c->Get("/kv/ctr");
        if (r.status != 200) continue;
        int64_t v = r.body["value"].get<int64_t>();
        auto cas = c->Post("/kv/ctr/cas", json{{"expected", v}, {"new", v + 1}});
        std::lock_guard<std::mutex> lock(mu);
        if (cas.status == 200) {
          succeeded.insert(v);
        } else if (cas.status == 409 || cas.body.value("definite", false)) {
          ++failed;
        } else {
          ++indefinite;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> distinct(succeeded.begin(), succeeded.end());
  EXPECT_EQ(distinct.size(), succeeded.size()) << "two cas with the same expected value both succeeded";
  EXPECT_GE(succeeded.size(), 10u) << "contended cas made almost no progress";
  EXPECT_GT(failed, 0) << "the threads never actually contended";
  // The successful chain 0->1->2->... ends at the final value: every success
  // lies below it, and only indefinite cas can account for missing links.
  auto final_read = cluster.Client(1)->Get("/kv/ctr");
  ASSERT_EQ(final_read.status, 200) << final_read.raw;
  int64_t final_value = final_read.body["value"].get<int64_t>();
  EXPECT_GE(final_value, static_cast<int64_t>(succeeded.size()));
  EXPECT_LE(final_value, static_cast<int64_t>(succeeded.size()) + indefinite);
  for (int64_t v : distinct) EXPECT_LT(v, final_value) << "a successful cas from " << v << " is not in the chain";
  std::printf("cas: %zu succeeded, %d failed, %d indefinite, final value %lld\n", succeeded.size(), failed,
              indefinite, static_cast<long long>(final_value));
}

TEST(RingstoreFaultTest, OneOfThreeDownStillServesEverything) {
  RingstoreCluster cluster({});
  ASSERT_TRUE(cluster.StartAll());
  cluster.Kill(2);
  for (int i = 0; i < 2; ++i) {
    auto c = cluster.Client(i);
    std::string k = "one-down-" + std::to_string(i);
    auto put = c->Put("/kv/" + k, json{{"value", 1}});
    EXPECT_EQ(put.status, 200) << put.raw;
    auto cas = c->Post("/kv/" + k + "/cas", json{{"expected", 1}, {"new", 2}});
    EXPECT_EQ(cas.status, 200) << cas.raw;
    EXPECT_EQ(c->Get("/kv/" + k).body["value"], 2);
    EXPECT_EQ(c->Post("/set/" + k + "/add", json{{"element", "e"}}).status, 200);
    EXPECT_EQ(c->Get("/set/" + k).body["value"], json::array({"e"}));
    EXPECT_EQ(c->Post("/counter/" + k + "/add", json{{"delta", 5}}).status, 200);
    EXPECT_EQ(c->Get("/counter/" + k).body["value"], 5);
  }
  // The restarted node catches up through Paxos: reads via it see the writes.
  ASSERT_TRUE(cluster.Start(2));
  EXPECT_EQ(cluster.Client(2)->Get("/kv/one-down-0").body["value"], 2);
  EXPECT_EQ(cluster.Client(2)->Get("/counter/one-down-1").body["value"], 5);
}

TEST(RingstoreFaultTest, TwoOfThreeDownFailsButNeverLies) {
  RingstoreCluster cluster({});
  ASSERT_TRUE(cluster.StartAll());
  auto c = cluster.Client(0);
  ASSERT_EQ(c->Put("/kv/two-down", json{{"value", 1}}).status, 200);
  std::set<int> possible = {1};  // values the key may hold
  // Killed peers (connection refused), then paused peers (timeouts).
  for (int round = 0; round < 2; ++round) {
    if (round == 0) {
      cluster.Kill(1);
      cluster.Kill(2);
    } else {
      cluster.Pause(1);
      cluster.Pause(2);
    }
    auto start = Clock::now();
    auto read = c->Get("/kv/two-down");
    EXPECT_NE(read.status, 200) << "answered without a quorum: " << read.raw;
    ExpectErrorShape(read);
    EXPECT_TRUE(read.body.value("definite", false)) << read.raw;  // a read never takes effect
    auto write = c->Put("/kv/two-down", json{{"value", 2}});
    EXPECT_NE(write.status, 200) << write.raw;
    ExpectErrorShape(write);
    auto cas = c->Post("/kv/two-down/cas", json{{"expected", 1}, {"new", 3}});
    EXPECT_NE(cas.status, 200) << cas.raw;
    ExpectErrorShape(cas);
    // A definite error must never take effect; an indefinite one may (its
    // accept reached this node's acceptor and a later round may finish it).
    if (!write.body.value("definite", true)) possible.insert(2);
    if (!cas.body.value("definite", true)) possible.insert(3);
    auto add = c->Post("/counter/two-down/add", json{{"delta", 1}});
    EXPECT_NE(add.status, 200);
    ExpectErrorShape(add);
    // Bounded: a paused peer must not hang the coordinator.
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(12));
    if (round == 0) {
      ASSERT_TRUE(cluster.Start(1));
      ASSERT_TRUE(cluster.Start(2));
    } else {
      cluster.Resume(1);
      cluster.Resume(2);
    }
    // Definite failures took no effect: 1, or what an indefinite one wrote.
    JsonResponse after;
    for (int tries = 0; tries < 50; ++tries) {
      after = cluster.Client(1)->Get("/kv/two-down");
      if (after.status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(after.status, 200) << after.raw;
    ASSERT_TRUE(after.body["value"].is_number_integer()) << after.raw;
    EXPECT_TRUE(possible.count(after.body["value"].get<int>()))
        << "value " << after.raw << " was written by a definitely failed operation";
    possible = {after.body["value"].get<int>()};
  }
}

TEST(RingstoreFaultTest, FiveNodesPlaceKeysOnTheirRingReplicas) {
  RingstoreCluster::Options options;
  options.nodes = 5;
  RingstoreCluster cluster(options);
  ASSERT_TRUE(cluster.StartAll());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(cluster.id(i));
  HashRing ring(ids, 64, 3);
  std::vector<size_t> expected(5, 0);
  constexpr int kKeys = 150;
  for (int k = 0; k < kKeys; ++k) {
    std::string key = "place-" + std::to_string(k);
    ASSERT_EQ(cluster.Client(k % 5)->Put("/kv/" + key, json{{"value", k}}).status, 200);
    for (int n : ring.ReplicasFor(key)) expected[n]++;
    EXPECT_EQ(cluster.Client((k + 1) % 5)->Get("/ring?key=" + key).body["key_replicas"],
              json(ring.ReplicaIdsFor(key)));
  }
  // Paxos rounds ask just a majority of each key's replicas while all are
  // healthy, so a node holds at most the keys the ring assigns it, never any
  // other, and every key is on at least a majority (2) of its replicas.
  size_t total = 0;
  for (int i = 0; i < 5; ++i) {
    size_t keys = cluster.Client(i)->Get("/status").body["keys"].get<size_t>();
    EXPECT_LE(keys, expected[i]) << cluster.id(i) << " holds keys the ring does not assign it";
    total += keys;
  }
  EXPECT_GE(total, 2u * kKeys);
  // With one node down every key still has 2 of 3 replicas: all readable.
  cluster.Kill(4);
  for (int k = 0; k < kKeys; k += 7) {
    auto r = cluster.Client(k % 4)->Get("/kv/place-" + std::to_string(k));
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["value"], k);
  }
}

}  // namespace
}  // namespace faultline::ringstore::testing
