#include "nemesis/node_selection.h"

#include <gtest/gtest.h>

#include <set>

namespace faultline {
namespace {

TEST(NodeSelectionTest, CountsPerSpec) {
  for (size_t n : {1, 3, 5, 7, 9}) {
    EXPECT_EQ(TargetCount("one", n), 1u);
    EXPECT_EQ(TargetCount("all", n), n);
    EXPECT_EQ(TargetCount("majority", n), n / 2 + 1);
    const size_t minority = TargetCount("minority", n);
    EXPECT_GE(minority, 1u);
    if (n >= 3) {
      EXPECT_LT(minority, n / 2 + 1) << "a minority of " << n;
    }
  }
  EXPECT_EQ(TargetCount("minority", 5), 2u);
  EXPECT_EQ(TargetCount("majority", 5), 3u);
}

TEST(NodeSelectionTest, ParsesListsAndRejectsUnknown) {
  auto all = ParseTargetSpecs("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, TargetSpecs());
  auto two = ParseTargetSpecs("one,all,one");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, (std::vector<std::string>{"one", "all"}));
  auto bad = ParseTargetSpecs("one,most");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown targets \"most\""), std::string::npos);
}

TEST(NodeSelectionTest, PicksDistinctNodesInClusterOrder) {
  const std::vector<std::string> nodes = {"n1", "n2", "n3", "n4", "n5"};
  std::set<std::vector<std::string>> seen;
  for (uint64_t seed = 0; seed < 30; ++seed) {
    Rng rng(seed);
    std::string spec;
    auto picked = PickTargets({"minority"}, nodes, rng, &spec);
    EXPECT_EQ(spec, "minority");
    ASSERT_EQ(picked.size(), 2u);
    EXPECT_LT(std::find(nodes.begin(), nodes.end(), picked[0]),
              std::find(nodes.begin(), nodes.end(), picked[1]));
    seen.insert(picked);
  }
  EXPECT_GT(seen.size(), 3u) << "targets barely vary with the seed";
  Rng a(5), b(5);
  EXPECT_EQ(PickTargets(TargetSpecs(), nodes, a), PickTargets(TargetSpecs(), nodes, b));
}

}  // namespace
}  // namespace faultline
