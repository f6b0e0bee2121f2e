// The external target's membership commands (db.join, db.leave, db.members,
// db.min_members): the spec keys are read and checked (all three commands or
// none, not without nodes), the Db is Reconfigurable exactly when they are
// given, and each change runs the right command on the right node with the
// FAULTLINE_* environment, after the checks the members command allows
// (already a member, not a member, below the floor). A recording Remote
// stands in for the nodes: it answers the members command from a list the
// test sets and records every script.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "harness/control/remote.h"
#include "targets/external/external_db.h"
#include "targets/external/external_spec.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

// Answers the members command with `members` (a JSON text), join and leave
// with `report`; records each script.
class RecordingRemote : public Remote {
 public:
  RecordingRemote(std::string node, std::string address, std::string* members, std::vector<std::string>* scripts)
      : node_(std::move(node)), address_(std::move(address)), members_(members), scripts_(scripts) {}
  const std::string& node() const override { return node_; }
  const std::string& address() const override { return address_; }
  Result<ExecResult> Exec(const std::string& command, const std::string& = "",
                          std::chrono::milliseconds = std::chrono::seconds(60)) override {
    scripts_->push_back(node_ + ": " + command);
    ExecResult r;
    r.exit_code = 0;
    if (command.find("list-members") != std::string::npos) r.out = *members_;
    if (command.find("do-join") != std::string::npos) r.out = R"({"epoch": 9})";
    if (command.find("do-leave") != std::string::npos) r.out = "left the cluster\n";
    return r;
  }
  Status Upload(const std::string&, const std::string&) override { return Status::Ok(); }
  Status Download(const std::string&, const std::string&) override { return Status::Ok(); }

 private:
  std::string node_, address_;
  std::string* members_;
  std::vector<std::string>* scripts_;
};

class ExternalMembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("extmembers");
    ASSERT_FALSE(dir_.empty());
    std::ofstream(dir_ + "/adapter.py") << "print('hi')\n";
    for (int i = 1; i <= 5; ++i) {
      remotes_.push_back(std::make_unique<RecordingRemote>("n" + std::to_string(i), "10.0.0." + std::to_string(i),
                                                           &members_, &scripts_));
      cluster_.nodes.push_back(NodeInfo{"n" + std::to_string(i), "10.0.0." + std::to_string(i), remotes_.back().get()});
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  json Spec() const {
    return json{{"name", "mystore"},
                {"fs", {"read"}},
                {"db",
                 {{"setup", "true"},
                  {"teardown", "true"},
                  {"join", "do-join"},
                  {"leave", "do-leave"},
                  {"members", "list-members"}}},
                {"client", {{"command", {"python3", "adapter.py"}}}}};
  }
  Result<ExternalSpec> Parse(const json& j) { return ParseExternalSpec(j.dump(), dir_ + "/t.json"); }
  std::string ErrorOf(const json& j) {
    auto r = Parse(j);
    EXPECT_FALSE(r.ok()) << j.dump();
    return r.ok() ? "" : r.status().message();
  }

  std::string dir_;
  std::string members_ = R"(["n1", "n2", "n3"])";
  std::vector<std::string> scripts_;
  std::vector<std::unique_ptr<RecordingRemote>> remotes_;
  ClusterInfo cluster_;
};

TEST_F(ExternalMembershipTest, KeysAreReadAndGoTogether) {
  json j = Spec();
  j["db"]["min_members"] = 2;
  auto r = Parse(j);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->db.join, "do-join");
  EXPECT_EQ(r->db.leave, "do-leave");
  EXPECT_EQ(r->db.members, "list-members");
  EXPECT_EQ(r->db.min_members, 2);
  EXPECT_TRUE(r->db.reconfigurable());
  EXPECT_NE(DescribeExternalSpec(*r).find("membership (join, leave)"), std::string::npos);
  const std::string file = dir_ + "/t.json: ";
  json no_leave = Spec();
  no_leave["db"].erase("leave");
  EXPECT_EQ(ErrorOf(no_leave), file + "db.leave: is required with any of db.join, db.leave, db.members, "
                                      "db.min_members (membership changes need all three commands)");
  json only_floor = Spec();
  for (const char* k : {"join", "leave", "members"}) only_floor["db"].erase(k);
  only_floor["db"]["min_members"] = 3;
  EXPECT_NE(ErrorOf(only_floor).find("db.join: is required"), std::string::npos);
  json bad_floor = Spec();
  bad_floor["db"]["min_members"] = "2";
  EXPECT_EQ(ErrorOf(bad_floor), file + "db.min_members: must be an integer from 1 to 1000");
  json not_text = Spec();
  not_text["db"]["join"] = 5;
  EXPECT_NE(ErrorOf(not_text).find("db.join"), std::string::npos);
  json local = Spec();
  local["nodes"] = "none";
  EXPECT_NE(ErrorOf(local).find("db.join: means nothing with \"nodes\": \"none\""), std::string::npos);
}

TEST_F(ExternalMembershipTest, ReconfigurableOnlyWithTheCommands) {
  auto with = Parse(Spec());
  ASSERT_TRUE(with.ok()) << with.status().message();
  EXPECT_NE(dynamic_cast<Reconfigurable*>(MakeExternalDb(*with, {}).get()), nullptr);
  json plain = Spec();
  for (const char* k : {"join", "leave", "members"}) plain["db"].erase(k);
  auto without = Parse(plain);
  ASSERT_TRUE(without.ok()) << without.status().message();
  auto db = MakeExternalDb(*without, {});
  EXPECT_EQ(dynamic_cast<Reconfigurable*>(db.get()), nullptr);
  // The other capabilities still follow their keys (the one-mask factory).
  EXPECT_EQ(dynamic_cast<Killable*>(db.get()), nullptr);
  json kill = plain;
  kill["db"]["kill"] = "k";
  kill["db"]["start"] = "s";
  kill["db"]["roles"] = "r";
  auto killable = MakeExternalDb(*Parse(kill), {});
  EXPECT_NE(dynamic_cast<Killable*>(killable.get()), nullptr);
  EXPECT_NE(dynamic_cast<HasRoles*>(killable.get()), nullptr);
  EXPECT_EQ(dynamic_cast<Pausable*>(killable.get()), nullptr);
  EXPECT_EQ(dynamic_cast<Reconfigurable*>(killable.get()), nullptr);
}

TEST_F(ExternalMembershipTest, ChangesRunTheirCommandOnTheNodeTheyConcern) {
  auto spec = Parse(Spec());
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto db = MakeExternalDb(*spec, {{"initial-members", "3"}});
  auto* rc = dynamic_cast<Reconfigurable*>(db.get());
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(rc->InitialMembers(cluster_), (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(rc->MinMembers(), 3u) << "a majority of the 5 nodes";
  auto members = rc->Members(cluster_);
  ASSERT_TRUE(members.ok()) << members.status().message();
  EXPECT_EQ(*members, (std::vector<std::string>{"n1", "n2", "n3"}));

  scripts_.clear();
  auto joined = rc->Join(cluster_, cluster_.nodes[3]);
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_EQ(*joined, json({{"epoch", 9}})) << "join's JSON stdout is the change's report";
  ASSERT_EQ(scripts_.size(), 2u) << "members, then join";
  EXPECT_EQ(scripts_[0].rfind("n1: ", 0), 0u);
  const std::string& join = scripts_[1];
  EXPECT_EQ(join.rfind("n4: ", 0), 0u) << join;
  EXPECT_NE(join.find("export FAULTLINE_NODE='n4'\n"), std::string::npos) << join;
  EXPECT_NE(join.find("export FAULTLINE_OPT_INITIAL_MEMBERS='3'\n"), std::string::npos) << join;
  EXPECT_NE(join.find("cd '/var/lib/faultline/mystore'"), std::string::npos) << join;
  EXPECT_NE(join.find("exec bash -c 'do-join'\n"), std::string::npos) << join;

  auto again = rc->Join(cluster_, cluster_.nodes[0]);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), "mystore join: n1 is already a member");

  scripts_.clear();
  members_ = R"(["n1", "n2", "n3", "n4"])";
  auto left = rc->Leave(cluster_, cluster_.nodes[1]);
  ASSERT_TRUE(left.ok()) << left.status().message();
  EXPECT_EQ(*left, json({{"output", "left the cluster"}}));
  ASSERT_EQ(scripts_.size(), 2u);
  EXPECT_EQ(scripts_[1].rfind("n2: ", 0), 0u);
  EXPECT_NE(scripts_[1].find("exec bash -c 'do-leave'\n"), std::string::npos);

  members_ = R"(["n1", "n2", "n3"])";
  auto below = rc->Leave(cluster_, cluster_.nodes[0]);
  ASSERT_FALSE(below.ok());
  EXPECT_EQ(below.status().message(), "mystore leave: n1 would leave 2 members, fewer than 3");
  auto outsider = rc->Leave(cluster_, cluster_.nodes[4]);
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.status().message(), "mystore leave: n5 is not a member");

  members_ = R"({"members": ["n1"]})";
  auto bad = rc->Members(cluster_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            R"(n1: mystore members printed {"members": ["n1"]}, not a JSON array of node names)");
  members_ = R"(["n1", "n9"])";
  EXPECT_FALSE(rc->Members(cluster_).ok()) << "n9 is no node of the cluster";
}

}  // namespace
}  // namespace faultline
