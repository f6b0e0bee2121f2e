// The transactional workloads (workloads/txn_workload.h): list-append and
// rw-register run for real through `faultline test` against the memory
// target — the ops they generate, the verdicts, the refusals.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "harness/history/history_reader.h"
#include "tests/faultline_cli.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class TxnWorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = fs::temp_directory_path() / ("faultline_txn_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(store_);
  }
  void TearDown() override { fs::remove_all(store_); }

  FaultlineOutput Run(const std::string& args) {
    return Faultline("test --target memory --time-limit 3 --recovery-time 0 --rate 1000 --concurrency 4 --seed 5 --store " +
                     store_.string() + " " + args);
  }
  fs::path Latest() { return fs::canonical(store_ / "latest"); }
  json Results() {
    std::ifstream in(Latest() / "results.json");
    return json::parse(in);
  }

  fs::path store_;
};

Result<std::unique_ptr<Workload>> Make(const std::string& name, std::map<std::string, std::string> opts) {
  const auto* entry = WorkloadRegistry::Get().Find(name);
  if (!entry) return Status::Error("no workload " + name);
  WorkloadOptions o;
  o.opts = std::move(opts);
  return entry->factory(o);
}

TEST_F(TxnWorkloadTest, ListAppendOnACorrectStoreIsStrictSerializableAndItsOpsHaveElleShape) {
  FaultlineOutput run = Run("--workload list-append --workload-opt keys=3 --workload-opt max-txn-length=3 "
                            "--workload-opt max-writes-per-key=5 --workload-opt read-fraction=40");
  ASSERT_EQ(run.code, 0) << run.text;
  EXPECT_NE(run.text.find("verdict: valid"), std::string::npos) << run.text;
  json r = Results();
  const json& la = r["list-append"];
  EXPECT_EQ(la["valid"], true) << la.dump(2);
  EXPECT_EQ(la["consistency-models"], json::array({"strict-serializable"}));
  EXPECT_GT(la["txns"]["ok"].get<int64_t>(), 200) << la.dump(2);

  auto h = ReadHistoryFile((Latest() / "history.jsonl").string());
  ASSERT_TRUE(h.ok()) << h.status().message();
  std::map<int64_t, int64_t> last_value;  // key -> the last value appended to it (invocation order)
  size_t invokes = 0, multi = 0, reads_seen = 0;
  for (const Op& op : *h) {
    if (op.is_nemesis()) continue;
    ASSERT_EQ(op.f, "txn");
    ASSERT_TRUE(op.value.is_array());
    if (!op.is_invoke()) {
      if (op.is_ok()) {
        for (const json& m : op.value) {
          if (m[0] == "r" && m[2].is_array()) reads_seen += m[2].size();
        }
      }
      continue;
    }
    ++invokes;
    ASSERT_GE(op.value.size(), 1u);
    ASSERT_LE(op.value.size(), 3u);
    multi += op.value.size() > 1;
    for (const json& m : op.value) {
      ASSERT_TRUE(m[0] == "r" || m[0] == "append") << m.dump();
      ASSERT_TRUE(m[1].is_number_integer()) << m.dump();
      if (m[0] == "r") {
        EXPECT_TRUE(m[2].is_null());
        continue;
      }
      // Values per key are 1, 2, 3, ... up to max-writes-per-key, then the key retires.
      int64_t k = m[1].get<int64_t>(), v = m[2].get<int64_t>();
      EXPECT_EQ(v, last_value[k] + 1) << "key " << k;
      EXPECT_LE(v, 5);
      last_value[k] = v;
    }
  }
  EXPECT_GT(invokes, 200u);
  EXPECT_GT(multi, invokes / 3);
  EXPECT_GT(last_value.size(), 10u) << "keys retire after 5 appends";
  EXPECT_GT(reads_seen, 100u) << "reads return the lists";
}

TEST_F(TxnWorkloadTest, RwRegisterOnACorrectStoreIsValid) {
  FaultlineOutput run = Run("--workload rw-register --consistency-models serializable,strict-serializable");
  ASSERT_EQ(run.code, 0) << run.text;
  json r = Results();
  EXPECT_EQ(r["rw-register"]["valid"], true) << r["rw-register"].dump(2);
  EXPECT_EQ(r["rw-register"]["consistency-models"], json::array({"serializable", "strict-serializable"}));
  EXPECT_GT(r["rw-register"]["txns"]["ok"].get<int64_t>(), 200);
}

// rw-register retires keys after 4 writes by default (young keys keep reads
// of the initial nil, the version order rw-register can infer), list-append
// after 32; `faultline test --help` says what each option trades.
TEST_F(TxnWorkloadTest, RwRegisterKeysAreYoungByDefaultAndHelpSaysWhy) {
  FaultlineOutput run = Run("--workload rw-register");
  ASSERT_EQ(run.code, 0) << run.text;
  auto h = ReadHistoryFile((Latest() / "history.jsonl").string());
  ASSERT_TRUE(h.ok()) << h.status().message();
  std::map<int64_t, int64_t> highest;
  for (const Op& op : *h) {
    if (op.type != OpType::kInvoke || op.f != "txn") continue;
    for (const json& m : op.value) {
      if (m[0] == "w") highest[m[1].get<int64_t>()] = std::max(highest[m[1].get<int64_t>()], m[2].get<int64_t>());
    }
  }
  ASSERT_GT(highest.size(), 8u);
  for (const auto& [k, v] : highest) EXPECT_LE(v, 4) << "key " << k;
  auto la = Make("list-append", {});
  ASSERT_TRUE(la.ok());

  FaultlineOutput help = Faultline("test --help");
  EXPECT_EQ(help.code, 0);
  for (const char* want : {"max-writes-per-key=N", "(list-append 32,", "rw-register 4)", "keys=N", "read-fraction=PERCENT",
                           "max-txn-length=N", "consistency-models=a,b"}) {
    EXPECT_NE(help.text.find(want), std::string::npos) << want << "\n" << help.text;
  }
}

// stale-reads=true: every txn read returns the key's state before its latest
// change, which a strict-serializable store never does.
TEST_F(TxnWorkloadTest, AStoreServingStaleReadsIsInvalidWithTheAnomaliesNamed) {
  FaultlineOutput run = Run("--workload list-append --target-opt stale-reads=true");
  EXPECT_EQ(run.code, 1) << run.text;
  // The verdict line names what was found and the model it breaks.
  EXPECT_NE(run.text.find("verdict: invalid (list-append: "), std::string::npos) << run.text;
  EXPECT_NE(run.text.find(": not strict-serializable)"), std::string::npos) << run.text;
  json r = Results();
  const json& la = r["list-append"];
  EXPECT_EQ(la["valid"], false);
  ASSERT_FALSE(la["anomaly-types"].empty()) << la.dump(2);
  EXPECT_NE(std::find(la["not"].begin(), la["not"].end(), "strict-serializable"), la["not"].end()) << la.dump(2);
}

// A store without multi-key transactions: the default txn length is refused
// before anything runs, with the way out named.
TEST_F(TxnWorkloadTest, ATargetWithSingleMicroOpTxnsRefusesLongerTxnsAndRunsLengthOne) {
  FaultlineOutput refused = Run("--workload list-append --target-opt ops=txn-single");
  EXPECT_EQ(refused.code, 3) << refused.text;
  EXPECT_NE(refused.text.find("runs transactions of one micro-op only"), std::string::npos) << refused.text;
  EXPECT_NE(refused.text.find("max-txn-length=1"), std::string::npos) << refused.text;
  EXPECT_FALSE(fs::exists(store_ / "latest"));

  FaultlineOutput run = Run("--workload list-append --target-opt ops=txn-single --workload-opt max-txn-length=1");
  EXPECT_EQ(run.code, 0) << run.text;
  EXPECT_EQ(Results()["list-append"]["valid"], true);
}

TEST_F(TxnWorkloadTest, BadOptionsAreOneLineErrorsNamingTheOption) {
  auto unknown_model = Make("list-append", {{"consistency-models", "serializable,linearizable-ish"}});
  ASSERT_FALSE(unknown_model.ok());
  EXPECT_NE(unknown_model.status().message().find("linearizable-ish"), std::string::npos)
      << unknown_model.status().message();
  EXPECT_NE(unknown_model.status().message().find("workload list-append"), std::string::npos);
  auto bad_length = Make("rw-register", {{"max-txn-length", "0"}});
  ASSERT_FALSE(bad_length.ok());
  EXPECT_NE(bad_length.status().message().find("max-txn-length"), std::string::npos);
  auto unknown = Make("list-append", {{"key-count", "3"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown option \"key-count\""), std::string::npos);

  auto ok = Make("list-append", {{"max-txn-length", "1"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->RequiredFs(), (std::set<std::string>{"txn-single"}));
  auto multi = Make("rw-register", {});
  ASSERT_TRUE(multi.ok());
  EXPECT_EQ((*multi)->RequiredFs(), (std::set<std::string>{"txn-single", "txn"}));

  FaultlineOutput cli = Run("--workload list-append --consistency-models serialisable");
  EXPECT_EQ(cli.code, 3) << cli.text;
  EXPECT_NE(cli.text.find("serialisable"), std::string::npos) << cli.text;
}

}  // namespace
}  // namespace faultline
