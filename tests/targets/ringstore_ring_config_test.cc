// Unit tests of RingConfig (targets/ringstore/ring_config.h): the versioned
// ring, the joint phase of a membership change and its quorum rule, and the
// configuration's JSON form as peers exchange it.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "targets/ringstore/peer_set.h"
#include "targets/ringstore/ring_config.h"
#include "targets/ringstore/ring_state.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;

std::vector<Peer> Peers(int n) {
  std::vector<Peer> out;
  for (int i = 1; i <= n; ++i) out.push_back(Peer{"n" + std::to_string(i), "10.95.0." + std::to_string(i), 7000});
  return out;
}

TEST(RingConfigTest, JoinGoesThroughAJointEpochThenAStableOne) {
  RingConfig c = RingConfig::Initial(Peers(5), 64, 3);
  EXPECT_EQ(c.epoch(), 1u);
  EXPECT_FALSE(c.joint());
  auto joint = c.BeginJoin(Peer{"n6", "10.95.0.6", 7000});
  ASSERT_TRUE(joint.ok()) << joint.status().message();
  EXPECT_EQ(joint->epoch(), 2u);
  ASSERT_TRUE(joint->joint());
  EXPECT_EQ(joint->members().size(), 6u);
  EXPECT_EQ(joint->ring().nodes().size(), 5u);
  EXPECT_EQ(joint->next().nodes().size(), 6u);
  // One change at a time.
  EXPECT_EQ(joint->BeginJoin(Peer{"n7", "h", 1}).status().message(),
            "a membership change is already in progress (epoch 2)");
  EXPECT_FALSE(joint->BeginLeave("n1").ok());
  int moving = 0;
  for (int k = 0; k < 3000; ++k) {
    std::string key = "k" + std::to_string(k);
    auto sets = joint->ReplicaSets(key);
    if (joint->Moves(key)) {
      ++moving;
      ASSERT_EQ(sets.size(), 2u);
      // The new set differs from the old one by the joiner.
      EXPECT_NE(std::find(sets[1].begin(), sets[1].end(), "n6"), sets[1].end()) << key;
      EXPECT_TRUE(joint->Owns("n6", key));
    } else {
      EXPECT_EQ(sets.size(), 1u);
      EXPECT_FALSE(joint->Owns("n6", key));
    }
  }
  // With R=3 of 6 nodes, the joiner holds a replica of about half the keys.
  EXPECT_GT(moving, 3000 * 0.35);
  EXPECT_LT(moving, 3000 * 0.65);
  auto done = joint->Finish();
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->epoch(), 3u);
  EXPECT_FALSE(done->joint());
  EXPECT_EQ(done->members().size(), 6u);
  EXPECT_FALSE(done->Finish().ok());
  EXPECT_EQ(c.BeginJoin(Peer{"n3", "h", 1}).status().message(), "join: \"n3\" is already a member");
}

TEST(RingConfigTest, JointQuorumNeedsAMajorityOfBothReplicaSets) {
  RingConfig c = *RingConfig::Initial(Peers(5), 64, 3).BeginLeave("n2");
  std::string key;
  for (int k = 0; key.empty(); ++k) {
    std::string candidate = "k" + std::to_string(k);
    if (c.Moves(candidate)) key = candidate;
  }
  auto sets = c.ReplicaSets(key);
  ASSERT_EQ(sets.size(), 2u);
  const auto& old_set = sets[0];
  const auto& new_set = sets[1];
  EXPECT_NE(std::find(old_set.begin(), old_set.end(), "n2"), old_set.end());
  EXPECT_EQ(std::find(new_set.begin(), new_set.end(), "n2"), new_set.end());
  std::vector<std::string> common;
  for (const auto& id : new_set) {
    if (std::find(old_set.begin(), old_set.end(), id) != old_set.end()) common.push_back(id);
  }
  ASSERT_EQ(common.size(), 2u);  // a leave replaces exactly one replica
  // The leaver plus one common node: a majority of the old set (2 of 3) but
  // not of the new one (1 of 3), so not a joint quorum.
  EXPECT_FALSE(c.QuorumMet(key, {"n2", common[0]}));
  EXPECT_TRUE(c.QuorumMet(key, common)) << "the 2 common nodes are a majority of both sets";
  EXPECT_FALSE(c.QuorumMet(key, {common[0]}));
  EXPECT_TRUE(c.QuorumMet(key, c.Replicas(key)));
  EXPECT_EQ(c.Replicas(key).size(), 4u);
  // Stable configs need one majority.
  RingConfig stable = *c.Finish();
  auto r = stable.ReplicaSets(key);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(stable.QuorumMet(key, {r[0][0], r[0][1]}));
  EXPECT_FALSE(stable.QuorumMet(key, {r[0][0]}));
  EXPECT_FALSE(stable.Owns("n2", key));
}

TEST(RingConfigTest, LeaveNeverGoesBelowAMajorityOfTheReplicationFactor) {
  RingConfig c = RingConfig::Initial(Peers(3), 16, 3);
  auto two = c.BeginLeave("n3");
  ASSERT_TRUE(two.ok());
  RingConfig stable = *two->Finish();
  EXPECT_EQ(stable.members().size(), 2u);
  EXPECT_EQ(stable.BeginLeave("n1").status().message(),
            "leave: \"n1\" would leave 1 members, fewer than a majority of the replication factor (2)");
  EXPECT_EQ(stable.BeginLeave("n9").status().message(), "leave: \"n9\" is not a member");
  // Abort returns to the old ring under a newer epoch.
  auto joint = stable.BeginJoin(Peer{"n4", "h", 1});
  ASSERT_TRUE(joint.ok());
  RingConfig back = *joint->Abort();
  EXPECT_EQ(back.epoch(), joint->epoch() + 1);
  EXPECT_EQ(back.ring().nodes(), stable.ring().nodes());
  EXPECT_EQ(back.members().size(), 2u);
}

TEST(RingConfigTest, JsonRoundTripsAndBadJsonSaysWhy) {
  RingConfig joint = *RingConfig::Initial(Peers(4), 8, 3).BeginJoin(Peer{"n5", "10.95.0.5", 7001});
  json j = joint.ToJson();
  auto back = RingConfig::FromJson(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), j);
  EXPECT_EQ(back->epoch(), 2u);
  ASSERT_TRUE(back->joint());
  for (int k = 0; k < 500; ++k) {
    std::string key = "k" + std::to_string(k);
    EXPECT_EQ(back->ReplicaSets(key), joint.ReplicaSets(key));
  }
  EXPECT_EQ(back->FindMember("n5")->port, 7001);

  auto broken = [&](auto edit) {
    json b = j;
    edit(b);
    return RingConfig::FromJson(b).status().message();
  };
  EXPECT_EQ(broken([](json& b) { b.erase("epoch"); }), "ring config: \"epoch\" is not a positive integer");
  EXPECT_EQ(broken([](json& b) { b["members"][0]["port"] = 70000; }),
            "ring config: a member is not {\"id\", \"host\", \"port\" 1-65535}");
  EXPECT_EQ(broken([](json& b) { b["ring"]["tokens"][0][1] = "n9"; }),
            "ring config: \"ring\": a token names \"n9\", not a node");
  EXPECT_EQ(broken([](json& b) { b["next"]["tokens"][0][0] = "-1"; }),
            "ring config: \"next\": token point \"-1\" is not an unsigned 64-bit integer");
  EXPECT_EQ(broken([](json& b) { b["members"].erase(4); }), "ring config: ring node \"n5\" is not in \"members\"");
  EXPECT_EQ(RingConfig::FromJson(json::array()).status().message(), "ring config: not a JSON object");
}

// lww and eventual changes are not agreed: two of one epoch may exist, and
// with tie_break every node keeps the one with the greater digest (and only
// then: paxos mode never adopts a config of its own epoch).
TEST(RingStateTest, TieBreakKeepsTheGreaterDigestOfOneEpoch) {
  char tmpl[] = "/tmp/ringstate-test-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  {
    Config config;
    config.id = "n1";
    config.peers = {{"n1", "127.0.0.1", 1}, {"n2", "127.0.0.1", 2}, {"n3", "127.0.0.1", 3}};
    PeerSet peers(config, 1);
    RingConfig initial = RingConfig::Initial(config.peers, 8, 3);
    auto state = RingState::Open(dir, initial, &peers);
    ASSERT_TRUE(state.ok()) << state.status().message();
    auto a = initial.BeginJoin({"n4", "127.0.0.1", 4})->Finish();
    auto b = initial.BeginLeave("n3")->Finish();
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->epoch(), b->epoch());
    ASSERT_NE(a->Digest(), b->Digest());
    const RingConfig& hi = a->Digest() > b->Digest() ? *a : *b;
    const RingConfig& lo = a->Digest() > b->Digest() ? *b : *a;
    RingState& ring = **state;
    EXPECT_TRUE(*ring.Adopt(lo));
    EXPECT_FALSE(*ring.Adopt(hi));  // same epoch, no tie-break
    EXPECT_TRUE(*ring.Adopt(hi, true));
    EXPECT_FALSE(*ring.Adopt(lo, true));
    EXPECT_EQ(ring.digest(), hi.Digest());
    EXPECT_EQ(ring.Current()->ToJson(), hi.ToJson());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace faultline::ringstore
