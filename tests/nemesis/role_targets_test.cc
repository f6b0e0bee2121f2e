// Targets that follow the cluster's roles: which nodes leader, primaries and
// non-leader name, and how a spec list mixing counts and roles is resolved.
#include "nemesis/role_targets.h"

#include <gtest/gtest.h>

#include "nemesis/node_selection.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace role_targets_test {
namespace {

const std::vector<std::string> kNodes = {"n1", "n2", "n3", "n4", "n5"};

ClusterInfo Cluster() {
  ClusterInfo c;
  for (const auto& n : kNodes) c.nodes.push_back(NodeInfo{n, "10.0.0." + n.substr(1), nullptr});
  return c;
}

// Roles as a store would report them (a fixed answer; counts the questions).
class FixedRoles : public HasRoles {
 public:
  explicit FixedRoles(Result<ClusterRoles> answer) : answer_(std::move(answer)) {}
  Result<ClusterRoles> Roles(const ClusterInfo&) override {
    ++asked;
    return answer_;
  }
  int asked = 0;

 private:
  Result<ClusterRoles> answer_;
};

TEST(RoleTargetsTest, EachRoleNamesItsNodes) {
  ClusterRoles roles{"n3", {"n4", "n2"}, "test"};
  EXPECT_EQ(*NodesForRole("leader", roles, kNodes), (std::vector<std::string>{"n3"}));
  EXPECT_EQ(*NodesForRole("primaries", roles, kNodes), (std::vector<std::string>{"n2", "n4"}));
  EXPECT_EQ(*NodesForRole("non-leader", roles, kNodes), (std::vector<std::string>{"n1", "n2", "n4", "n5"}));
  ClusterRoles none{"", {}, "no leader elected"};
  auto leader = NodesForRole("leader", none, kNodes);
  ASSERT_FALSE(leader.ok());
  EXPECT_EQ(leader.status().message(), "no leader known (no leader elected)");
  EXPECT_FALSE(NodesForRole("primaries", none, kNodes).ok());
  EXPECT_FALSE(NodesForRole("leader", ClusterRoles{"n9", {}, ""}, kNodes).ok()) << "not a cluster node";
}

TEST(RoleTargetsTest, ParsesRoleSpecsBesideCounts) {
  auto specs = ParseTargetSpecs("leader,one,non-leader,primaries");
  ASSERT_TRUE(specs.ok()) << specs.status().message();
  EXPECT_EQ(specs->size(), 4u);
  EXPECT_TRUE(IsRoleSpec("leader"));
  EXPECT_FALSE(IsRoleSpec("one"));
  EXPECT_EQ(*ParseTargetSpecs(""), TargetSpecs()) << "the default never aims at roles";
}

TEST(RoleTargetsTest, ARoleSpecAsksTheStoreAndRecordsWhy) {
  FixedRoles roles(ClusterRoles{"n2", {"n2"}, "etcd endpoint status: n2 leads"});
  Rng rng(1);
  auto c = PickRoleAwareTargets({"leader"}, Cluster(), &roles, rng);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->spec, "leader");
  EXPECT_EQ(c->nodes, (std::vector<std::string>{"n2"}));
  EXPECT_EQ(c->why, "etcd endpoint status: n2 leads");
  EXPECT_EQ(roles.asked, 1);
}

TEST(RoleTargetsTest, CountSpecsNeverAskForRoles) {
  FixedRoles roles(ClusterRoles{"n2", {"n2"}, ""});
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Rng a(seed), b(seed);
    auto c = PickRoleAwareTargets({"one", "majority"}, Cluster(), &roles, a);
    ASSERT_TRUE(c.ok());
    std::string spec;
    EXPECT_EQ(c->nodes, PickTargets({"one", "majority"}, kNodes, b, &spec)) << "same draws as PickTargets";
    EXPECT_EQ(c->spec, spec);
    EXPECT_TRUE(c->why.empty());
  }
  EXPECT_EQ(roles.asked, 0);
}

TEST(RoleTargetsTest, NoRolesOrAFailedQuestionIsAnError) {
  Rng rng(1);
  auto none = PickRoleAwareTargets({"primaries"}, Cluster(), nullptr, rng);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("reports no roles"), std::string::npos);
  FixedRoles down(Status::Error("no endpoint answered"));
  auto failed = PickRoleAwareTargets({"leader"}, Cluster(), &down, rng);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "targets \"leader\": no endpoint answered");
}

TEST(RoleTargetsTest, CheckRolesAvailableNamesTheOption) {
  EXPECT_TRUE(CheckRolesAvailable({"one", "all"}, nullptr, "kill: --fault-targets").ok());
  Status s = CheckRolesAvailable({"one", "leader"}, nullptr, "kill: --fault-targets");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "kill: --fault-targets leader: the target's Db cannot tell its roles (no HasRoles)");
}

}  // namespace
}  // namespace role_targets_test
}  // namespace faultline
