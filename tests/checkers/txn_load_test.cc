// The compact txn loader (checkers/txn_load.h): a history streamed from a
// file checks exactly as the same History read whole (verdict, anomalies,
// explanations), whichever way each line is parsed (the text fast path, the
// json path, EDN), and malformed input gets the same one-line error.
#include "checkers/txn_load.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "checkers/list_append.h"
#include "checkers/rw_register.h"
#include "harness/history/history_reader.h"
#include "tests/checkers/list_append_gen.h"
#include "tests/checkers/txn_history.h"

namespace faultline {
namespace {

using txn::TxnModel;

class TxnLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/faultline-txn-load-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

TxnCheckOptions Options() {
  TxnCheckOptions o;
  o.consistency_models = {"strict-serializable"};
  o.max_reported = 1000;  // compare every anomaly, not the first few
  return o;
}

Result<CheckResult> Check(TxnModel model, const txn::TxnHistory& h) {
  return model == TxnModel::kListAppend ? CheckListAppend(h, Options()) : CheckRwRegister(h, Options());
}

// As `faultline check` read files before: the whole History, then check.
Result<CheckResult> ViaHistory(const std::string& path, TxnModel model) {
  HistoryReadOptions ro;
  ro.independent = IndependentMode::kNo;
  HistoryReadInfo info;
  auto h = ReadHistoryFile(path, ro, &info);
  if (!h.ok()) return h.status();
  TxnCheckOptions o = Options();
  o.name = path;
  o.lines = &info.lines;
  return model == TxnModel::kListAppend ? CheckListAppend(*h, o) : CheckRwRegister(*h, o);
}

// As it reads them now: streamed into the compact form.
Result<CheckResult> ViaStream(const std::string& path, TxnModel model) {
  auto h = txn::LoadTxnHistoryFile(path, HistoryFormat::kAuto, model);
  if (!h.ok()) return h.status();
  return Check(model, *h);
}

// The details without the timings.
json Comparable(const CheckResult& r) {
  json d = r.details;
  d.erase("elapsed_s");
  d.erase("phases");
  d["valid"] = ValidityToJson(r.valid);
  return d;
}

std::string Jsonl(const History& h) {
  std::string out;
  for (const Op& op : h) out += OpToJson(op).dump() + "\n";
  return out;
}

// The same ops in shapes that leave the fast paths: spaces inside the value
// (the text parser skips them), and an escaped field name (the whole line
// goes through nlohmann).
std::string Spaced(const History& h) {
  std::string out;
  for (const Op& op : h) {
    json j = OpToJson(op);
    std::string v = j["value"].dump();
    j.erase("value");
    std::string line = j.dump();
    std::string spaced;
    for (char c : v) spaced += c == ',' ? std::string(" , ") : std::string(1, c);
    out += line.substr(0, line.size() - 1) + ",\"value\": " + spaced + " }\n";
  }
  return out;
}
std::string Escaped(const History& h) {
  std::string out;
  for (const Op& op : h) {
    std::string line = OpToJson(op).dump();
    out += line.substr(0, line.size() - 1) + ",\"extr\\u0061\":1}\n";
  }
  return out;
}
// The same ops with each micro-op's key k written as the string "k<k>", as
// many stores and adapters write keys.
History WithStringKeys(const History& h) {
  History out = h;
  for (Op& op : out) {
    if (!op.value.is_array()) continue;
    for (json& m : op.value) m[1] = "k" + m[1].dump();
  }
  return out;
}

// EDN as Jepsen writes it: keywords, nil, spaces.
std::string Edn(const History& h) {
  std::string out;
  for (const Op& op : h) {
    std::string v = op.value.dump();
    std::string e;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v.compare(i, 8, "\"append\"") == 0) {
        e += ":append";
        i += 7;
      } else if (v.compare(i, 3, "\"r\"") == 0) {
        e += ":r";
        i += 2;
      } else if (v.compare(i, 4, "null") == 0) {
        e += "nil";
        i += 3;
      } else {
        e += v[i] == ',' ? ' ' : v[i];
      }
    }
    out += "{:index " + std::to_string(op.index) + ", :type :" + std::string(OpTypeName(op.type)) + ", :process " +
           std::to_string(op.process) + ", :f :txn, :value " + e + "}\n";
  }
  return out;
}

TEST_F(TxnLoadTest, StreamedFilesCheckExactlyAsTheWholeHistory) {
  int invalid = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    testing::ListAppendGenOptions g;
    g.seed = seed;
    g.txns = 400;
    g.keys = 5;
    g.max_writes_per_key = 10;
    g.p_info = 0.1;
    g.p_fail = 0.1;
    g.p_stale = seed % 2 ? 0.1 : 0;         // anomalies in half of them
    g.p_fail_applied = seed % 4 == 1 ? 0.5 : 0;  // G1a, dirty updates
    History h = testing::GenerateListAppend(g);
    std::string canonical = Write("h.jsonl", Jsonl(h));
    auto whole = ViaHistory(canonical, TxnModel::kListAppend);
    ASSERT_TRUE(whole.ok()) << whole.status().message();
    invalid += whole->valid == Validity::kInvalid;
    json expected = Comparable(*whole);
    for (const auto& [name, text] : {std::pair<std::string, std::string>{"h.jsonl", Jsonl(h)},
                                     {"spaced.jsonl", Spaced(h)},
                                     {"escaped.jsonl", Escaped(h)},
                                     {"h.edn", Edn(h)}}) {
      std::string path = Write(name, text);
      auto streamed = ViaStream(path, TxnModel::kListAppend);
      ASSERT_TRUE(streamed.ok()) << name << ": " << streamed.status().message();
      EXPECT_EQ(Comparable(*streamed), expected) << "seed " << seed << ", " << name;
    }
  }
  EXPECT_GE(invalid, 5);  // the comparison covered anomalies, not only valid verdicts
}

// String keys take the text fast path (interned by their text) and check
// exactly as the whole History, whose json values take the json path: the
// same verdicts, anomalies and key texts in every message.
TEST_F(TxnLoadTest, StringKeysStreamedCheckExactlyAsTheWholeHistory) {
  int invalid = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    testing::ListAppendGenOptions g;
    g.seed = seed;
    g.txns = 300;
    g.keys = 5;
    g.max_writes_per_key = 10;
    g.p_info = 0.1;
    g.p_fail = 0.1;
    g.p_stale = seed % 2 ? 0.1 : 0;
    g.p_fail_applied = seed % 4 == 1 ? 0.5 : 0;
    History h = WithStringKeys(testing::GenerateListAppend(g));
    std::string text = Jsonl(h);
    std::string path = Write("str.jsonl", text);
    auto whole = ViaHistory(path, TxnModel::kListAppend);
    auto streamed = ViaStream(path, TxnModel::kListAppend);
    ASSERT_TRUE(whole.ok()) << whole.status().message();
    ASSERT_TRUE(streamed.ok()) << streamed.status().message();
    EXPECT_EQ(Comparable(*streamed), Comparable(*whole)) << "seed " << seed;
    // The same keys spelled with an escape ("\u006b1" is "k1"): every value
    // takes the json path, and nothing else changes.
    std::string escaped;
    for (size_t i = 0; i < text.size(); ++i) {
      escaped += text.compare(i, 2, "\"k") == 0 ? std::string("\"\\u006b") : std::string(1, text[i]);
      if (text.compare(i, 2, "\"k") == 0) ++i;
    }
    ASSERT_NE(escaped, text);
    auto fallback = ViaStream(Write("escaped-str.jsonl", escaped), TxnModel::kListAppend);
    ASSERT_TRUE(fallback.ok()) << fallback.status().message();
    EXPECT_EQ(Comparable(*fallback), Comparable(*whole)) << "seed " << seed;
    if (whole->valid == Validity::kInvalid) {
      ++invalid;
      // The messages name the keys as written ("k3"), not as ids.
      EXPECT_NE(streamed->details["anomalies"].dump().find("key k"), std::string::npos) << "seed " << seed;
    }
  }
  EXPECT_GE(invalid, 3);
}

// A file big enough that the loader reserves its arrays from the reader's
// progress (after 4 MB, once a sixteenth of the text is read) checks exactly as the
// whole History: the estimate changes where the arrays live, not what they
// hold.
TEST_F(TxnLoadTest, BigFilesSizedFromProgressCheckAsTheWholeHistory) {
  testing::ListAppendGenOptions g;
  g.seed = 7;
  g.txns = 17000;
  g.keys = 20;
  g.p_info = 0.05;
  g.p_stale = 0.001;
  History h = WithStringKeys(testing::GenerateListAppend(g));
  std::string text = Jsonl(h);
  ASSERT_GT(text.size(), size_t{9} << 19);  // past 4 MB: OnProgress fires
  std::string path = Write("big.jsonl", text);
  auto whole = ViaHistory(path, TxnModel::kListAppend);
  auto streamed = ViaStream(path, TxnModel::kListAppend);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  ASSERT_TRUE(streamed.ok()) << streamed.status().message();
  EXPECT_EQ(whole->valid, Validity::kInvalid);
  EXPECT_EQ(Comparable(*streamed), Comparable(*whole));
}

// What TakeValue (the fast path) takes: integer and escape-free string keys;
// keys with escapes and other scalars are left to the json path.
TEST(TxnLoad, FastPathTakesIntegerAndPlainStringKeys) {
  txn::TxnLoader loader(TxnModel::kListAppend, "h");
  EXPECT_TRUE(loader.TakeValue(R"([["append","k785",1],["r","k1",[1,2]],["append",-3,2],["r",7,null]])"));
  EXPECT_TRUE(loader.TakeValue(R"([["append","",1],["append","a b:{}[],",2]])"));
  EXPECT_FALSE(loader.TakeValue(R"([["append","k\u0031",1]])"));
  EXPECT_FALSE(loader.TakeValue(R"([["append","k\"1",1]])"));
  EXPECT_FALSE(loader.TakeValue(R"([["append",true,1]])"));
  EXPECT_FALSE(loader.TakeValue(R"([["append",null,1]])"));
  EXPECT_FALSE(loader.TakeValue(R"([["append",1.5,1]])"));
  EXPECT_FALSE(loader.TakeValue(R"([["append",1e3,1]])"));
}

// A key with escapes leaves the fast path for its line only; it is the same
// key as its plain spelling on a fast-path line. A string "1" and an integer
// 1 are two keys, whichever path reads them.
TEST_F(TxnLoadTest, KeysAreTheirJsonValues) {
  const std::string text =
      "{\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\"k1\",1],[\"append\",1,1]]}\n"
      "{\"type\":\"ok\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\"k1\",1],[\"append\",1,1]]}\n"
      "{\"type\":\"invoke\",\"process\":1,\"f\":\"txn\",\"value\":[[\"r\",\"k\\u0031\",null],[\"r\",\"1\",null]]}\n"
      "{\"type\":\"ok\",\"process\":1,\"f\":\"txn\",\"value\":[[\"r\",\"k\\u0031\",[1]],[\"r\",\"1\",[1]]]}\n";
  std::string path = Write("keys.jsonl", text);
  auto streamed = txn::LoadTxnHistoryFile(path, HistoryFormat::kAuto, TxnModel::kListAppend);
  ASSERT_TRUE(streamed.ok()) << streamed.status().message();
  EXPECT_EQ(streamed->keys, (std::vector<json>{"k1", 1, "1"}));
  ASSERT_EQ(streamed->mops.size(), 4u);
  EXPECT_EQ(streamed->mops[2].key, streamed->mops[0].key);  // "k\u0031" is "k1"
  EXPECT_NE(streamed->mops[3].key, streamed->mops[1].key);  // "1" is not 1
  auto h = ReadHistoryFile(path);
  ASSERT_TRUE(h.ok()) << h.status().message();
  auto whole = txn::LoadTxnHistory(*h, TxnModel::kListAppend, path, nullptr);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  EXPECT_EQ(whole->keys, streamed->keys);
  // The read of "1" saw 1, which was appended to 1 only: a garbage read, the
  // same either way.
  auto checked = Check(TxnModel::kListAppend, *streamed);
  auto via_history = ViaHistory(path, TxnModel::kListAppend);
  ASSERT_TRUE(checked.ok() && via_history.ok());
  EXPECT_EQ(checked->valid, Validity::kInvalid);
  EXPECT_EQ(Comparable(*checked), Comparable(*via_history));
}

TEST_F(TxnLoadTest, RwRegisterStreamedAsWhole) {
  std::string path = Write("rw.jsonl",
                           "{\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":[[\"r\",\"x\",null],[\"w\",\"y\",1]]}\n"
                           "{\"type\":\"invoke\",\"process\":1,\"f\":\"txn\",\"value\":[[\"r\",\"y\",null],[\"w\",\"x\",1]]}\n"
                           "{\"type\":\"ok\",\"process\":0,\"f\":\"txn\",\"value\":[[\"r\",\"x\",null],[\"w\",\"y\",1]]}\n"
                           "{\"type\":\"ok\",\"process\":1,\"f\":\"txn\",\"value\":[[\"r\",\"y\",null],[\"w\",\"x\",1]]}\n"
                           "{\"type\":\"invoke\",\"process\":2,\"f\":\"txn\",\"value\":[[\"r\",\"x\",null]]}\n"
                           "{\"type\":\"ok\",\"process\":2,\"f\":\"txn\",\"value\":[[\"r\",\"x\",3]]}\n");
  auto whole = ViaHistory(path, TxnModel::kRwRegister);
  auto streamed = ViaStream(path, TxnModel::kRwRegister);
  ASSERT_TRUE(whole.ok() && streamed.ok());
  EXPECT_EQ(Comparable(*streamed), Comparable(*whole));
  EXPECT_EQ(streamed->details["anomaly-types"], json::array({"G2-item", "garbage-read"}));
}

TEST_F(TxnLoadTest, MalformedInputIsWordedAlike) {
  const std::string inv = "{\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":";
  const std::string ok = "{\"type\":\"ok\",\"process\":0,\"f\":\"txn\",\"value\":";
  struct Case {
    std::string text, error;  // error after "PATH:"
  };
  const std::vector<Case> cases = {
      {inv + "[[\"append\",\"x\",1]]}\n" + ok + "[[\"append\",\"x\",\"one\"]]}\n",
       "2: appended value \"one\" is not an integer"},
      {inv + "[[\"write\",\"x\",1]]}\n" + ok + "[[\"write\",\"x\",1]]}\n",
       "2: unknown micro-op \"write\" (list-append knows append and r)"},
      {inv + "[[\"r\",\"x\",null]]}\n" + ok + "[[\"r\",\"x\",[1,\"a\"]]]}\n",
       "2: read of key \"x\" holds \"a\", not an integer"},
      {inv + "[[\"r\",\"x\",null]]}\n" + ok + "[[\"r\",\"x\",3]]}\n", "2: read value 3 is not a list or null"},
      {inv + "[[\"append\",[1],1]]}\n" + ok + "[[\"append\",[1],1]]}\n",
       "2: micro-op [\"append\",[1],1]: key [1] is not an integer or a string"},
      {inv + "5}\n" + ok + "null}\n", "2: txn value is not a list of micro-ops: 5"},
      {inv + "[[\"append\",\"x\",1]]}\n" + ok + "[[\"append\",\"x\",1]]}\n" + inv + "[[\"append\",\"x\",1]]}\n" + ok +
           "[[\"append\",\"x\",1]]}\n",
       "4: value 1 written to key x twice (also by T1); list-append needs unique written values per key"},
      // A process-model violation (line 2) and a malformed line (3): the
      // malformed line is named, as the whole-history reader does.
      {inv + "[]}\n" + inv + "[]}\n{\"type\":\n", "3: malformed JSON (at byte 9 of the line)"},
      {inv + "[]}\n" + inv + "[]}\n", "2: process 0 invoked :txn while its :txn (line 1) is still open"},
      // Errors of two txns: the one invoked first, though it completes last.
      {inv + "[[\"append\",\"x\",1]]}\n{\"type\":\"invoke\",\"process\":1,\"f\":\"txn\",\"value\":[]}\n"
           "{\"type\":\"ok\",\"process\":1,\"f\":\"txn\",\"value\":[[\"r\",\"x\",\"bad\"]]}\n" +
           ok + "[[\"append\",\"x\",true]]}\n",
       "4: appended value true is not an integer"},
  };
  for (const Case& c : cases) {
    std::string path = Write("bad.jsonl", c.text);
    auto whole = ViaHistory(path, TxnModel::kListAppend);
    auto streamed = ViaStream(path, TxnModel::kListAppend);
    ASSERT_FALSE(whole.ok()) << c.text;
    ASSERT_FALSE(streamed.ok()) << c.text;
    EXPECT_EQ(whole.status().message(), path + ":" + c.error) << c.text;
    EXPECT_EQ(streamed.status().message(), whole.status().message()) << c.text;
  }
}

// A txn is shown as the history had it; reads without a result as null.
TEST(TxnLoad, TxnValueShowsUnknownReadsAsNull) {
  testing::TxnHistory t;
  t.Invoke(0, {json::array({"append", "x", 1}), json::array({"r", "y", nullptr}), json::array({"append", "x", 2})});
  t.Info(0);
  t.Invoke(1, {json::array({"r", "x", nullptr})});
  t.Fail(1, {json::array({"r", "x", json::array({1})})});  // a fail's reads are no results
  t.Serial(2, {json::array({"r", "x", json::array({1, 2})}), json::array({"append", "y", 1})});
  auto h = txn::LoadTxnHistory(t.history(), TxnModel::kListAppend, "h", nullptr);
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->txns.size(), 3u);
  EXPECT_EQ(h->TxnValue(0), json::parse(R"([["append","x",1],["r","y",null],["append","x",2]])"));
  EXPECT_EQ(h->TxnValue(1), json::parse(R"([["r","x",null]])"));
  EXPECT_EQ(h->TxnValue(2), json::parse(R"([["r","x",[1,2]],["append","y",1]])"));
  EXPECT_EQ(h->mops.size(), 4u);  // the two unknown reads are not checked
  EXPECT_EQ(h->ok + h->info + h->fail, 3u);
  EXPECT_EQ(h->Where(h->txns[1].complete_at), "h: event 3");
}

}  // namespace
}  // namespace faultline
