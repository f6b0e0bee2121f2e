#include "harness/core/op.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

TEST(OpTest, RoundTripsCanonicalJsonAndKeepsExtraFields) {
  json in = json::parse(
      R"({"index":1,"time":1450220,"type":"ok","process":3,"f":"cas","key":"k7",)"
      R"("value":[1,4],"node":"n2","custom":{"a":1}})");
  auto op = OpFromJson(in);
  ASSERT_TRUE(op.ok()) << op.status().message();
  EXPECT_EQ(op->process, 3);
  EXPECT_EQ(op->type, OpType::kOk);
  EXPECT_EQ(op->key, "k7");
  EXPECT_EQ(op->node, "n2");
  EXPECT_EQ(OpToJson(*op), in);
}

TEST(OpTest, NemesisProcessIsAString) {
  auto op = OpFromJson(json::parse(
      R"({"time":2,"type":"info","process":"nemesis","f":"start-partition","value":{"n1":["n3"]}})"));
  ASSERT_TRUE(op.ok());
  EXPECT_TRUE(op->is_nemesis());
  EXPECT_EQ(OpToJson(*op)["process"], "nemesis");
}

TEST(OpTest, MalformedOpsNameTheField) {
  auto missing = OpFromJson(json::parse(R"({"type":"ok","f":"read"})"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("process"), std::string::npos);
  auto bad_type = OpFromJson(json::parse(R"({"type":"done","process":1,"f":"read"})"));
  ASSERT_FALSE(bad_type.ok());
  EXPECT_NE(bad_type.status().message().find("done"), std::string::npos);
}

}  // namespace
}  // namespace faultline

namespace faultline {
namespace {

// The history writer's fast serialiser produces exactly OpToJson's bytes.
TEST(OpJsonTest, FastSerialiserMatchesOpToJson) {
  std::vector<Op> ops;
  Op a;
  a.time = 7130578;
  a.process = 3;
  a.f = "cas";
  a.key = "k2";
  a.value = json::array({4, 2});
  ops.push_back(a);
  Op b = a;
  b.type = OpType::kFail;
  b.error = "precondition \"failed\"\n\tat \\ node";
  b.node = "n1";
  b.value = json{{"z", 1}, {"a", {1.5, nullptr, true, "x"}}};
  ops.push_back(b);
  Op c;
  c.type = OpType::kInfo;
  c.process = kNemesisProcess;
  c.f = "start-partition";
  c.value = json{{"nodes", {"n1", "n2"}}};
  ops.push_back(c);
  Op d;
  d.type = OpType::kOk;
  d.process = 123456789012LL;
  d.f = "set-read";
  d.key = 17;
  d.value = json::array({0, -1, 18446744073709551615ULL, "ünï", std::string("bad\xff\xfe utf8")});
  d.node = "nœud";
  ops.push_back(d);
  Op e = d;
  e.extra["trace"] = "t";
  e.extra["aaa"] = json::array({1});
  ops.push_back(e);
  Op f;
  f.f = "read";
  f.value = 0.1;
  f.key = json{{"k", 1}};
  ops.push_back(f);
  for (const Op& op : ops) {
    Op no_index = op;
    no_index.index = -1;
    std::string expected = OpToJson(no_index).dump(-1, ' ', false, json::error_handler_t::replace);
    std::string got;
    AppendOpJsonWithoutIndex(op, &got);
    EXPECT_EQ(got, expected);
  }
  // A default op has no extra fields and round-trips.
  Op plain;
  EXPECT_TRUE(plain.extra.empty());
  auto back = OpFromJson(OpToJson(plain));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->extra.empty());
}

}  // namespace
}  // namespace faultline
