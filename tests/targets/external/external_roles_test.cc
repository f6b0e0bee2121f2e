// The external target's optional db.roles command (HasRoles): a spec with it
// gives a Db that reports the roles the command prints; without it the Db has
// no roles (role targets are refused before a run); output that names no node
// is an error quoting it. Runs the commands for real, on the controller
// ("nodes": "none"), in a temporary run directory.
#include <gtest/gtest.h>

#include <filesystem>

#include "targets/external/external_db.h"
#include "targets/external/external_spec.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class ExternalRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("extroles");
    ASSERT_FALSE(dir_.empty());
    cluster_.run_dir = dir_;
    cluster_.nodes.push_back(NodeInfo{"local", "127.0.0.1", nullptr});
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Db> DbWithRoles(const std::string& roles_command) {
    json j = {{"name", "rolestore"},
              {"nodes", "none"},
              {"fs", {"read"}},
              {"db", json::object()},
              {"client", {{"command", {"true"}}}}};
    if (!roles_command.empty()) j["db"]["roles"] = roles_command;
    auto spec = ParseExternalSpec(j.dump(), dir_ + "/t.json");
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    return MakeExternalDb(*spec, {});
  }

  std::string dir_;
  ClusterInfo cluster_;
};

TEST_F(ExternalRolesTest, TheRolesCommandsAnswerIsTheClustersRoles) {
  auto db = DbWithRoles(R"(echo '{"leader": "local", "primaries": ["local"]}')");
  auto* roles = dynamic_cast<HasRoles*>(db.get());
  ASSERT_NE(roles, nullptr);
  auto r = roles->Roles(cluster_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->leader, "local");
  EXPECT_EQ(r->primaries, (std::vector<std::string>{"local"}));
  EXPECT_EQ(r->why, R"(rolestore roles command on local: {"leader": "local", "primaries": ["local"]})");
}

TEST_F(ExternalRolesTest, NoCommandNoRoles) { EXPECT_EQ(dynamic_cast<HasRoles*>(DbWithRoles("").get()), nullptr); }

TEST_F(ExternalRolesTest, AnswersThatNameNoNodeOrFailAreErrors) {
  auto bad = DbWithRoles(R"(echo '{"leader": "n9"}')");
  auto r = dynamic_cast<HasRoles*>(bad.get())->Roles(cluster_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("roles printed {\"leader\": \"n9\"}, not {\"leader\": NODE"), std::string::npos)
      << r.status().message();
  auto failing = DbWithRoles("echo no leader >&2; exit 3");
  auto f = dynamic_cast<HasRoles*>(failing.get())->Roles(cluster_);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("no leader"), std::string::npos) << f.status().message();
}

}  // namespace
}  // namespace faultline
