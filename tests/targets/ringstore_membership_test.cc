// ringstore membership changes on real processes (127.0.0.1): nodes join
// (--join) and leave (POST /admin/leave) while clients write, in paxos mode,
// and no acknowledged write is lost; with --handoff unsafe the same changes
// lose acknowledged writes (the broken migration the checkers must catch).
// In lww and eventual modes (Dynamo-style hand-off, handoff_membership.h)
// the ring moves to new nodes and the values written before move with it.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/targets/ringstore_cluster.h"

namespace faultline::ringstore::testing {
namespace {

using nlohmann::json;

// Polls node `via`'s GET /ring until `id` is (or is not) a member of a
// stable ring; returns the last /ring body.
json WaitMembership(RingstoreCluster& c, int via, const std::string& id, bool member) {
  json ring;
  for (int i = 0; i < 300; ++i) {
    ring = c.Client(via, 2.0)->Get("/ring").body;
    bool in = false;
    if (ring.is_object() && ring.contains("nodes")) {
      for (const auto& n : ring["nodes"]) in |= n == id;
    }
    if (ring.is_object() && !ring.value("joint", true) && in == member) return ring;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return ring;
}

TEST(RingstoreMembershipTest, JoinsAndLeavesUnderLoadLoseNoAcknowledgedWrite) {
  RingstoreCluster::Options o;
  o.nodes = 5;
  o.initial = 3;
  o.vnodes = 16;
  RingstoreCluster c(o);
  ASSERT_TRUE(c.StartAll());

  // Writers: counter-adds and set-adds on 16 keys through the nodes that
  // are members at the time (a departed node refuses, definitely).
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<std::string, int> acked_adds, maybe_adds;  // counter key -> count
  std::set<std::string> acked_elements, tried_elements;
  std::atomic<int> member_of{0};  // bit i: node i serves clients
  member_of = 0b00111;
  std::vector<std::thread> writers;
  // Stops and joins the writers however the test ends (a failed ASSERT
  // returns early; a joinable thread's destructor would abort).
  struct Joiner {
    std::atomic<bool>* stop;
    std::vector<std::thread>* threads;
    ~Joiner() {
      *stop = true;
      for (auto& t : *threads) {
        if (t.joinable()) t.join();
      }
    }
  } joiner{&stop, &writers};
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        int node = (w + i) % 5;
        if (!(member_of.load() & (1 << node))) continue;
        auto client = c.Client(node, 5.0);
        std::string key = "k" + std::to_string((w * 7 + i) % 16);
        std::string element = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto r1 = client->Post("/counter/" + key + "/add", json{{"delta", 1}});
        auto r2 = client->Post("/set/" + key + "/add", json{{"element", element}});
        std::lock_guard<std::mutex> lock(mu);
        if (r1.status == 200) acked_adds[key]++;
        // (a body that is not a JSON object, e.g. a reset connection's,
        // is not a definite failure either)
        else if (r1.status == 0 || !r1.body.is_object() || !r1.body.value("definite", false)) maybe_adds[key]++;
        tried_elements.insert(element);
        if (r2.status == 200) acked_elements.insert(element);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // n4 and n5 join through --join (node 0 runs each change).
  ASSERT_TRUE(c.Start(3));
  json ring = WaitMembership(c, 0, "n4", true);
  ASSERT_EQ(ring["nodes"].size(), 4u) << ring.dump();
  member_of |= 1 << 3;
  ASSERT_TRUE(c.Start(4));
  ring = WaitMembership(c, 0, "n5", true);
  ASSERT_EQ(ring["nodes"].size(), 5u) << ring.dump();
  member_of |= 1 << 4;
  // n1 and n2 leave; each change is run by a node that stays.
  for (int leaver : {0, 1}) {
    auto r = c.Client(2, 30.0)->Post("/admin/leave", json{{"id", c.id(leaver)}});
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_GT(r.body["moved_keys"].get<int>(), 0) << r.raw;
    EXPECT_EQ(r.body["moved_keys"], r.body["copied_keys"]);
    member_of &= ~(1 << leaver);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  for (auto& t : writers) t.join();
  writers.clear();

  ring = c.Client(2)->Get("/ring").body;
  // 4 changes, each a joint epoch then a stable one.
  EXPECT_EQ(ring["epoch"], 9) << ring.dump();
  EXPECT_EQ(ring["nodes"], json({"n3", "n4", "n5"}));
  // A departed node refuses, definitely, and says where to go.
  auto refused = c.Client(0)->Get("/counter/k1");
  EXPECT_EQ(refused.status, 503) << refused.raw;
  ASSERT_TRUE(refused.body.is_object()) << refused.raw;
  EXPECT_TRUE(refused.body.value("definite", false));
  // n1 left first, yet it still hears the members' heartbeats and so
  // points at the current ring (n3, n4, n5), not the one it left.
  EXPECT_EQ(refused.body["members"].size(), 3u) << refused.raw;

  // A definite 503 (no quorum in time: on a loaded machine heartbeats go
  // missing for a moment) is a legitimate answer; the check is about the
  // values, so a final read is retried a few times, a little apart.
  auto read = [&](int node, const std::string& path) {
    JsonResponse r;
    for (int attempt = 0; attempt < 10; ++attempt) {
      r = c.Client(node, 10.0)->Get(path);
      if (r.status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    }
    return r;
  };
  int total_acked = 0;
  for (int k = 0; k < 16; ++k) {
    std::string key = "k" + std::to_string(k);
    auto counter = read(3, "/counter/" + key);
    ASSERT_EQ(counter.status, 200) << counter.raw;
    int v = counter.body["value"].get<int>();
    EXPECT_GE(v, acked_adds[key]) << key << ": acknowledged adds lost";
    EXPECT_LE(v, acked_adds[key] + maybe_adds[key]) << key;
    total_acked += acked_adds[key];
    auto set = read(4, "/set/" + key);
    ASSERT_EQ(set.status, 200) << set.raw;
    for (const auto& e : set.body["value"]) {
      EXPECT_TRUE(tried_elements.count(e.get<std::string>())) << "never added: " << e;
      acked_elements.erase(e.get<std::string>());
    }
  }
  EXPECT_TRUE(acked_elements.empty()) << acked_elements.size() << " acknowledged set elements lost, e.g. "
                                      << *acked_elements.begin();
  EXPECT_GT(total_acked, 50) << "the writers barely ran";
}

// A member that missed a change's broadcasts (paused here; cut off or
// restarting in a real run) learns the new ring from its peers' heartbeats,
// with no client traffic of its own. Before ring gossip it kept the old ring
// until one of its own rounds was refused as stale, and a node that only
// forwards never runs one: it kept routing a key to the old ring's leader
// while the others used the new one's, two leaders duelling on every key.
TEST(RingstoreMembershipTest, NodeThatMissedAChangeLearnsTheRingFromHeartbeats) {
  RingstoreCluster::Options o;
  o.nodes = 4;
  RingstoreCluster c(o);
  ASSERT_TRUE(c.StartAll());
  ASSERT_EQ(c.Client(3)->Get("/ring").body["epoch"], 1);
  c.Pause(3);
  // Missing one member of replication factor 3 is allowed.
  auto left = c.Client(1, 30.0)->Post("/admin/leave", json{{"id", "n1"}});
  c.Resume(3);
  ASSERT_EQ(left.status, 200) << left.raw;
  ASSERT_EQ(left.body["epoch"], 3) << left.raw;
  json ring;
  for (int i = 0; i < 50; ++i) {
    ring = c.Client(3, 2.0)->Get("/ring").body;
    if (ring.is_object() && ring.value("epoch", 0) == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(ring["epoch"], 3) << ring.dump();
  EXPECT_EQ(ring["nodes"], json({"n2", "n3", "n4"})) << ring.dump();
  EXPECT_FALSE(ring.value("joint", true)) << ring.dump();
}

// A change cut short leaves the ring joint; a different change asked later
// waits for it, then finishes it itself and goes on (it used to answer 409
// "another membership change is in progress" at once, and every caller
// retried). Values written before stay readable throughout.
TEST(RingstoreMembershipTest, ChangeFinishesAStuckJointChangeFirst) {
  RingstoreCluster::Options o;
  o.nodes = 5;
  o.vnodes = 16;
  RingstoreCluster c(o);
  ASSERT_TRUE(c.StartAll());
  for (int k = 0; k < 20; ++k) {
    auto r = c.Client(k % 5)->Put("/kv/key" + std::to_string(k), json{{"value", k}});
    ASSERT_EQ(r.status, 200) << r.raw;
  }
  // n9 never runs, and n5 is paused: two members miss the joint ring, one
  // more than replication factor 3 allows, so the join stops, left joint.
  c.Pause(4);
  auto join = c.Client(0, 30.0)->Post("/admin/join", json{{"id", "n9"}, {"host", "127.0.0.1"}, {"port", 1}});
  c.Resume(4);
  ASSERT_EQ(join.status, 503) << join.raw;
  EXPECT_FALSE(join.body.value("definite", true)) << join.raw;
  ASSERT_TRUE(c.Client(1)->Get("/ring").body.value("joint", false));
  // Asked of another node: it finishes n9's join, then makes its own change.
  auto leave = c.Client(1, 60.0)->Post("/admin/leave", json{{"id", "n3"}});
  ASSERT_EQ(leave.status, 200) << leave.raw;
  EXPECT_EQ(leave.body["epoch"], 5) << leave.raw;
  EXPECT_EQ(leave.body["members"], json({"n1", "n2", "n4", "n5", "n9"})) << leave.raw;
  for (int k = 0; k < 20; ++k) {
    auto r = c.Client(k % 2)->Get("/kv/key" + std::to_string(k));
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["value"], k) << "key" << k;
  }
}

// The same stuck joint ring, but the node asked is cut off from most
// members: it answers at once that another member should be asked (the
// Db's admin call then tries the next member) instead of waiting for the
// other change and failing to finish it from there.
TEST(RingstoreMembershipTest, CutOffNodeSendsAChangeElsewhereWhileTheRingIsJoint) {
  RingstoreCluster::Options o;
  o.nodes = 5;
  o.vnodes = 16;
  RingstoreCluster c(o);
  ASSERT_TRUE(c.StartAll());
  c.Pause(4);
  auto join = c.Client(0, 30.0)->Post("/admin/join", json{{"id", "n9"}, {"host", "127.0.0.1"}, {"port", 1}});
  c.Resume(4);
  ASSERT_EQ(join.status, 503) << join.raw;
  for (int i : {1, 2, 3}) c.Pause(i);
  // Heartbeats mark them suspected within ~0.35 s.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const auto asked = std::chrono::steady_clock::now();
  auto leave = c.Client(0, 30.0)->Post("/admin/leave", json{{"id", "n3"}});
  const auto took = std::chrono::steady_clock::now() - asked;
  for (int i : {1, 2, 3}) c.Resume(i);
  EXPECT_EQ(leave.status, 503) << leave.raw;
  EXPECT_TRUE(leave.body.value("ask_another", false)) << leave.raw;
  EXPECT_LT(took, std::chrono::seconds(3)) << "waited for the other change although cut off";
  // (ChangeFinishesAStuckJointChangeFirst shows a node that hears the
  // others finishing it.)
}

TEST(RingstoreMembershipTest, UnsafeHandoffLosesAcknowledgedWrites) {
  RingstoreCluster::Options o;
  o.nodes = 5;
  o.vnodes = 16;
  o.extra_args = {"--handoff", "unsafe"};
  RingstoreCluster c(o);
  ASSERT_TRUE(c.StartAll());
  const int keys = 100;
  std::vector<int> last(keys);
  for (int k = 0; k < keys; ++k) {
    auto r = c.Client(k % 5)->Put("/kv/key" + std::to_string(k), json{{"value", k}});
    ASSERT_EQ(r.status, 200) << r.raw;
    last[k] = k;
  }
  // Two leaves; while each one's late copy is pending, every key gets a new
  // acknowledged value through a node that stays.
  for (int leaver : {0, 1}) {
    JsonResponse left;
    std::thread change([&] { left = c.Client(4, 30.0)->Post("/admin/leave", json{{"id", c.id(leaver)}}); });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    for (int k = 0; k < keys; ++k) {
      int v = (leaver + 1) * 1000 + k;
      auto r = c.Client(2 + k % 3)->Put("/kv/key" + std::to_string(k), json{{"value", v}});
      if (r.status == 200) last[k] = v;
    }
    change.join();
    ASSERT_EQ(left.status, 200) << left.raw;
    EXPECT_EQ(left.body["handoff"], "unsafe");
  }
  int lost = 0;
  for (int k = 0; k < keys; ++k) {
    auto r = c.Client(2 + k % 3)->Get("/kv/key" + std::to_string(k));
    ASSERT_EQ(r.status, 200) << r.raw;
    if (r.body["value"] != last[k]) ++lost;
  }
  EXPECT_GT(lost, 0) << "ownership moved before the data, yet no acknowledged write was lost";
}

TEST(RingstoreMembershipTest, BadChangesAreRefusedDefinitely) {
  RingstoreCluster::Options o;
  o.nodes = 3;
  RingstoreCluster c(o);
  ASSERT_TRUE(c.StartAll());
  auto client = c.Client(0);
  auto r = client->Post("/admin/leave", json{{"id", "n9"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["error"], "leave: \"n9\" is not a member");
  r = client->Post("/admin/join", json{{"id", "n2"}, {"host", "127.0.0.1"}, {"port", 1}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["error"], "join: \"n2\" is already a member");
  r = client->Post("/admin/join", json{{"id", "n4"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(r.body.value("definite", false));
  // Leaving down to 2 of replication factor 3 is allowed, below is not.
  r = client->Post("/admin/leave", json{{"id", "n3"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  r = client->Post("/admin/leave", json{{"id", "n2"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["error"],
            "leave: \"n2\" would leave 1 members, fewer than a majority of the replication factor (2)");
  EXPECT_EQ(client->Get("/ring").body["epoch"], 3);
}

// lww and eventual modes: the ring moves from n1-n3 to n4-n5 entirely (two
// joins, three leaves), and every value written before (on n1-n3 only, or on
// all five) is read from the new owners, with the old ones killed: only the
// hand-off can have put them there.
void HandsValuesToNewOwners(const std::string& mode) {
  RingstoreCluster::Options o;
  o.nodes = 5;
  o.initial = 3;
  o.vnodes = 16;
  o.mode = mode;
  RingstoreCluster c(o);
  ASSERT_TRUE(c.StartAll());
  const int keys = 60;
  auto put = [&](int k, int node) {
    auto r = c.Client(node)->Put("/kv/key" + std::to_string(k), json{{"value", k}});
    ASSERT_EQ(r.status, 200) << mode << " key" << k << ": " << r.raw;
  };
  for (int k = 0; k < keys / 2; ++k) put(k, k % 3);
  for (int joiner : {3, 4}) {
    ASSERT_TRUE(c.Start(joiner));
    json ring = WaitMembership(c, 0, c.id(joiner), true);
    ASSERT_EQ(ring["nodes"].size(), static_cast<size_t>(joiner + 1)) << ring.dump();
  }
  for (int k = keys / 2; k < keys; ++k) put(k, k % 5);
  if (mode == "eventual") {
    // Writes reach the other replicas asynchronously (to the joiners too:
    // their queues are made when first needed); let them drain.
    for (int i = 0; i < 100; ++i) {
      int pending = 0;
      for (int n = 0; n < 5; ++n) {
        json status = c.Client(n)->Get("/status").body;
        for (const auto& [peer, count] : status["coordinator"]["replication_pending"].items()) {
          pending += count.get<int>();
        }
      }
      if (pending == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  for (int leaver : {0, 1, 2}) {
    const auto asked = std::chrono::steady_clock::now();
    auto r = c.Client(3, 30.0)->Post("/admin/leave", json{{"id", c.id(leaver)}});
    ASSERT_EQ(r.status, 200) << mode << ": " << r.raw;
    EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(10)) << r.raw;
    EXPECT_EQ(r.body["handoff"], "dynamo") << r.raw;
    EXPECT_GT(r.body["moved_keys"].get<int>(), 0) << r.raw;
    EXPECT_EQ(r.body["moved_keys"], r.body["copied_keys"]) << r.raw;
    EXPECT_EQ(r.body["missed"], json::array()) << r.raw;
    c.Kill(leaver);  // what it held is gone with it
  }
  json ring = c.Client(3)->Get("/ring").body;
  // 5 changes, each two epochs (as in paxos mode).
  EXPECT_EQ(ring["epoch"], 11) << ring.dump();
  EXPECT_EQ(ring["nodes"], json({"n4", "n5"})) << ring.dump();
  EXPECT_FALSE(ring.value("joint", true)) << ring.dump();
  EXPECT_EQ(c.Client(4)->Get("/ring").body["epoch"], 11);
  for (int k = 0; k < keys; ++k) {
    for (int node : {3, 4}) {
      auto r = c.Client(node)->Get("/kv/key" + std::to_string(k));
      ASSERT_EQ(r.status, 200) << mode << ": " << r.raw;
      EXPECT_EQ(r.body["value"], k) << mode << " key" << k << " read from " << c.id(node);
    }
  }
}

TEST(RingstoreMembershipTest, LwwJoinsAndLeavesHandValuesToNewOwners) { HandsValuesToNewOwners("lww"); }
TEST(RingstoreMembershipTest, EventualJoinsAndLeavesHandValuesToNewOwners) { HandsValuesToNewOwners("eventual"); }

// A Dynamo-style change needs no agreement, but still refuses what makes no
// sense, definitely, and answers with the new ring.
TEST(RingstoreMembershipTest, LwwChangesAnswerWithTheNewRingOrRefuse) {
  RingstoreCluster::Options o;
  o.nodes = 3;
  o.mode = "lww";
  RingstoreCluster c(o);
  ASSERT_TRUE(c.StartAll());
  auto client = c.Client(0, 30.0);
  auto r = client->Post("/admin/join", json{{"id", "n2"}, {"host", "127.0.0.1"}, {"port", 1}});
  EXPECT_EQ(r.status, 409) << r.raw;
  EXPECT_EQ(r.body["error"], "join: \"n2\" is already a member");
  r = client->Post("/admin/join", json{{"id", "n4"}});
  EXPECT_EQ(r.status, 400) << r.raw;
  r = client->Post("/admin/leave", json{{"id", "n9"}});
  EXPECT_EQ(r.status, 409) << r.raw;
  // n9 never runs: it misses the new ring, and the change still answers, at once.
  const auto asked = std::chrono::steady_clock::now();
  r = client->Post("/admin/join", json{{"id", "n9"}, {"host", "127.0.0.1"}, {"port", 1}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(10));
  EXPECT_EQ(r.body["epoch"], 3) << r.raw;
  EXPECT_EQ(r.body["members"], json({"n1", "n2", "n3", "n9"})) << r.raw;
  EXPECT_EQ(r.body["missed"], json({"n9"})) << r.raw;
  r = client->Post("/admin/leave", json{{"id", "n9"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["epoch"], 5) << r.raw;
  EXPECT_EQ(c.Client(2)->Get("/ring").body["nodes"], json({"n1", "n2", "n3"}));
  // A joiner's own request that waited while the ring moved on is stale.
  r = client->Post("/admin/join", json{{"id", "n8"}, {"host", "127.0.0.1"}, {"port", 1}, {"epoch", 3}});
  EXPECT_EQ(r.status, 409) << r.raw;
  EXPECT_EQ(r.body["error"], "stale join of \"n8\": asked at ring epoch 3, the ring is at 5") << r.raw;
  // Hearing no other member it could hand nothing off: another member may.
  c.Pause(1);
  c.Pause(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  r = client->Post("/admin/join", json{{"id", "n8"}, {"host", "127.0.0.1"}, {"port", 1}});
  c.Resume(1);
  c.Resume(2);
  EXPECT_EQ(r.status, 503) << r.raw;
  EXPECT_TRUE(r.body.value("ask_another", false)) << r.raw;
  EXPECT_TRUE(r.body.value("definite", false)) << r.raw;
}

}  // namespace
}  // namespace faultline::ringstore::testing
