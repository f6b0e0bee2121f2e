// Elle's consistency lattice as faultline follows it (checkers/
// consistency_models.h): for each anomaly faultline reports, the weakest
// models that forbid it and some anomalies it implies, written out by hand
// from Elle's consistency_model.clj; a models x anomalies table of the
// classic models; the closure the cycle search's skipping relies on; and
// each anomaly exercised by a small history, valid under a model that
// allows it and invalid under the weakest ones that forbid it.
#include "checkers/consistency_models.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "checkers/list_append.h"
#include "checkers/rw_register.h"
#include "tests/checkers/txn_history.h"

namespace faultline {
namespace {

using Set = std::set<std::string>;

Set Weakest(const std::string& anomaly) {
  auto v = JudgeModels({anomaly}, {}, true, true).weakest_violated;
  return Set(v.begin(), v.end());
}

bool Forbids(const std::string& model, const std::string& anomaly) {
  auto m = ParseConsistencyModels(model);
  EXPECT_TRUE(m.ok()) << model;
  return m.ok() && !JudgeModels({anomaly}, *m, true, true).violated.empty();
}

// Anomaly -> the weakest models forbidding it, as Elle's lattice has them.
const std::map<std::string, Set>& WeakestTable() {
  static const std::map<std::string, Set> t = {
      {"G0", {"read-uncommitted"}},
      {"duplicate-elements", {"read-uncommitted"}},
      {"garbage-read", {"read-uncommitted"}},
      {"G1a", {"read-committed"}},
      {"G1b", {"read-committed"}},
      {"G1c", {"read-committed"}},
      {"dirty-update", {"read-committed"}},
      {"incompatible-order", {"read-committed"}},
      {"future-read", {"read-committed"}},
      {"internal", {"read-atomic"}},
      {"lost-update", {"cursor-stability", "update-atomic"}},
      {"G-single", {"consistent-view", "repeatable-read"}},
      {"G-nonadjacent", {"repeatable-read", "snapshot-isolation"}},
      {"G2-item", {"repeatable-read"}},
      {"G0-process", {"strong-session-read-uncommitted"}},
      {"G1c-process", {"strong-session-read-committed"}},
      {"G-single-process", {"strong-session-snapshot-isolation"}},
      {"G-nonadjacent-process", {"strong-session-snapshot-isolation"}},
      {"G2-item-process", {"strong-session-serializable"}},
      {"G0-realtime", {"strong-read-uncommitted"}},
      {"G1c-realtime", {"strong-read-committed"}},
      {"G-single-realtime", {"strong-snapshot-isolation"}},
      {"G-nonadjacent-realtime", {"strong-snapshot-isolation"}},
      {"G2-item-realtime", {"strict-serializable"}},
  };
  return t;
}

TEST(ConsistencyLattice, WeakestModelsForbiddingEachAnomalyAreElles) {
  for (const auto& [anomaly, weakest] : WeakestTable()) EXPECT_EQ(Weakest(anomaly), weakest) << anomaly;
}

TEST(ConsistencyLattice, ImpliedAnomaliesAreElles) {
  auto has = [](const std::string& a, const Set& want) {
    Set got = ImpliedAnomalies(a);
    for (const auto& w : want) EXPECT_TRUE(got.count(w)) << a << " should imply " << w;
  };
  has("G0", {"G1c", "G1", "G0-process", "G0-realtime", "G1c-realtime"});
  has("G1a", {"G1"});
  has("future-read", {"G1c", "G1"});
  has("dirty-update", {"G1a", "G1"});
  has("incompatible-order", {"G1a"});
  has("lost-update", {"write-skew", "G2-item", "G2"});
  has("G-single", {"G-nonadjacent", "G2-item", "G2", "GSIb", "G-single-process", "G-single-realtime"});
  has("G-single-process", {"G-single-realtime", "G2-item-process", "G2-realtime"});
  has("G2-item", {"G2", "G2-item-process", "G2-item-realtime"});
  EXPECT_EQ(ImpliedAnomalies("internal"), Set{"internal"});
  EXPECT_FALSE(ImpliedAnomalies("G1c").count("G-single"));
  EXPECT_FALSE(ImpliedAnomalies("G2-item").count("G-single"));
}

// The classic models against the anomalies that separate them.
TEST(ConsistencyLattice, ClassicModelsTable) {
  const std::vector<std::string> models = {"read-uncommitted", "read-committed",     "read-atomic",
                                           "cursor-stability", "repeatable-read",    "snapshot-isolation",
                                           "serializable",     "strict-serializable"};
  // One row per anomaly: does each model above forbid it (1) or not (0)?
  const std::map<std::string, std::string> table = {
      {"G0", "11111111"},           {"G1a", "01111111"},          {"G1c", "01111111"},
      {"internal", "00100111"},     {"future-read", "01111111"},  {"lost-update", "00011111"},
      {"G-single", "00001111"},     {"G-nonadjacent", "00001111"}, {"G2-item", "00001011"},
      {"G-single-process", "00000001"}, {"G2-item-realtime", "00000001"}, {"garbage-read", "11111111"},
  };
  for (const auto& [anomaly, row] : table) {
    for (size_t i = 0; i < models.size(); ++i) {
      EXPECT_EQ(Forbids(models[i], anomaly), row[i] == '1') << models[i] << " x " << anomaly;
    }
  }
}

// txn_graph.cc skips searching a cycle kind when a kind at least as severe
// in both data and order was found; that is sound only if every model
// forbidding the skipped kind forbids the found one.
TEST(ConsistencyLattice, CycleSearchSkippingIsSound) {
  const char* data[] = {"G0", "G1c", "G-single", "G-nonadjacent", "G2-item"};
  const char* order[] = {"", "-process", "-realtime"};
  for (int d = 0; d < 5; ++d) {
    for (int o = 0; o < 3; ++o) {
      for (int d2 = d; d2 < 5; ++d2) {
        for (int o2 = o; o2 < 3; ++o2) {
          std::string found = std::string(data[d]) + order[o], skipped = std::string(data[d2]) + order[o2];
          for (const auto& m : AllConsistencyModels()) {
            bool forbids_skipped = !JudgeModels({skipped}, {&m}, true, true).violated.empty();
            bool forbids_found = !JudgeModels({found}, {&m}, true, true).violated.empty();
            EXPECT_FALSE(forbids_skipped && !forbids_found)
                << m.name << " forbids " << skipped << " but not " << found;
          }
        }
      }
    }
  }
}

TEST(ConsistencyLattice, ModelsAreOrderedWeakestFirstAndAliasesResolve) {
  const auto& all = AllConsistencyModels();
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = i + 1; j < all.size(); ++j) {
      EXPECT_EQ(std::count(all[i].implies.begin(), all[i].implies.end(), all[j].name), 0)
          << all[i].name << " comes before " << all[j].name << ", which it implies";
    }
  }
  auto m = ParseConsistencyModels("PL-2,PL-2.99,PL-SI,strong-serializable,conflict-serializable");
  ASSERT_TRUE(m.ok()) << m.status().message();
  std::vector<std::string> names;
  for (auto* x : *m) names.push_back(x->name);
  EXPECT_EQ(names, (std::vector<std::string>{"read-committed", "repeatable-read", "snapshot-isolation",
                                             "strict-serializable", "serializable"}));
  EXPECT_FALSE(ParseConsistencyModels("linearizable").ok());  // not a transactional model
}

// ---- Each anomaly in a small history ----

json A(const char* k, int v) { return json::array({"append", k, v}); }
json R(const char* k, std::vector<int> l) { return json::array({"r", k, l}); }
json Rnil(const char* k) { return json::array({"r", k, nullptr}); }
json W(const char* k, int v) { return json::array({"w", k, v}); }
json Rr(const char* k, json v) { return json::array({"r", k, v}); }

struct Row {
  std::string anomaly;
  bool list_append;  // else rw-register
  std::function<void(testing::TxnHistory&)> build;
  std::string allowed_by;  // a model that allows it ("" when none does)
};

CheckResult CheckRow(const Row& row, const std::string& model) {
  testing::TxnHistory t(true);
  row.build(t);
  TxnCheckOptions o;
  o.consistency_models = {model};
  auto r = row.list_append ? CheckListAppend(t.history(), o) : CheckRwRegister(t.history(), o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : CheckResult{};
}

std::vector<Row> Rows() {
  using H = testing::TxnHistory;
  return {
      {"G0", true,
       [](H& t) {
         t.Invoke(0, {A("x", 1), A("y", 1)}).Invoke(1, {A("x", 2), A("y", 2)});
         t.Ok(0, {A("x", 1), A("y", 1)}).Ok(1, {A("x", 2), A("y", 2)});
         t.Serial(2, {R("x", {1, 2}), R("y", {2, 1})});
       },
       ""},
      {"G1a", true, [](H& t) { t.Invoke(0, {A("x", 1)}).Fail(0).Serial(1, {R("x", {1})}); }, "read-uncommitted"},
      {"G1b", true, [](H& t) { t.Serial(0, {A("x", 1), A("x", 2)}).Serial(1, {R("x", {1})}); }, "read-uncommitted"},
      {"G1c", true,
       [](H& t) {
         t.Invoke(0, {A("x", 1), Rnil("y")}).Invoke(1, {A("y", 1), Rnil("x")});
         t.Ok(0, {A("x", 1), R("y", {1})}).Ok(1, {A("y", 1), R("x", {1})});
       },
       "read-uncommitted"},
      {"G-single", true,
       [](H& t) {
         t.Invoke(0, {Rnil("x"), Rnil("y")}).Invoke(1, {A("x", 1), A("y", 1)});
         t.Ok(1, {A("x", 1), A("y", 1)}).Ok(0, {R("x", {}), R("y", {1})});
         t.Serial(2, {R("x", {1})});
       },
       "read-committed"},
      {"G-nonadjacent", true,
       [](H& t) {
         t.Invoke(0, {Rnil("x"), Rnil("w")}).Invoke(1, {A("x", 1), A("y", 1)});
         t.Invoke(2, {Rnil("y"), Rnil("z")}).Invoke(3, {A("z", 1), A("w", 1)});
         t.Ok(0, {R("x", {}), R("w", {1})}).Ok(1, {A("x", 1), A("y", 1)});
         t.Ok(2, {R("y", {1}), R("z", {})}).Ok(3, {A("z", 1), A("w", 1)});
         t.Serial(4, {R("x", {1}), R("z", {1})});
       },
       "consistent-view"},
      {"G2-item", false,
       [](H& t) {
         t.Invoke(0, {Rr("x", nullptr), W("y", 1)}).Invoke(1, {Rr("y", nullptr), W("x", 1)});
         t.Ok(0, {Rr("x", nullptr), W("y", 1)}).Ok(1, {Rr("y", nullptr), W("x", 1)});
       },
       "snapshot-isolation"},
      {"G-single-process", true, [](H& t) { t.Serial(0, {A("x", 1)}).Serial(0, {R("x", {})}).Serial(1, {R("x", {1})}); },
       "serializable"},
      {"G-single-realtime", true,
       [](H& t) { t.Serial(0, {A("x", 1)}).Serial(1, {R("x", {})}).Serial(2, {R("x", {1})}); },
       "strong-session-serializable"},
      // A non-repeatable read inside one txn (READ COMMITTED allows it).
      {"internal", false,
       [](H& t) {
         t.Invoke(0, {Rr("x", nullptr), Rr("x", nullptr)});
         t.Serial(1, {W("x", 1)});
         t.Ok(0, {Rr("x", nullptr), Rr("x", 1)});
       },
       "read-committed"},
      {"future-read", true, [](H& t) { t.Serial(0, {R("x", {1}), A("x", 1)}); }, "read-uncommitted"},
      {"future-read", false, [](H& t) { t.Serial(0, {Rr("x", 1), W("x", 1)}); }, "read-uncommitted"},
      // Two txns read one version and both overwrite it.
      {"lost-update", false,
       [](H& t) {
         t.Invoke(0, {Rr("x", nullptr), W("x", 1)}).Invoke(1, {Rr("x", nullptr), W("x", 2)});
         t.Ok(0, {Rr("x", nullptr), W("x", 1)}).Ok(1, {Rr("x", nullptr), W("x", 2)});
       },
       "read-committed"},
      {"lost-update", true,
       [](H& t) {
         t.Invoke(0, {Rnil("x"), A("x", 1)}).Invoke(1, {Rnil("x"), A("x", 2)});
         t.Ok(0, {R("x", {}), A("x", 1)}).Ok(1, {R("x", {}), A("x", 2)});
         t.Serial(2, {R("x", {1, 2})});
       },
       "read-committed"},
      {"dirty-update", true,
       [](H& t) { t.Invoke(0, {A("x", 1)}).Fail(0).Serial(1, {A("x", 2)}).Serial(2, {R("x", {1, 2})}); },
       "read-uncommitted"},
      {"incompatible-order", true,
       [](H& t) {
         t.Serial(0, {A("x", 1)}).Serial(1, {A("x", 2)}).Serial(2, {R("x", {1, 2})}).Serial(3, {R("x", {2, 1})});
       },
       "read-uncommitted"},
      {"duplicate-elements", true, [](H& t) { t.Serial(0, {A("x", 1)}).Serial(1, {R("x", {1, 1})}); }, ""},
      {"garbage-read", false, [](H& t) { t.Serial(0, {Rr("x", 7)}); }, ""},
  };
}

TEST(ConsistencyLattice, EachAnomalyInAHistoryIsJudgedByTheLattice) {
  for (const Row& row : Rows()) {
    std::string name = row.anomaly + (row.list_append ? " (list-append)" : " (rw-register)");
    // Found, and invalid under each weakest model that forbids it.
    for (const auto& model : WeakestTable().at(row.anomaly)) {
      CheckResult r = CheckRow(row, model);
      auto types = testing::AnomalyTypes(r);
      EXPECT_TRUE(std::count(types.begin(), types.end(), row.anomaly)) << name << ": " << ExplainTxnCheck(r);
      EXPECT_EQ(r.valid, Validity::kInvalid) << name << " under " << model << "\n" << ExplainTxnCheck(r);
      auto& weakest = r.details["weakest-violated"];
      EXPECT_NE(std::find(weakest.begin(), weakest.end(), model), weakest.end()) << name << ": " << weakest.dump();
    }
    // Valid under a model that allows it (and nothing else it holds).
    if (!row.allowed_by.empty()) {
      CheckResult r = CheckRow(row, row.allowed_by);
      EXPECT_EQ(r.valid, Validity::kValid) << name << " under " << row.allowed_by << "\n" << ExplainTxnCheck(r);
      EXPECT_FALSE(Forbids(row.allowed_by, row.anomaly)) << name;
    }
  }
}

// The two cases: a non-repeatable read is fine for READ COMMITTED
// but not for snapshot isolation; two txns overwriting one version lose an
// update, fine for READ COMMITTED only.
TEST(ConsistencyLattice, NonRepeatableReadAndLostUpdateVerdicts) {
  for (const Row& row : Rows()) {
    if (row.anomaly != "internal" && row.anomaly != "lost-update") continue;
    EXPECT_EQ(CheckRow(row, "read-committed").valid, Validity::kValid) << row.anomaly;
    EXPECT_EQ(CheckRow(row, "snapshot-isolation").valid, Validity::kInvalid) << row.anomaly;
    if (row.anomaly == "lost-update") {
      EXPECT_EQ(CheckRow(row, "repeatable-read").valid, Validity::kInvalid);
      CheckResult r = CheckRow(row, "repeatable-read");
      std::string why = r.details["anomalies"]["lost-update"][0]["why"];
      EXPECT_NE(why.find("key x: T2 and T3 both read x = "), std::string::npos) << why;
    } else {
      EXPECT_EQ(CheckRow(row, "repeatable-read").valid, Validity::kValid);  // Elle: RR does not forbid internal
    }
  }
}

// With G1b, the G-single of the reader and the writer is reported too.
TEST(ConsistencyLattice, IntermediateReadAlsoReportsItsGSingle) {
  for (bool list : {true, false}) {
    testing::TxnHistory t(true);
    if (list) {
      t.Serial(0, {A("x", 1), A("x", 2)}).Serial(1, {R("x", {1})});
    } else {
      t.Serial(0, {W("x", 1), W("x", 2)}).Serial(1, {Rr("x", 1)});
    }
    TxnCheckOptions o;
    o.consistency_models = {"serializable"};
    auto r = list ? CheckListAppend(t.history(), o) : CheckRwRegister(t.history(), o);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(testing::AnomalyTypes(*r), (std::vector<std::string>{"G-single", "G1b"})) << ExplainTxnCheck(*r);
  }
}

// A cycle whose order edges are both process and realtime is named
// realtime when realtime is checked, process when only process is.
TEST(ConsistencyLattice, ProcessAndRealtimeCycleIsNamedRealtime) {
  testing::TxnHistory t(true);
  t.Serial(0, {A("x", 1)}).Serial(0, {R("x", {})}).Serial(1, {R("x", {1})});
  TxnCheckOptions o;
  o.consistency_models = {"strict-serializable"};
  auto r = CheckListAppend(t.history(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(testing::AnomalyTypes(*r), std::vector<std::string>{"G-single-realtime"});
  o.consistency_models = {"strong-session-serializable"};
  r = CheckListAppend(t.history(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(testing::AnomalyTypes(*r), std::vector<std::string>{"G-single-process"});
}

}  // namespace
}  // namespace faultline
