// The membership nemesis against a fake Reconfigurable Db (no store): what
// start and stop ask of the Db, and that a stop after a failed start takes
// the ring back towards its initial members.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "nemesis/nemesis.h"
#include "targets/target.h"

namespace faultline {
namespace {

using nlohmann::json;

// Members in a set; Join/Leave fail while `refuse` is set (as a store with
// no quorum would), and every call is logged.
class FakeReconfigurableDb : public Db, public Reconfigurable {
 public:
  Status Setup(const ClusterInfo&, const NodeInfo&) override { return Status::Ok(); }
  Status Teardown(const ClusterInfo&, const NodeInfo&) override { return Status::Ok(); }
  Result<std::vector<std::string>> Members(const ClusterInfo&) override {
    return std::vector<std::string>(members.begin(), members.end());
  }
  std::vector<std::string> InitialMembers(const ClusterInfo&) override { return {"n1", "n2", "n3"}; }
  size_t MinMembers() const override { return 2; }
  Result<json> Join(const ClusterInfo&, const NodeInfo& node) override {
    calls.push_back("join " + node.name);
    if (refuse) return Status::Error("no quorum");
    members.insert(node.name);
    return json{{"ok", true}};
  }
  Result<json> Leave(const ClusterInfo&, const NodeInfo& node) override {
    calls.push_back("leave " + node.name);
    if (refuse) return Status::Error("no quorum");
    members.erase(node.name);
    return json{{"ok", true}};
  }
  std::set<std::string> members{"n1", "n2", "n3"};
  bool refuse = false;
  std::vector<std::string> calls;
};

ClusterInfo Cluster() {
  ClusterInfo c;
  for (const std::string n : {"n1", "n2", "n3", "n4"}) c.nodes.push_back(NodeInfo{n, "10.0.0." + n.substr(1), nullptr});
  return c;
}

Op FaultOp(const std::string& f, json value = nullptr) {
  Op op;
  op.process = kNemesisProcess;
  op.f = f;
  op.value = std::move(value);
  return op;
}

std::unique_ptr<Nemesis> Make(const std::string& mode) {
  const auto* entry = NemesisRegistry::Get().Find("membership");
  EXPECT_NE(entry, nullptr);
  auto n = entry->factory({{"membership", mode}});
  EXPECT_TRUE(n.ok()) << n.status().message();
  return std::move(*n);
}

TEST(MembershipNemesisTest, StopUndoesTheStart) {
  FakeReconfigurableDb db;
  auto nemesis = Make("leave");
  ASSERT_TRUE(nemesis->Setup(Cluster(), &db).ok());
  Rng rng(1);
  Op started = nemesis->Invoke(FaultOp("start-membership", {{"nodes", {"n2"}}}), rng);
  EXPECT_TRUE(started.error.empty()) << started.error;
  EXPECT_EQ(started.value["left"], json({"n2"}));
  Op stopped = nemesis->Invoke(FaultOp("stop-membership"), rng);
  EXPECT_TRUE(stopped.error.empty()) << stopped.error;
  EXPECT_EQ(stopped.value["op"], "undo");
  EXPECT_EQ(stopped.value["joined"], json({"n2"}));
  EXPECT_EQ(db.members, (std::set<std::string>{"n1", "n2", "n3"}));
}

TEST(MembershipNemesisTest, StopAfterAFailedStartRetriesAnEarlierFailedUndo) {
  FakeReconfigurableDb db;
  auto nemesis = Make("leave");
  ASSERT_TRUE(nemesis->Setup(Cluster(), &db).ok());
  Rng rng(1);
  ASSERT_TRUE(nemesis->Invoke(FaultOp("start-membership", {{"nodes", {"n2"}}}), rng).error.empty());
  // The undo (join n2) and the next start fail: no quorum, say.
  db.refuse = true;
  Op undo = nemesis->Invoke(FaultOp("stop-membership"), rng);
  EXPECT_FALSE(undo.error.empty());
  Op start = nemesis->Invoke(FaultOp("start-membership", {{"nodes", {"n1"}}}), rng);
  EXPECT_FALSE(start.error.empty());
  ASSERT_EQ(db.members, (std::set<std::string>{"n1", "n3"}));
  // The fault is over: the stop has nothing of the last start to undo, and
  // takes the ring one step back towards n1, n2, n3 instead.
  db.refuse = false;
  Op stop = nemesis->Invoke(FaultOp("stop-membership"), rng);
  EXPECT_TRUE(stop.error.empty()) << stop.error;
  EXPECT_EQ(stop.value["op"], "restore");
  EXPECT_EQ(stop.value["joined"], json({"n2"}));
  EXPECT_EQ(db.members, (std::set<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(db.calls.back(), "join n2");
}

}  // namespace
}  // namespace faultline
