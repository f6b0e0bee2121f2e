#include "harness/op.h"

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
