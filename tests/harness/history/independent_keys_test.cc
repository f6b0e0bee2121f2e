// jepsen.independent histories ([key value] tuples) read into keyed ops:
// detection, the split itself, the formats Jepsen writes (history.edn of
// Jepsen 0.2 and 0.3, text logs), and the cases that must NOT be split
// (plain cas registers, multi-register txns, faultline's own keyed JSONL).
#include "harness/history/independent_keys.h"

#include <gtest/gtest.h>

#include <string>

#include "harness/history/history_reader.h"

namespace faultline {
namespace {

std::string Data(const std::string& name) {
  return std::string(FAULTLINE_SOURCE_DIR) + "/tests/data/jepsen/" + name;
}

Result<History> Read(const std::string& path, IndependentMode mode, HistoryReadInfo* info) {
  HistoryReadOptions options;
  options.independent = mode;
  return ReadHistoryFile(path, options, info);
}

TEST(IndependentKeysTest, EdnTuplesBecomeKeyedOps) {
  HistoryReadInfo info;
  auto h = Read(Data("independent-valid.edn"), IndependentMode::kAuto, &info);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_TRUE(info.independent);
  EXPECT_EQ(info.keys, 2u);
  EXPECT_EQ(info.format, HistoryFormat::kEdn);
  ASSERT_EQ(h->size(), 14u);
  const History& ops = *h;
  EXPECT_EQ(ops[0].key, 0);
  EXPECT_EQ(ops[0].value, 1);
  EXPECT_EQ(ops[4].f, "cas");
  EXPECT_EQ(ops[4].key, 0);
  EXPECT_EQ(ops[4].value, json::parse("[1,2]"));
  EXPECT_EQ(ops[6].type, OpType::kInfo);  // the :info write keeps its key and its error
  EXPECT_EQ(ops[6].key, 1);
  EXPECT_EQ(ops[6].error, "timeout");
  EXPECT_EQ(ops[7].key, 1);
  EXPECT_TRUE(ops[7].value.is_null());  // [1 nil]: a read invocation
  EXPECT_EQ(ops[12].error, "precondition failed");
  EXPECT_TRUE(ops[3].is_nemesis());  // nemesis ops are left alone
  EXPECT_TRUE(ops[3].key.is_null());
}

TEST(IndependentKeysTest, JepsenLogsAndJepsen03Records) {
  HistoryReadInfo info;
  auto log = Read(Data("independent-valid.log"), IndependentMode::kAuto, &info);
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_EQ(info.format, HistoryFormat::kJepsenLog);
  EXPECT_TRUE(info.independent);
  EXPECT_EQ(info.keys, 2u);
  EXPECT_EQ((*log)[4].error, ":precondition-failed");
  EXPECT_EQ((*log)[4].key, 1);
  EXPECT_EQ((*log)[4].value, json::parse("[5,6]"));

  auto rec = Read(Data("history-0.3-independent.edn"), IndependentMode::kAuto, &info);
  ASSERT_TRUE(rec.ok()) << rec.status().message();
  EXPECT_TRUE(info.independent);
  EXPECT_EQ(info.keys, 2u);
  EXPECT_EQ((*rec)[2].index, 2);
  EXPECT_EQ((*rec)[2].time, 2000000);  // :time in nanoseconds, kept as is
  EXPECT_EQ((*rec)[6].error, R"(["timeout","no reply"])");
  EXPECT_EQ((*rec)[6].key, 3);

  // Jepsen 0.3 records of a plain register: :error nil is no error, no split.
  auto plain = Read(Data("history-0.3-register.edn"), IndependentMode::kAuto, &info);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_FALSE(info.independent);
  EXPECT_EQ((*plain)[1].error, "");
  EXPECT_EQ((*plain)[5].error, "conflict");
  EXPECT_TRUE((*plain)[2].value.is_null());
}

TEST(IndependentKeysTest, PlainHistoriesWithPairValuesAreNotSplit) {
  // Only cas ops, whose [old new] looks like a tuple: cas values of an
  // independent history are [k [old new]], so this is a plain register.
  auto cas_only = ReadHistoryText(
      "[{:type :invoke :process 0 :f :cas :value [1 4]} {:type :ok :process 0 :f :cas :value [1 4]}]",
      "c.edn");
  ASSERT_TRUE(cas_only.ok());
  EXPECT_FALSE(LooksIndependent(*cas_only));
  // A multi-register txn of two micro-ops: the "key" would be a vector.
  auto txn = ReadHistoryText(
      "[{:type :invoke :process 0 :f :txn :value [[:read 0 nil] [:write 1 3]]}]", "t.edn");
  ASSERT_TRUE(txn.ok());
  EXPECT_FALSE(LooksIndependent(*txn));
  // A read invocation with nil (the plain convention).
  auto mixed = ReadHistoryText(
      "[{:type :invoke :process 0 :f :write :value [0 1]} {:type :ok :process 0 :f :write :value [0 1]}"
      " {:type :invoke :process 1 :f :read :value nil}]",
      "m.edn");
  ASSERT_TRUE(mixed.ok());
  EXPECT_FALSE(LooksIndependent(*mixed));
  // An ok completion on another key than its invocation.
  auto moved = ReadHistoryText(
      "[{:type :invoke :process 0 :f :read :value [0 nil]} {:type :ok :process 0 :f :read :value [1 3]}]",
      "k.edn");
  ASSERT_TRUE(moved.ok());
  EXPECT_FALSE(LooksIndependent(*moved));
  // faultline's own JSONL is never split unasked, even with tuple values.
  HistoryReadInfo info;
  auto jsonl = ReadHistoryText(R"({"type":"invoke","process":0,"f":"write","value":[0,1]})" "\n",
                               "j.jsonl", HistoryReadOptions{}, &info);
  ASSERT_TRUE(jsonl.ok());
  EXPECT_FALSE(info.independent);
  EXPECT_EQ((*jsonl)[0].value, json::parse("[0,1]"));
}

TEST(IndependentKeysTest, ForcedModes) {
  HistoryReadInfo info;
  // --independent no: tuples stay values.
  auto no = Read(Data("independent-valid.edn"), IndependentMode::kNo, &info);
  ASSERT_TRUE(no.ok());
  EXPECT_FALSE(info.independent);
  EXPECT_EQ((*no)[0].value, json::parse("[0,1]"));
  // --independent yes on a history that does not fit names the op.
  auto bad = ReadHistoryText(
      "[{:type :invoke :process 0 :f :write :value [0 1]}\n {:type :invoke :process 1 :f :write :value 5}]",
      "y.edn", HistoryReadOptions{HistoryFormat::kAuto, IndependentMode::kYes}, &info);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "y.edn:2: not an independent-key op (its value 5 is not a [key value] tuple)");
  // --independent yes also applies to JSONL.
  auto jsonl = ReadHistoryText(R"({"type":"invoke","process":0,"f":"write","value":[0,1]})" "\n",
                               "j.jsonl", HistoryReadOptions{HistoryFormat::kAuto, IndependentMode::kYes},
                               &info);
  ASSERT_TRUE(jsonl.ok()) << jsonl.status().message();
  EXPECT_TRUE(info.independent);
  EXPECT_EQ((*jsonl)[0].key, 0);
  EXPECT_EQ((*jsonl)[0].value, 1);
  EXPECT_FALSE(ParseIndependentMode("maybe").ok());
  EXPECT_EQ(*ParseIndependentMode("yes"), IndependentMode::kYes);
}

TEST(IndependentKeysTest, FailAndInfoWithoutTupleTakeTheInvocationsKey) {
  auto h = ReadHistoryText(
      "[{:type :invoke :process 0 :f :write :value [7 1]} {:type :info :process 0 :f :write :value nil"
      " :error \"conn reset\"} {:type :invoke :process 1 :f :cas :value [7 [1 2]]}"
      " {:type :fail :process 1 :f :cas :value nil}]",
      "n.edn", HistoryReadOptions{HistoryFormat::kAuto, IndependentMode::kNo}, nullptr);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(LooksIndependent(*h));
  History ops = *h;
  auto keys = SplitIndependentKeys(&ops, {}, "n.edn");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, 1u);
  EXPECT_EQ(ops[1].key, 7);
  EXPECT_TRUE(ops[1].value.is_null());
  EXPECT_EQ(ops[3].key, 7);
}

}  // namespace
}  // namespace faultline
