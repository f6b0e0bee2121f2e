// EtcdTxn's pure part: which keys a txn touches, the read and commit requests
// it sends to etcd's gateway, the snapshot it parses from the read's answer,
// and the micro-ops applied to it (a read after the txn's own append or
// write sees it). Real etcd: tests/integration/etcd_txn_test.cc.
#include "targets/etcd_txn.h"

#include <gtest/gtest.h>

#include "harness/core/base64.h"

namespace faultline {
namespace {

std::string B64(const std::string& s) { return Base64Encode(s); }

// A gateway read answer for `kvs` (etcd key -> {value text, mod_revision}),
// in the planned order, absent keys as empty ranges — written as etcd 3.4
// writes it (int64s as strings, zero fields left out).
json ReadAnswer(const EtcdTxnPlan& plan, const std::map<std::string, std::pair<std::string, int>>& kvs,
                int revision) {
  json responses = json::array();
  for (const auto& k : plan.keys) {
    json range = {{"header", {{"revision", std::to_string(revision)}}}};
    if (auto it = kvs.find(k); it != kvs.end()) {
      range["kvs"] = json::array({{{"key", B64(k)},
                                   {"create_revision", "2"},
                                   {"mod_revision", std::to_string(it->second.second)},
                                   {"version", "1"},
                                   {"value", B64(it->second.first)}}});
      range["count"] = "1";
    }
    responses.push_back({{"response_range", range}});
  }
  return {{"header", {{"revision", std::to_string(revision)}, {"raft_term", "2"}}},
          {"succeeded", true},
          {"responses", responses}};
}

TEST(EtcdTxnTest, PlanListsEachTouchedKeyOnceInFirstTouchOrder) {
  auto plan = PlanEtcdTxn(json::parse(R"([["r",2,null],["append",1,5],["r",2,null],["w","a",3]])"));
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->keys, (std::vector<std::string>{"txn/2", "txn/1", "txn/\"a\""}));
  EXPECT_TRUE(plan->writes);
  auto read_only = PlanEtcdTxn(json::parse(R"([["r",1,null],["r",3,null]])"));
  ASSERT_TRUE(read_only.ok());
  EXPECT_FALSE(read_only->writes);
}

TEST(EtcdTxnTest, PlanRefusesWhatIsNotAListOfMicroOpsSayingWhich) {
  for (const char* bad : {R"(null)", R"([])", R"([["x",1,2]])", R"([["r",1]])", R"([["append",[1],2]])",
                          R"([["r",1,null],"w"])"}) {
    auto plan = PlanEtcdTxn(json::parse(bad));
    ASSERT_FALSE(plan.ok()) << bad;
    EXPECT_EQ(plan.status().message().find('\n'), std::string::npos) << plan.status().message();
  }
  EXPECT_NE(PlanEtcdTxn(json::parse(R"([["r",1,null],["x",1,2]])")).status().message().find("micro-op 1"),
            std::string::npos);
}

TEST(EtcdTxnTest, ReadRequestRangesEveryKeyInOneTxnWithoutCompares) {
  auto plan = PlanEtcdTxn(json::parse(R"([["append",1,5],["r",2,null]])"));
  ASSERT_TRUE(plan.ok());
  json r = EtcdTxnReadRequest(*plan);
  EXPECT_FALSE(r.contains("compare"));
  ASSERT_EQ(r["success"].size(), 2u);
  EXPECT_EQ(r["success"][0]["request_range"]["key"], B64("txn/1"));
  EXPECT_EQ(r["success"][1]["request_range"]["key"], B64("txn/2"));
}

TEST(EtcdTxnTest, ReadsSeeTheSnapshotThenTheTxnsOwnWrites) {
  json mops = json::parse(
      R"([["r",1,null],["append",1,7],["r",1,null],["r",2,null],["append",2,8],["r",2,null],
          ["r",3,null],["w",3,4],["r",3,null],["w",3,5]])");
  auto plan = PlanEtcdTxn(mops);
  ASSERT_TRUE(plan.ok());
  auto snap = ParseEtcdTxnRead(ReadAnswer(*plan, {{"txn/1", {"[1,2]", 6}}, {"txn/3", {"9", 4}}}, 11), *plan);
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  EXPECT_EQ(snap->revision, 11);
  EXPECT_EQ(snap->keys.at("txn/1").mod_revision, 6);
  EXPECT_FALSE(snap->keys.at("txn/2").value.has_value());
  auto applied = ApplyEtcdTxn(mops, *snap);
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  EXPECT_EQ(applied->completion,
            json::parse(R"([["r",1,[1,2]],["append",1,7],["r",1,[1,2,7]],["r",2,null],["append",2,8],
                           ["r",2,[8]],["r",3,9],["w",3,4],["r",3,4],["w",3,5]])"));
  // Each written key's final value, once.
  EXPECT_EQ(applied->writes.size(), 3u);
  EXPECT_EQ(applied->writes.at("txn/1"), json::parse("[1,2,7]"));
  EXPECT_EQ(applied->writes.at("txn/2"), json::parse("[8]"));
  EXPECT_EQ(applied->writes.at("txn/3"), json(5));
}

TEST(EtcdTxnTest, AppendToANonListIsRefusedBeforeCommitting) {
  json mops = json::parse(R"([["append",1,7]])");
  auto plan = PlanEtcdTxn(mops);
  auto snap = ParseEtcdTxnRead(ReadAnswer(*plan, {{"txn/1", {"3", 2}}}, 5), *plan);
  ASSERT_TRUE(snap.ok());
  auto applied = ApplyEtcdTxn(mops, *snap);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.status().message().find("not a list"), std::string::npos) << applied.status().message();
}

TEST(EtcdTxnTest, CommitComparesEveryTouchedKeyAndPutsTheWrites) {
  json mops = json::parse(R"([["r",1,null],["append",2,8]])");
  auto plan = PlanEtcdTxn(mops);
  auto snap = ParseEtcdTxnRead(ReadAnswer(*plan, {{"txn/1", {"[1]", 6}}}, 9), *plan);
  ASSERT_TRUE(snap.ok());
  auto applied = ApplyEtcdTxn(mops, *snap);
  ASSERT_TRUE(applied.ok());
  json c = EtcdTxnCommitRequest(*plan, *snap, *applied);
  // The read-only key is compared too: the read and the write happen at the
  // commit's revision or not at all.
  ASSERT_EQ(c["compare"].size(), 2u);
  EXPECT_EQ(c["compare"][0], json({{"key", B64("txn/1")}, {"target", "MOD"}, {"result", "EQUAL"},
                                   {"mod_revision", "6"}}));
  EXPECT_EQ(c["compare"][1], json({{"key", B64("txn/2")}, {"target", "VERSION"}, {"result", "EQUAL"},
                                   {"version", "0"}}));
  ASSERT_EQ(c["success"].size(), 1u);
  EXPECT_EQ(c["success"][0]["request_put"]["key"], B64("txn/2"));
  EXPECT_EQ(Base64Decode(c["success"][0]["request_put"]["value"].get<std::string>()), "[8]");
}

TEST(EtcdTxnTest, MalformedReadAnswersAreErrorsNotGuesses) {
  auto plan = PlanEtcdTxn(json::parse(R"([["r",1,null],["r",2,null]])"));
  ASSERT_TRUE(plan.ok());
  json good = ReadAnswer(*plan, {{"txn/1", {"[1]", 3}}}, 4);
  ASSERT_TRUE(ParseEtcdTxnRead(good, *plan).ok());
  json one_range = good;
  one_range["responses"].erase(1);
  json not_json = ReadAnswer(*plan, {{"txn/1", {"[1", 3}}}, 4);
  json no_succeeded = good;
  no_succeeded.erase("succeeded");
  json bad_revision = good;
  bad_revision["header"]["revision"] = "x";
  for (const json& bad : {one_range, not_json, no_succeeded, bad_revision, json("nope")}) {
    auto snap = ParseEtcdTxnRead(bad, *plan);
    EXPECT_FALSE(snap.ok()) << bad.dump();
  }
}

TEST(EtcdTxnTest, CommittedOnlyWhenTheAnswerSaysSucceeded) {
  EXPECT_TRUE(EtcdTxnCommitted(json::parse(R"({"header":{},"succeeded":true})")));
  // proto3 JSON leaves out a false "succeeded" (compares did not hold).
  EXPECT_FALSE(EtcdTxnCommitted(json::parse(R"({"header":{"revision":"3"}})")));
  EXPECT_FALSE(EtcdTxnCommitted(json::parse(R"({"succeeded":"true"})")));
}

}  // namespace
}  // namespace faultline
