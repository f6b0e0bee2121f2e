#include "nemesis/grudge.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace faultline {
namespace {

std::vector<std::string> Nodes(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back("n" + std::to_string(i));
  return out;
}

// Nodes `node` can hear, itself included.
std::set<std::string> Sees(const Grudge& g, const std::vector<std::string>& nodes,
                           const std::string& node) {
  std::set<std::string> sees(nodes.begin(), nodes.end());
  auto it = g.find(node);
  if (it != g.end()) {
    for (const auto& d : it->second) sees.erase(d);
  }
  return sees;
}

bool Drops(const Grudge& g, const std::string& a, const std::string& b) {
  auto it = g.find(a);
  return it != g.end() && it->second.count(b) > 0;
}

// Every grudge: names are cluster nodes, nobody drops itself, no empty entries.
void ExpectWellFormed(const Grudge& g, const std::vector<std::string>& nodes) {
  std::set<std::string> all(nodes.begin(), nodes.end());
  for (const auto& [node, drops] : g) {
    EXPECT_TRUE(all.count(node)) << node;
    EXPECT_FALSE(drops.empty()) << node;
    EXPECT_FALSE(drops.count(node)) << node << " drops itself";
    for (const auto& d : drops) EXPECT_TRUE(all.count(d)) << d;
  }
}

void ExpectSymmetric(const Grudge& g, const std::vector<std::string>& nodes) {
  for (const auto& a : nodes) {
    for (const auto& b : nodes) {
      EXPECT_EQ(Drops(g, a, b), Drops(g, b, a)) << a << " vs " << b;
    }
  }
}

// The "sees" relation splits the nodes into components that see exactly each other.
std::set<std::set<std::string>> ComponentsOf(const Grudge& g, const std::vector<std::string>& nodes) {
  std::set<std::set<std::string>> out;
  for (const auto& n : nodes) out.insert(Sees(g, nodes, n));
  return out;
}

class GrudgeSizes : public ::testing::TestWithParam<int> {};

TEST_P(GrudgeSizes, OneIsolatesExactlyOneNode) {
  const auto nodes = Nodes(GetParam());
  Rng rng(7);
  auto g = MakeGrudge("one", nodes, rng);
  ASSERT_TRUE(g.ok());
  ExpectWellFormed(*g, nodes);
  ExpectSymmetric(*g, nodes);
  auto comps = ComponentsOf(*g, nodes);
  ASSERT_EQ(comps.size(), 2u);
  std::vector<size_t> sizes;
  for (const auto& c : comps) sizes.push_back(c.size());
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<size_t>{1, nodes.size() - 1}));
  EXPECT_EQ(CutOffNodes(*g, nodes).size(), 1u);
}

TEST_P(GrudgeSizes, HalvesSplitInOrder) {
  const auto nodes = Nodes(GetParam());
  Grudge g = Halves(nodes);
  ExpectWellFormed(g, nodes);
  ExpectSymmetric(g, nodes);
  const size_t half = nodes.size() / 2;
  std::set<std::string> first(nodes.begin(), nodes.begin() + half);
  std::set<std::string> second(nodes.begin() + half, nodes.end());
  EXPECT_EQ(ComponentsOf(g, nodes), (std::set<std::set<std::string>>{first, second}));
  // Odd sizes: the smaller first half is the one cut off from a majority.
  EXPECT_EQ(CutOffNodes(g, nodes), std::vector<std::string>(first.begin(), first.end()));
}

TEST_P(GrudgeSizes, RandomHalvesAreTwoComponentsOfHalfSize) {
  const auto nodes = Nodes(GetParam());
  std::set<std::set<std::set<std::string>>> distinct;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    auto g = MakeGrudge("random-halves", nodes, rng);
    ASSERT_TRUE(g.ok());
    ExpectWellFormed(*g, nodes);
    ExpectSymmetric(*g, nodes);
    auto comps = ComponentsOf(*g, nodes);
    ASSERT_EQ(comps.size(), 2u);
    size_t smaller = std::min(comps.begin()->size(), comps.rbegin()->size());
    EXPECT_EQ(smaller, nodes.size() / 2);
    distinct.insert(comps);
  }
  EXPECT_GT(distinct.size(), 1u) << "random-halves never varied over 20 seeds";
}

TEST_P(GrudgeSizes, MajorityCutsOffAMinorityThatTalksWithinItself) {
  const auto nodes = Nodes(GetParam());
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    auto g = MakeGrudge("majority", nodes, rng);
    ASSERT_TRUE(g.ok());
    ExpectWellFormed(*g, nodes);
    ExpectSymmetric(*g, nodes);
    auto comps = ComponentsOf(*g, nodes);
    ASSERT_EQ(comps.size(), 2u);
    size_t small = std::min(comps.begin()->size(), comps.rbegin()->size());
    size_t big = std::max(comps.begin()->size(), comps.rbegin()->size());
    EXPECT_GE(small, 1u);
    EXPECT_GE(big, nodes.size() / 2 + 1) << "the rest must be a majority";
    EXPECT_EQ(CutOffNodes(*g, nodes).size(), small);
  }
}

TEST_P(GrudgeSizes, MajoritiesRingEveryNodeSeesADifferentMajority) {
  const auto nodes = Nodes(GetParam());
  const size_t majority = nodes.size() / 2 + 1;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Rng rng(seed);
    auto g = MakeGrudge("majorities-ring", nodes, rng);
    ASSERT_TRUE(g.ok());
    ExpectWellFormed(*g, nodes);
    std::set<std::set<std::string>> views;
    for (const auto& n : nodes) {
      auto sees = Sees(*g, nodes, n);
      EXPECT_EQ(sees.size(), majority) << n;
      EXPECT_TRUE(sees.count(n));
      views.insert(sees);
    }
    EXPECT_EQ(views.size(), nodes.size()) << "two nodes see the same majority";
    EXPECT_TRUE(CutOffNodes(*g, nodes).empty());
  }
}

TEST_P(GrudgeSizes, MajoritiesRingFollowsTheGivenRing) {
  const auto nodes = Nodes(GetParam());
  Grudge g = MajoritiesRing(nodes);
  const size_t n = nodes.size(), m = n / 2 + 1;
  // Node i sees the window of m ring positions with i at index m/2.
  for (size_t i = 0; i < n; ++i) {
    std::set<std::string> want;
    for (size_t k = 0; k < m; ++k) want.insert(nodes[(i + n - m / 2 + k) % n]);
    EXPECT_EQ(Sees(g, nodes, nodes[i]), want) << nodes[i];
  }
  // Every node hears its predecessor; its successor too once windows have 3+ nodes.
  for (size_t i = 0; i < n; ++i) {
    EXPECT_FALSE(Drops(g, nodes[(i + 1) % n], nodes[i]));
    EXPECT_EQ(Drops(g, nodes[i], nodes[(i + 1) % n]), m < 3);
  }
}

TEST_P(GrudgeSizes, BridgeNodeSeesEveryoneAndJoinsTwoHalves) {
  const auto nodes = Nodes(GetParam());
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Rng rng(seed);
    auto g = MakeGrudge("bridge", nodes, rng);
    ASSERT_TRUE(g.ok());
    ExpectWellFormed(*g, nodes);
    ExpectSymmetric(*g, nodes);
    std::vector<std::string> bridges;
    for (const auto& n : nodes) {
      if (Sees(*g, nodes, n).size() == nodes.size()) bridges.push_back(n);
    }
    ASSERT_EQ(bridges.size(), 1u) << "exactly one node sees everyone";
    const std::string bridge = bridges[0];
    for (const auto& n : nodes) EXPECT_FALSE(Drops(*g, n, bridge)) << n << " drops the bridge";
    // Without the bridge, the others form two sides that cannot hear each other.
    std::set<std::set<std::string>> sides;
    for (const auto& n : nodes) {
      if (n == bridge) continue;
      auto sees = Sees(*g, nodes, n);
      sees.erase(bridge);
      sides.insert(sees);
    }
    ASSERT_EQ(sides.size(), 2u);
    size_t total = 0;
    for (const auto& s : sides) total += s.size();
    EXPECT_EQ(total, nodes.size() - 1);
  }
}

TEST_P(GrudgeSizes, SameSeedSameGrudge) {
  const auto nodes = Nodes(GetParam());
  for (const auto& kind : GrudgeKinds()) {
    Rng a(99), b(99);
    auto ga = MakeGrudge(kind, nodes, a);
    auto gb = MakeGrudge(kind, nodes, b);
    ASSERT_TRUE(ga.ok() && gb.ok()) << kind;
    EXPECT_EQ(*ga, *gb) << kind;
  }
}

INSTANTIATE_TEST_SUITE_P(ClusterSizes, GrudgeSizes, ::testing::Values(3, 5, 7, 9));

TEST(GrudgeTest, BridgeOfFiveInOrder) {
  // n1 n2 | n3 n4 n5 with n3 the bridge.
  Grudge g = Bridge(Nodes(5));
  Grudge want = {{"n1", {"n4", "n5"}}, {"n2", {"n4", "n5"}}, {"n4", {"n1", "n2"}}, {"n5", {"n1", "n2"}}};
  EXPECT_EQ(g, want);
}

TEST(GrudgeTest, CompleteGrudgeOfThreeComponents) {
  Grudge g = CompleteGrudge({{"a"}, {"b", "c"}, {"d"}});
  Grudge want = {{"a", {"b", "c", "d"}}, {"b", {"a", "d"}}, {"c", {"a", "d"}}, {"d", {"a", "b", "c"}}};
  EXPECT_EQ(g, want);
}

TEST(GrudgeTest, RejectsUnknownKindAndTinyClusters) {
  Rng rng(1);
  auto bad = MakeGrudge("triangle", Nodes(5), rng);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown partition kind \"triangle\""), std::string::npos);
  EXPECT_NE(bad.status().message().find("majorities-ring"), std::string::npos);
  auto tiny = MakeGrudge("halves", Nodes(1), rng);
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.status().message().find("at least 2 nodes"), std::string::npos);
}

TEST(GrudgeTest, JsonRoundTripAndValidation) {
  const auto nodes = Nodes(5);
  Grudge g = Halves(nodes);
  auto j = GrudgeToJson(g);
  EXPECT_EQ(j["n1"], nlohmann::json({"n3", "n4", "n5"}));
  auto back = GrudgeFromJson(j, nodes);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, g);

  auto unknown = GrudgeFromJson({{"n9", {"n1"}}}, nodes);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown node \"n9\""), std::string::npos);
  auto self = GrudgeFromJson({{"n1", {"n1"}}}, nodes);
  ASSERT_FALSE(self.ok());
  EXPECT_NE(self.status().message().find("itself"), std::string::npos);
  EXPECT_FALSE(GrudgeFromJson(nlohmann::json::array(), nodes).ok());
  EXPECT_FALSE(GrudgeFromJson({{"n1", "n2"}}, nodes).ok());
}

}  // namespace
}  // namespace faultline
