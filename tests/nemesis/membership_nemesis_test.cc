// The membership nemesis against a fake Reconfigurable Db (no store): what
// start and stop ask of the Db, and that a stop after a failed start takes
// the ring back towards its initial members.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>

#include "nemesis/nemesis.h"
#include "targets/target.h"

namespace faultline {
namespace {

using nlohmann::json;

// Blocker(from, to) answers what `blocker` (set by the test) says.
class FakeChangeOutlook : public ChangeOutlook {
 public:
  explicit FakeChangeOutlook(
      std::function<std::string(const std::vector<std::string>&, const std::vector<std::string>&)> blocker)
      : blocker_(std::move(blocker)) {}
  std::string Blocker(const std::vector<std::string>& from, const std::vector<std::string>& to) const override {
    return blocker_(from, to);
  }

 private:
  std::function<std::string(const std::vector<std::string>&, const std::vector<std::string>&)> blocker_;
};

// Members in a set; Join/Leave fail while `refuse` is set (joins only:
// `refuse_joins`), as a store with no quorum would, and every call is
// logged. With `blocker` set, Outlook judges changes by it (unset: the Db
// cannot tell).
class FakeReconfigurableDb : public Db, public Reconfigurable {
 public:
  std::unique_ptr<ChangeOutlook> Outlook(const ClusterInfo&) override {
    if (!blocker) return nullptr;
    return std::make_unique<FakeChangeOutlook>(blocker);
  }
  std::function<std::string(const std::vector<std::string>&, const std::vector<std::string>&)> blocker;
  Status Setup(const ClusterInfo&, const NodeInfo&) override { return Status::Ok(); }
  Status Teardown(const ClusterInfo&, const NodeInfo&) override { return Status::Ok(); }
  Result<std::vector<std::string>> Members(const ClusterInfo&) override {
    return std::vector<std::string>(members.begin(), members.end());
  }
  std::vector<std::string> InitialMembers(const ClusterInfo&) override { return {"n1", "n2", "n3"}; }
  size_t MinMembers() const override { return 2; }
  Result<json> Join(const ClusterInfo&, const NodeInfo& node) override {
    calls.push_back("join " + node.name);
    if (refuse || refuse_joins) return Status::Error("no quorum");
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
  bool refuse_joins = false;
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
  auto nemesis = Make("replace");
  ASSERT_TRUE(nemesis->Setup(Cluster(), &db).ok());
  Rng rng(1);
  // Replace n2 by n4: leave n2, join n4.
  Op replaced = nemesis->Invoke(FaultOp("start-membership", {{"nodes", {"n2"}}}), rng);
  ASSERT_TRUE(replaced.error.empty()) << replaced.error;
  ASSERT_EQ(db.members, (std::set<std::string>{"n1", "n3", "n4"}));
  // The undo's second step (join n2) and the next start fail: no quorum
  // for joins, say. Half the undo was done, so it is not kept.
  db.refuse_joins = true;
  Op undo = nemesis->Invoke(FaultOp("stop-membership"), rng);
  EXPECT_FALSE(undo.error.empty());
  EXPECT_FALSE(undo.value.contains("retry-after-s")) << undo.value.dump();
  Op start = nemesis->Invoke(FaultOp("start-membership", {{"nodes", {"n1"}}}), rng);
  EXPECT_FALSE(start.error.empty());
  ASSERT_EQ(db.members, (std::set<std::string>{"n1", "n3"}));
  // The fault is over: the stop has nothing of the last start to undo, and
  // takes the ring back towards n1, n2, n3 instead.
  db.refuse_joins = false;
  Op stop = nemesis->Invoke(FaultOp("stop-membership"), rng);
  EXPECT_TRUE(stop.error.empty()) << stop.error;
  EXPECT_EQ(stop.value["op"], "restore");
  EXPECT_EQ(stop.value["joined"], json({"n2"}));
  EXPECT_EQ(db.members, (std::set<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(db.calls.back(), "join n2");
}

// The only change that can complete is "n3 leaves" (say every other one
// would lose a quorum): random picks it, whatever the seed.
TEST(MembershipNemesisTest, StartPicksOnlyAChangeThatCanCompleteNow) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    FakeReconfigurableDb db;
    db.blocker = [](const std::vector<std::string>& from, const std::vector<std::string>& to) {
      bool n3_leaves = to.size() + 1 == from.size() && std::find(to.begin(), to.end(), "n3") == to.end();
      return n3_leaves ? std::string() : std::string("no quorum");
    };
    auto nemesis = Make("random");
    ASSERT_TRUE(nemesis->Setup(Cluster(), &db).ok());
    Rng rng(seed);
    Op started = nemesis->Invoke(FaultOp("start-membership"), rng);
    EXPECT_TRUE(started.error.empty()) << "seed " << seed << ": " << started.error;
    EXPECT_EQ(started.value["op"], "leave") << "seed " << seed;
    EXPECT_EQ(started.value["left"], json({"n3"})) << "seed " << seed;
    EXPECT_EQ(db.calls, std::vector<std::string>({"leave n3"})) << "seed " << seed;
  }
}

// No change can complete: the start asks the Db nothing, says why, and asks
// the schedule to try again soon ("retry-after-s"); so does a start no
// member answers for.
TEST(MembershipNemesisTest, StartThatCannotCompleteDoesNothingAndAsksToBeRetried) {
  FakeReconfigurableDb db;
  db.blocker = [](const std::vector<std::string>&, const std::vector<std::string>&) {
    return std::string("n1, n2 down");
  };
  auto nemesis = Make("random");
  ASSERT_TRUE(nemesis->Setup(Cluster(), &db).ok());
  Rng rng(1);
  Op started = nemesis->Invoke(FaultOp("start-membership"), rng);
  EXPECT_NE(started.error.find("n1, n2 down"), std::string::npos) << started.error;
  EXPECT_GT(started.value.value("retry-after-s", 0.0), 0.0) << started.value.dump();
  EXPECT_TRUE(db.calls.empty());
  EXPECT_EQ(db.members, (std::set<std::string>{"n1", "n2", "n3"}));
  // Refused by the store before anything was done: retried too.
  db.blocker = nullptr;
  db.refuse = true;
  Op refused = nemesis->Invoke(FaultOp("start-membership"), rng);
  EXPECT_FALSE(refused.error.empty());
  EXPECT_GT(refused.value.value("retry-after-s", 0.0), 0.0) << refused.value.dump();
}

// The undo waits for a moment it can complete: a stop while it cannot does
// nothing and asks to be retried; the next stop undoes the start.
TEST(MembershipNemesisTest, UndoThatCannotCompleteNowIsKeptForTheRetry) {
  FakeReconfigurableDb db;
  auto nemesis = Make("leave");
  ASSERT_TRUE(nemesis->Setup(Cluster(), &db).ok());
  Rng rng(1);
  ASSERT_TRUE(nemesis->Invoke(FaultOp("start-membership", {{"nodes", {"n2"}}}), rng).error.empty());
  db.blocker = [](const std::vector<std::string>&, const std::vector<std::string>&) {
    return std::string("cut off");
  };
  Op blocked = nemesis->Invoke(FaultOp("stop-membership"), rng);
  EXPECT_NE(blocked.error.find("cut off"), std::string::npos) << blocked.error;
  EXPECT_GT(blocked.value.value("retry-after-s", 0.0), 0.0) << blocked.value.dump();
  EXPECT_EQ(db.calls, std::vector<std::string>({"leave n2"}));
  db.blocker = [](const std::vector<std::string>&, const std::vector<std::string>&) { return std::string(); };
  Op stopped = nemesis->Invoke(FaultOp("stop-membership"), rng);
  EXPECT_TRUE(stopped.error.empty()) << stopped.error;
  EXPECT_EQ(stopped.value["op"], "undo");
  EXPECT_EQ(stopped.value["joined"], json({"n2"}));
  EXPECT_EQ(db.members, (std::set<std::string>{"n1", "n2", "n3"}));
}

}  // namespace
}  // namespace faultline
