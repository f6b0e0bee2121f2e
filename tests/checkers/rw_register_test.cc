// The rw-register checker: planted anomalies (each found and classified,
// cycle explained), generated valid histories valid, and a seeded soundness
// test against a brute-force serializability checker (every invalid verdict
// must be confirmed: register version orders are partial, so the checker is
// sound but not complete).
#include "checkers/rw_register.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include "tests/checkers/txn_history.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace rw_register_test {
namespace {

// Hand-written histories (tests/checkers/txn_history.h).
struct Txns : testing::TxnHistory {
  Txns() : TxnHistory(false /* untimed, as these tests were written */) {}
};

json W(const char* k, int v) { return json::array({"w", k, v}); }
json R(const char* k, json v) { return json::array({"r", k, v}); }

CheckResult Check(const History& h, std::vector<std::string> models = {"strict-serializable"}) {
  TxnCheckOptions o;
  o.consistency_models = std::move(models);
  auto r = CheckRwRegister(h, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : CheckResult{};
}
std::vector<std::string> Types(const CheckResult& r) { return testing::AnomalyTypes(r); }
std::string Steps(const CheckResult& r, const std::string& kind) { return testing::CycleSteps(r, kind); }

TEST(RwRegister, GSingleReadSkew) {
  Txns t;
  t.Invoke(0, {R("x", nullptr), R("y", nullptr)}).Invoke(1, {W("x", 1), W("y", 1)});
  t.Ok(1, {W("x", 1), W("y", 1)}).Ok(0, {R("x", nullptr), R("y", 1)});
  CheckResult r = Check(t.history());
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"G-single"});
  std::string why = Steps(r, "G-single");
  EXPECT_NE(why.find("T3 read x = nil (the initial state) and T2 wrote x = 1, so T3 rw→ T2"), std::string::npos) << why;
  EXPECT_NE(why.find("T3 read y = 1, which T2 wrote, so T2 wr→ T3"), std::string::npos) << why;
}

TEST(RwRegister, G2ItemWriteSkewAllowedBySnapshotIsolation) {
  Txns t;
  t.Invoke(0, {R("x", nullptr), W("y", 1)}).Invoke(1, {R("y", nullptr), W("x", 1)});
  t.Ok(0, {R("x", nullptr), W("y", 1)}).Ok(1, {R("y", nullptr), W("x", 1)});
  CheckResult r = Check(t.history());
  EXPECT_EQ(Types(r), std::vector<std::string>{"G2-item"});
  EXPECT_EQ(Check(t.history(), {"snapshot-isolation"}).valid, Validity::kValid);
}

TEST(RwRegister, G1cAndLostUpdateAsWwCycle) {
  Txns t;  // each reads the other's write: circular information flow
  t.Invoke(0, {W("x", 1), R("y", nullptr)}).Invoke(1, {W("y", 1), R("x", nullptr)});
  t.Ok(0, {W("x", 1), R("y", 1)}).Ok(1, {W("y", 1), R("x", 1)});
  EXPECT_EQ(Types(Check(t.history())), std::vector<std::string>{"G1c"});
}

TEST(RwRegister, G1aG1bInternal) {
  Txns a;
  a.Invoke(0, {W("x", 1)}).Fail(0, {W("x", 1)}).Serial(1, {R("x", 1)});
  EXPECT_EQ(Types(Check(a.history())), std::vector<std::string>{"G1a"});
  Txns b;
  b.Serial(0, {W("x", 1), W("x", 2)}).Serial(1, {R("x", 1)});
  // As Elle, with the G-single of the reader and the writer it read mid-txn.
  EXPECT_EQ(Types(Check(b.history())), (std::vector<std::string>{"G-single", "G1b"}));
  Txns i;
  i.Serial(0, {W("x", 1), R("x", 2)});
  EXPECT_EQ(Types(Check(i.history())), std::vector<std::string>{"internal"});
}

TEST(RwRegister, GSingleRealtimeStaleRead) {
  Txns t;
  t.Serial(0, {W("x", 1)}).Serial(1, {R("x", nullptr)});
  CheckResult r = Check(t.history());
  EXPECT_EQ(Types(r), std::vector<std::string>{"G-single-realtime"});
  EXPECT_EQ(Check(t.history(), {"serializable"}).valid, Validity::kValid);
}

// Elle's garbage read: a value no txn wrote.
TEST(RwRegister, GarbageReadOfANeverWrittenValue) {
  Txns t;
  t.Serial(0, {W("x", 1)});
  t.Serial(1, {R("x", 5)});
  t.Serial(2, {R("x", 1)});
  CheckResult r = Check(t.history(), {"read-uncommitted"});
  EXPECT_EQ(r.valid, Validity::kInvalid);
  EXPECT_EQ(Types(r), std::vector<std::string>{"garbage-read"});
  const json& a = r.details["anomalies"]["garbage-read"][0];
  EXPECT_EQ(a["txns"][0]["name"], "T3");
  EXPECT_EQ(a["why"].get<std::string>(), "T3 read key x = 5, but no txn in the history wrote 5 to x");
}

TEST(RwRegister, BadInput) {
  Txns t;
  t.Serial(0, {json::array({"append", "x", 1})});
  auto r = CheckRwRegister(t.history(), TxnCheckOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "history: event 1: unknown micro-op \"append\" (rw-register knows w and r)");
}

// Small random histories from a store that is serial (commit at a random
// point inside each txn's interval) unless it reads stale snapshots.
History Generate(uint64_t seed, size_t txns, double p_stale, double p_info, double p_fail) {
  std::mt19937_64 rng(seed);
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  std::map<int, int64_t> state;
  std::vector<std::map<int, int64_t>> snapshots{state};
  int64_t next_value = 1;
  struct Proc {
    int64_t id;
    bool busy = false, applied = false;
    json txn;
  };
  std::vector<Proc> procs(3);
  for (size_t i = 0; i < procs.size(); ++i) procs[i].id = static_cast<int64_t>(i);
  int64_t next_process = 3;
  History h;
  size_t invoked = 0, open = 0;
  auto emit = [&](const Proc& p, OpType t, json v) {
    Op op;
    op.index = static_cast<int64_t>(h.size());
    op.type = t;
    op.process = p.id;
    op.f = "txn";
    op.value = std::move(v);
    h.push_back(std::move(op));
  };
  while (invoked < txns || open > 0) {
    Proc& p = procs[rng() % procs.size()];
    if (!p.busy) {
      if (invoked == txns) continue;
      json txn = json::array();
      for (size_t i = 0, n = 1 + rng() % 3; i < n; ++i) {
        int k = static_cast<int>(rng() % 2);
        if (chance(0.5)) txn.push_back({"r", k, nullptr});
        else txn.push_back({"w", k, next_value++});
      }
      p = Proc{p.id, true, false, txn};
      ++invoked;
      ++open;
      emit(p, OpType::kInvoke, txn);
    } else if (!p.applied) {
      if (chance(p_fail)) {
        emit(p, OpType::kFail, p.txn);
        p.busy = false;
        --open;
        continue;
      }
      if (chance(p_info)) {
        if (chance(0.5)) {
          for (auto& m : p.txn) {
            if (m[0] == "w") state[m[1].get<int>()] = m[2].get<int64_t>();
          }
        }
        emit(p, OpType::kInfo, nullptr);
        p.busy = false;
        p.id = next_process++;
        --open;
        continue;
      }
      const auto view = chance(p_stale) ? snapshots[rng() % snapshots.size()] : state;
      std::map<int, int64_t> own;
      for (auto& m : p.txn) {
        int k = m[1].get<int>();
        if (m[0] == "w") {
          state[k] = own[k] = m[2].get<int64_t>();
        } else if (own.count(k)) {
          m[2] = own[k];
        } else {
          m[2] = view.count(k) ? json(view.at(k)) : json(nullptr);
        }
      }
      snapshots.push_back(state);
      p.applied = true;
    } else {
      emit(p, OpType::kOk, p.txn);
      p.busy = false;
      --open;
    }
  }
  return h;
}

bool BruteForceSerializable(const History& h, bool realtime) {
  struct T {
    json mops;
    bool ok = false, excluded = false;
    size_t invoke = 0, complete = SIZE_MAX;
  };
  std::vector<T> all;
  std::map<int64_t, size_t> open;
  for (size_t i = 0; i < h.size(); ++i) {
    const Op& op = h[i];
    if (op.is_invoke()) {
      open[op.process] = all.size();
      all.push_back({op.value, false, false, i, SIZE_MAX});
      continue;
    }
    T& t = all[open[op.process]];
    if (op.is_ok()) {
      t.ok = true;
      t.mops = op.value;
      t.complete = i;
    }
    if (op.is_fail()) t.excluded = true;
  }
  std::vector<size_t> ok, info;
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i].excluded) (all[i].ok ? ok : info).push_back(i);
  }
  for (size_t mask = 0; mask < (size_t{1} << info.size()); ++mask) {
    std::vector<size_t> chosen = ok;
    for (size_t j = 0; j < info.size(); ++j) {
      if (mask >> j & 1) chosen.push_back(info[j]);
    }
    std::sort(chosen.begin(), chosen.end());
    do {
      bool good = true;
      for (size_t a = 0; realtime && a < chosen.size(); ++a) {
        for (size_t b = a + 1; b < chosen.size(); ++b) good &= !(all[chosen[b]].complete < all[chosen[a]].invoke);
      }
      std::map<std::string, json> state;
      for (size_t id : chosen) {
        for (const auto& m : all[id].mops) {
          if (!good) break;
          std::string k = m[1].dump();
          if (m[0] == "w") {
            state[k] = m[2];
          } else if (all[id].ok) {
            json cur = state.count(k) ? state[k] : json(nullptr);
            good = cur == m[2];
          }
        }
      }
      if (good) return true;
    } while (std::next_permutation(chosen.begin(), chosen.end()));
  }
  return false;
}

TEST(RwRegister, GeneratedSerialHistoriesAreValid) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    History h = Generate(seed, 40, 0, 0.05, 0.05);
    CheckResult r = Check(h);
    ASSERT_EQ(r.valid, Validity::kValid) << "seed " << seed << "\n" << ExplainTxnCheck(r);
  }
}

TEST(RwRegister, SoundAgainstBruteForce) {
  const char* env = std::getenv("FAULTLINE_DIFF_SEEDS");
  uint64_t seeds = env ? std::strtoull(env, nullptr, 10) : 600;
  size_t confirmed = 0, missed = 0;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    History h = Generate(seed, 3 + seed % 4, 0.4, 0.15, 0.1);
    for (bool rt : {false, true}) {
      bool serializable = BruteForceSerializable(h, rt);
      CheckResult r = Check(h, {rt ? "strict-serializable" : "serializable"});
      ASSERT_NE(r.valid, Validity::kUnknown);
      if (r.valid == Validity::kInvalid) {
        std::string text;
        for (const Op& op : h) text += OpToJson(op).dump() + "\n";
        ASSERT_FALSE(serializable) << "seed " << seed << (rt ? " strict" : "") << ": checker says invalid, brute force "
                                   << "found a serial order\n" << ExplainTxnCheck(r) << "\n" << text;
        ++confirmed;
      } else if (!serializable) {
        ++missed;
      }
    }
  }
  std::printf("rw-register: %zu invalid verdicts confirmed by brute force, %zu non-serializable histories not "
              "detected (partial version orders)\n", confirmed, missed);
  EXPECT_GT(confirmed, 50u);
}

}  // namespace
}  // namespace rw_register_test
}  // namespace faultline
