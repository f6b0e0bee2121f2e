// The list-append checker: planted anomalies (each found and classified as
// exactly that kind, with the cycle explained), generated valid histories,
// and a seeded differential test against a brute-force serializability
// checker on small histories.
#include "checkers/list_append.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "checkers/consistency_models.h"
#include "checkers/txn_graph.h"
#include "tests/checkers/list_append_gen.h"
#include "tests/checkers/txn_history.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace list_append_test {
namespace {

using testing::GenerateListAppend;
using testing::ListAppendGenOptions;

// Hand-written histories (tests/checkers/txn_history.h).
struct Txns : testing::TxnHistory {
  Txns() : TxnHistory(true) {}
};

json A(const char* k, int v) { return json::array({"append", k, v}); }
json R(const char* k, std::vector<int> l) { return json::array({"r", k, l}); }
json Rnil(const char* k) { return json::array({"r", k, nullptr}); }

CheckResult Check(const History& h, std::vector<std::string> models = {"strict-serializable"}) {
  ListAppendOptions o;
  o.consistency_models = std::move(models);
  auto r = CheckListAppend(h, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : CheckResult{};
}

std::vector<std::string> Types(const CheckResult& r) { return testing::AnomalyTypes(r); }

std::string Steps(const CheckResult& r, const std::string& kind) { return testing::CycleSteps(r, kind); }

TEST(ListAppend, G0WriteCycle) {
  Txns t;
  t.Invoke(0, {A("x", 1), A("y", 1)}).Invoke(1, {A("x", 2), A("y", 2)});
  t.Ok(0, {A("x", 1), A("y", 1)}).Ok(1, {A("x", 2), A("y", 2)});
  t.Serial(2, {R("x", {1, 2}), R("y", {2, 1})});
  CheckResult r = Check(t.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"G0"});
  std::string why = Steps(r, "G0");
  EXPECT_NE(why.find("T2 appended 1 to x and T3 appended 2 right after it in x's version order, so T2 ww→ T3"),
            std::string::npos) << why;
  EXPECT_NE(why.find("T3 appended 2 to y and T2 appended 1 right after it"), std::string::npos) << why;
  EXPECT_EQ(r.details["weakest-violated"], json::array({"read-uncommitted"}));
}

TEST(ListAppend, G1aAbortedRead) {
  Txns t;
  t.Invoke(0, {A("x", 1)}).Fail(0);
  t.Serial(1, {R("x", {1})});
  CheckResult r = Check(t.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"G1a"});
  EXPECT_NE(r.details["anomalies"]["G1a"][0]["why"].get<std::string>().find("appended by T1, which failed"),
            std::string::npos);
  // read-uncommitted allows it.
  EXPECT_EQ(Check(t.history(), {"read-uncommitted"}).valid, Validity::kValid);
}

TEST(ListAppend, G1bIntermediateRead) {
  Txns t;
  t.Serial(0, {A("x", 1), A("x", 2)});
  t.Serial(1, {R("x", {1})});
  CheckResult r = Check(t.history(), {"serializable"});
  EXPECT_EQ(r.valid, Validity::kInvalid);
  // As Elle: the reader rw-> the writer (its next append) wr-> the reader.
  EXPECT_EQ(Types(r), (std::vector<std::string>{"G-single", "G1b"}));
  EXPECT_NE(r.details["anomalies"]["G1b"][0]["why"].get<std::string>().find("intermediate append of T1"),
            std::string::npos);
}

TEST(ListAppend, G1cCircularInformationFlow) {
  Txns t;
  t.Invoke(0, {A("x", 1), Rnil("y")}).Invoke(1, {A("y", 1), Rnil("x")});
  t.Ok(0, {A("x", 1), R("y", {1})}).Ok(1, {A("y", 1), R("x", {1})});
  CheckResult r = Check(t.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"G1c"});
  std::string why = Steps(r, "G1c");
  EXPECT_NE(why.find("T3's read of x saw [1], ending in 1, which T2 appended, so T2 wr→ T3"), std::string::npos)
      << why;
}

TEST(ListAppend, GSingleReadSkew) {
  Txns t;
  t.Invoke(0, {Rnil("x"), Rnil("y")}).Invoke(1, {A("x", 1), A("y", 1)});
  t.Ok(1, {A("x", 1), A("y", 1)}).Ok(0, {R("x", {}), R("y", {1})});
  t.Serial(2, {R("x", {1})});
  CheckResult r = Check(t.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"G-single"});
  std::string why = Steps(r, "G-single");
  EXPECT_NE(why.find("T2 appended 1 to x after T3's read of x saw [], so T3 rw→ T2"), std::string::npos) << why;
  // Elle's lattice: G-single-item is forbidden from consistent-view and
  // repeatable-read up (snapshot isolation implies consistent-view).
  EXPECT_EQ(r.details["weakest-violated"], json::array({"consistent-view", "repeatable-read"}));
  EXPECT_NE(ExplainListAppend(r).find("G-single: a cycle of 2 transactions"), std::string::npos);
}

TEST(ListAppend, G2ItemWriteSkew) {
  Txns t;
  t.Invoke(0, {Rnil("x"), A("y", 1)}).Invoke(1, {Rnil("y"), A("x", 1)});
  t.Ok(0, {R("x", {}), A("y", 1)}).Ok(1, {R("y", {}), A("x", 1)});
  t.Serial(2, {R("x", {1}), R("y", {1})});
  CheckResult r = Check(t.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"G2-item"});
  // Snapshot isolation allows write skew.
  CheckResult si = Check(t.history(), {"snapshot-isolation"});
  EXPECT_EQ(si.valid, Validity::kValid);
}

TEST(ListAppend, GNonadjacentTwoSeparatedAntiDependencies) {
  // T4 rw→ T5 wr→ T6 rw→ T7 wr→ T4: two rw edges, never adjacent.
  Txns t;
  t.Invoke(0, {Rnil("x"), Rnil("w")}).Invoke(1, {A("x", 1), A("y", 1)});
  t.Invoke(2, {Rnil("y"), Rnil("z")}).Invoke(3, {A("z", 1), A("w", 1)});
  t.Ok(0, {R("x", {}), R("w", {1})}).Ok(1, {A("x", 1), A("y", 1)});
  t.Ok(2, {R("y", {1}), R("z", {})}).Ok(3, {A("z", 1), A("w", 1)});
  t.Serial(4, {R("x", {1}), R("z", {1})});
  CheckResult r = Check(t.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"G-nonadjacent"});
  EXPECT_EQ(r.details["anomalies"]["G-nonadjacent"][0]["steps"].size(), 4u);
  EXPECT_EQ(Check(t.history(), {"snapshot-isolation"}).valid, Validity::kInvalid);
  EXPECT_EQ(Check(t.history(), {"read-committed"}).valid, Validity::kValid);
}

TEST(ListAppend, GSingleRealtimeStaleRead) {
  Txns t;
  t.Serial(0, {A("x", 1)});
  t.Serial(1, {R("x", {})});  // invoked after the append completed, yet missed it
  t.Serial(2, {R("x", {1})});
  CheckResult r = Check(t.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"G-single-realtime"});
  std::string why = Steps(r, "G-single-realtime");
  EXPECT_NE(why.find("T1 completed (event 1) before T3 was invoked (event 2), so T1 realtime→ T3"),
            std::string::npos) << why;
  EXPECT_EQ(Check(t.history(), {"serializable"}).valid, Validity::kValid);
}

TEST(ListAppend, GSingleProcessUnderSessionModel) {
  Txns t;
  t.Serial(0, {A("x", 1)});
  t.Serial(0, {R("x", {})});
  t.Serial(1, {R("x", {1})});
  CheckResult r = Check(t.history(), {"strong-session-serializable"});
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"G-single-process"});
}

TEST(ListAppend, InternalDuplicateAndIncompatibleOrder) {
  Txns t;
  t.Serial(0, {A("x", 1), R("x", {})});
  EXPECT_EQ(Types(Check(t.history())), std::vector<std::string>{"internal"});
  Txns d;
  d.Serial(0, {A("x", 1)}).Serial(1, {R("x", {1, 1})});
  EXPECT_EQ(Types(Check(d.history())), std::vector<std::string>{"duplicate-elements"});
  Txns i;
  i.Serial(0, {A("x", 1)}).Serial(1, {A("x", 2)}).Serial(2, {R("x", {1, 2})}).Serial(3, {R("x", {2, 1})});
  CheckResult r = Check(i.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"incompatible-order"});
  EXPECT_NE(r.details["anomalies"]["incompatible-order"][0]["why"].get<std::string>().find(
                "T7 read [2 1] but T5 read [1 2]; neither is a prefix"),
            std::string::npos);
}

TEST(ListAppend, InfoTxnMayHaveCommitted) {
  Txns t;
  t.Invoke(0, {A("x", 1)}).Info(0);
  t.Serial(1, {R("x", {1})});
  t.Serial(2, {R("x", {})});
  // The info append committed (it was seen), after T3... but T3 read [] after T2 saw [1]: realtime.
  CheckResult r = Check(t.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Check(t.history(), {"serializable"}).valid, Validity::kValid);
}

TEST(ListAppend, OkWithoutValueHasUnknownReads) {
  Txns t;
  t.Serial(0, {A("x", 1)});
  t.Invoke(1, {Rnil("x")}).Ok(1, nullptr);  // no result recorded: not a read of []
  t.Serial(2, {R("x", {1})});
  EXPECT_EQ(Check(t.history()).valid, Validity::kValid);
}

// Elle's dirty update: a committed append after a failed one in x's
// version order (only failed or info appends between).
TEST(ListAppend, DirtyUpdateCommittedAppendAfterAFailedOne) {
  Txns t;
  t.Invoke(0, {A("x", 1)}).Fail(0);             // T1 failed
  t.Invoke(1, {A("x", 2)}).Info(1);             // T3 may have committed
  t.Serial(2, {A("x", 3)});                     // T5 committed
  t.Serial(3, {R("x", {1, 2, 3})});
  CheckResult r = Check(t.history(), {"read-committed"});
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), (std::vector<std::string>{"G1a", "dirty-update"})) << ExplainListAppend(r);
  const json& a = r.details["anomalies"]["dirty-update"][0];
  EXPECT_EQ(a["txns"][0]["name"], "T1");
  EXPECT_EQ(a["txns"][1]["name"], "T5");
  EXPECT_EQ(a["why"].get<std::string>(),
            "key x: T5, which committed, appended 3 after 1, appended by T1, which failed (did not commit); "
            "the version order [1 2 3] promotes aborted state into committed state");
  EXPECT_NE(ExplainListAppend(r).find("dirty-update: key x: T5, which committed"), std::string::npos);
  // Forbidden wherever G1a is: read-uncommitted allows both.
  EXPECT_EQ(Check(t.history(), {"read-uncommitted"}).valid, Validity::kValid);
  // (Not only through G1a.)
  auto rc = ParseConsistencyModels("read-committed");
  ASSERT_TRUE(rc.ok());
  EXPECT_TRUE((*rc)[0]->forbids.count("dirty-update"));
}

TEST(ListAppend, NoDirtyUpdateWithoutACommittedAppendAfterTheFailedOne) {
  Txns t;
  t.Serial(0, {A("x", 1)});
  t.Invoke(1, {A("x", 2)}).Fail(1);
  t.Invoke(2, {A("x", 3)}).Info(2);  // unknown: not a committed append
  t.Serial(3, {R("x", {1, 2, 3})});
  CheckResult r = Check(t.history());
  EXPECT_EQ(Types(r), std::vector<std::string>{"G1a"}) << ExplainListAppend(r);
}

// Elle's garbage read: an element no txn appended to that key.
TEST(ListAppend, GarbageReadOfANeverAppendedElement) {
  Txns t;
  t.Serial(0, {A("x", 1)});
  t.Serial(1, {R("x", {1, 7})});
  t.Serial(2, {R("x", {1})});
  CheckResult r = Check(t.history(), {"read-uncommitted"});
  EXPECT_EQ(r.valid, Validity::kInvalid);  // no model allows it
  EXPECT_EQ(Types(r), std::vector<std::string>{"garbage-read"}) << ExplainListAppend(r);
  EXPECT_EQ(r.details["anomaly-counts"]["garbage-read"], 1);  // T5 read only [1]
  const json& a = r.details["anomalies"]["garbage-read"][0];
  EXPECT_EQ(a["txns"][0]["name"], "T3");
  EXPECT_EQ(a["why"].get<std::string>(),
            "T3 read key x = [1 7], which holds 7, but no txn in the history appended 7 to x");
  // A read not on the version order is looked at element by element.
  Txns u;
  u.Serial(0, {A("y", 1)}).Serial(1, {A("y", 2)});
  u.Serial(2, {R("y", {1, 2})});
  u.Serial(3, {R("y", {9})});
  CheckResult ru = Check(u.history(), {"serializable"});
  EXPECT_EQ(Types(ru), (std::vector<std::string>{"garbage-read", "incompatible-order"})) << ExplainListAppend(ru);
  EXPECT_NE(ru.details["anomalies"]["garbage-read"][0]["why"].get<std::string>().find(
                "T7 read key y = [9], which holds 9, but no txn in the history appended 9 to y"),
            std::string::npos);
}

TEST(ListAppend, BadInputNamesTheEvent) {
  Txns t;
  t.Serial(0, {json::array({"write", "x", 1})});
  ListAppendOptions o;
  o.name = "h.jsonl";
  auto r = CheckListAppend(t.history(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "h.jsonl: event 1: unknown micro-op \"write\" (list-append knows append and r)");
  Txns twice;
  twice.Serial(0, {A("x", 1)}).Serial(1, {A("x", 1)});
  EXPECT_FALSE(CheckListAppend(twice.history(), o).ok());
  o.consistency_models = {"linearizable"};
  EXPECT_FALSE(CheckListAppend(History{}, o).ok());
}

TEST(ListAppend, LimitsAnswerUnknownNeverValid) {
  Txns t;
  t.Invoke(0, {Rnil("x"), A("y", 1)}).Invoke(1, {Rnil("y"), A("x", 1)});
  t.Ok(0, {R("x", {}), A("y", 1)}).Ok(1, {R("y", {}), A("x", 1)});
  ListAppendOptions o;
  o.max_search_steps = 1;
  auto r = CheckListAppend(t.history(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->valid, Validity::kUnknown);
  EXPECT_NE(r->details["reason"].get<std::string>().find("step limit"), std::string::npos);
  ListAppendGenOptions g;
  g.txns = 20000;
  ListAppendOptions m;
  m.memory_limit_mb = 1;
  auto big = CheckListAppend(GenerateListAppend(g), m);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->valid, Validity::kUnknown);
  EXPECT_NE(big->details["reason"].get<std::string>().find("memory limit"), std::string::npos);
}

TEST(ListAppend, GeneratedHistoryWithOnePlantedGSingle) {
  ListAppendGenOptions g;
  g.seed = 7;
  g.txns = 5000;
  g.keys = 20;
  g.processes = 8;
  g.max_writes_per_key = 16;
  History h = GenerateListAppend(g);
  ASSERT_TRUE(testing::PlantGSingle(&h));
  CheckResult r = Check(h);
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"G-single"}) << ExplainListAppend(r);
  EXPECT_EQ(r.details["anomaly-counts"]["G-single"], 1);
  std::string why = Steps(r, "G-single");
  EXPECT_NE(why.find(" rw→ "), std::string::npos) << why;
}

TEST(ListAppend, GeneratedValidHistoriesAreValid) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    ListAppendGenOptions g;
    g.seed = seed;
    g.txns = 300;
    g.keys = 4;
    g.max_writes_per_key = 8;
    g.p_info = 0.05;
    g.p_fail = 0.05;
    CheckResult r = Check(GenerateListAppend(g));
    EXPECT_EQ(r.valid, Validity::kValid) << "seed " << seed << ": " << ExplainListAppend(r);
  }
}

// ---- brute force: some serial order of the committed txns (info ones in
// or out) explains every ok read; `realtime`: the order respects real time.
bool BruteForceSerializable(const History& h, bool realtime) {
  struct T {
    json mops;
    bool ok;
    size_t invoke, complete;
  };
  std::vector<T> all;
  std::map<int64_t, size_t> open;
  for (size_t i = 0; i < h.size(); ++i) {
    const Op& op = h[i];
    if (op.is_invoke()) {
      open[op.process] = all.size();
      all.push_back({op.value, false, i, SIZE_MAX});
    } else {
      T& t = all[open[op.process]];
      t.complete = op.is_info() ? SIZE_MAX : i;  // info may take effect any time later
      if (op.is_ok()) {
        t.ok = true;
        t.mops = op.value;
      } else if (op.is_fail()) {
        t.invoke = SIZE_MAX;  // excluded
      }
    }
  }
  std::vector<size_t> ok, info;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].invoke == SIZE_MAX) continue;
    (all[i].ok ? ok : info).push_back(i);
  }
  for (size_t mask = 0; mask < (size_t{1} << info.size()); ++mask) {
    std::vector<size_t> chosen = ok;
    for (size_t j = 0; j < info.size(); ++j) {
      if (mask >> j & 1) chosen.push_back(info[j]);
    }
    std::sort(chosen.begin(), chosen.end());
    do {
      bool good = true;
      if (realtime) {
        for (size_t a = 0; a < chosen.size() && good; ++a) {
          for (size_t b = a + 1; b < chosen.size() && good; ++b) {
            // b runs after a: b must not have completed before a was invoked.
            if (all[chosen[b]].complete < all[chosen[a]].invoke) good = false;
          }
        }
      }
      std::map<std::string, std::vector<int64_t>> state;
      for (size_t id : chosen) {
        if (!good) break;
        for (const auto& m : all[id].mops) {
          std::string k = m[1].dump();
          if (m[0] == "append") {
            state[k].push_back(m[2].get<int64_t>());
          } else if (all[id].ok) {
            std::vector<int64_t> seen = m[2].is_null() ? std::vector<int64_t>{} : m[2].get<std::vector<int64_t>>();
            if (seen != state[k]) good = false;
          }
        }
      }
      if (good) return true;
    } while (std::next_permutation(chosen.begin(), chosen.end()));
  }
  return false;
}

TEST(ListAppend, DifferentialAgainstBruteForce) {
  // FAULTLINE_DIFF_SEEDS=N runs more seeds (600 by default).
  const char* env = std::getenv("FAULTLINE_DIFF_SEEDS");
  uint64_t seeds = env ? std::strtoull(env, nullptr, 10) : 600;
  size_t valid = 0, invalid = 0;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    ListAppendGenOptions g;
    g.seed = seed;
    g.txns = 3 + seed % 4;
    g.processes = 3;
    g.keys = 2;
    g.max_txn_length = 3;
    g.p_info = 0.15;
    g.p_fail = 0.1;
    g.p_stale = 0.3;
    g.p_fail_applied = 0.3;
    History h = GenerateListAppend(g);
    for (bool rt : {false, true}) {
      bool expected = BruteForceSerializable(h, rt);
      CheckResult r = Check(h, {rt ? "strict-serializable" : "serializable"});
      ASSERT_NE(r.valid, Validity::kUnknown);
      (expected ? valid : invalid)++;
      std::string text;
      for (const Op& op : h) text += OpToJson(op).dump() + "\n";
      ASSERT_EQ(r.valid == Validity::kValid, expected)
          << "seed " << seed << (rt ? " strict-serializable" : " serializable") << ": brute force says "
          << (expected ? "valid" : "invalid") << "\n" << ExplainListAppend(r) << "\n" << text;
    }
  }
  std::printf("differential: %zu valid, %zu invalid verdicts agreed\n", valid, invalid);
  EXPECT_GT(valid, 100u);
  EXPECT_GT(invalid, 100u);
}

TEST(ConsistencyModels, ParseAndJudge) {
  auto m = ParseConsistencyModels("serializable,strong-serializable");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)[1]->name, "strict-serializable");
  EXPECT_FALSE(ParseConsistencyModels("bogus").ok());
  ModelVerdict v = JudgeModels({"G2-item"}, *m, true, true);
  EXPECT_EQ(v.violated, (std::vector<std::string>{"serializable", "strict-serializable"}));
  // Elle's lattice: write skew keeps snapshot isolation's strongest form and
  // update-serializable (which forbids G-update, not G2-item).
  EXPECT_EQ(v.strongest_satisfied, (std::vector<std::string>{"update-serializable", "strong-snapshot-isolation"}));
}

}  // namespace
}  // namespace list_append_test
}  // namespace faultline
