// etcd's transactions (f "txn", etcd_txn.h) on a real local 3-node cluster:
// concurrent clients running list-append and rw-register txns over a few
// contended keys give histories the Elle-style checkers find strict
// serializable, with real conflicts among them (fail, never applied: a read
// seeing a failed append would be G1a); a commit whose compares no longer
// hold writes nothing, for a key that changed and for one that was created
// since the read. Needs root and /usr/bin/etcd (scripts/install-deps.sh
// installs etcd-server).
#include <unistd.h>

#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "checkers/list_append.h"
#include "checkers/rw_register.h"
#include "harness/core/base64.h"
#include "harness/core/rng.h"
#include "targets/etcd_db.h"
#include "targets/etcd_txn.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class EtcdTxnClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || !fs::exists("/usr/bin/etcd")) return;
    cluster_ = new ScopedCluster(UniqueSpec("ex", 3));
    if (!cluster_->ok()) return;
    auto remotes = cluster_->Connect();
    if (!remotes.ok()) {
      setup_ = remotes.status();
      return;
    }
    remotes_ = std::move(remotes).value();
    for (auto& r : remotes_) info_.nodes.push_back(NodeInfo{r->node(), r->address(), r.get()});
    auto target = TargetRegistry::Get().Find("etcd")->factory({{"request-timeout-ms", "3000"}});
    if (!target.ok()) {
      setup_ = target.status();
      return;
    }
    target_ = new Target(std::move(target).value());
    // Setup on all nodes at once, as the runner does (a member waits for a quorum).
    std::vector<Status> s(info_.nodes.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < s.size(); ++i) {
      threads.emplace_back([i, &s] { s[i] = target_->db->Setup(info_, info_.nodes[i]); });
    }
    for (auto& t : threads) t.join();
    for (const auto& st : s) {
      if (!st.ok()) setup_ = st;
    }
  }
  static void TearDownTestSuite() {
    if (target_ != nullptr) {
      for (const auto& n : info_.nodes) (void)target_->db->Teardown(info_, n);
    }
    delete target_;
    target_ = nullptr;
    info_.nodes.clear();
    remotes_.clear();
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces)";
    if (!fs::exists("/usr/bin/etcd")) GTEST_SKIP() << "no /usr/bin/etcd (apt-get install etcd-server)";
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
    ASSERT_TRUE(setup_.ok()) << setup_.message();
  }

  static std::unique_ptr<Client> OpenClient(size_t node) {
    auto c = target_->new_client();
    Status s = c->Open(info_, info_.nodes[node % info_.nodes.size()]);
    EXPECT_TRUE(s.ok()) << s.message();
    return c;
  }

  static Op Txn(Client& c, json mops) {
    Op invoke;
    invoke.f = "txn";
    invoke.value = std::move(mops);
    return c.Invoke(invoke);
  }

  // `threads` workers, each with its own client (spread over the nodes),
  // run `per_thread` txns made by `make(rng)`; returns the history in the
  // order events happened (invocation recorded before the request, the
  // completion after it; after an info the worker takes a new process id,
  // as the runner does).
  static History RunConcurrently(int threads, int per_thread, const std::function<json(Rng&)>& make) {
    History h;
    std::mutex mu;
    const Clock::time_point t0 = Clock::now();
    auto record = [&](Op op) {
      std::lock_guard<std::mutex> l(mu);
      op.index = static_cast<int64_t>(h.size());
      op.time = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
      h.push_back(std::move(op));
    };
    std::vector<std::thread> workers;
    for (int w = 0; w < threads; ++w) {
      workers.emplace_back([&, w] {
        auto client = OpenClient(static_cast<size_t>(w));
        Rng rng(1000 + static_cast<uint64_t>(w));
        int64_t process = w;
        for (int i = 0; i < per_thread; ++i) {
          Op invoke;
          invoke.f = "txn";
          invoke.process = process;
          invoke.value = make(rng);
          record(invoke);
          Op done = client->Invoke(invoke);
          done.process = process;
          if (done.is_info()) process += threads;
          record(std::move(done));
        }
        client->Close();
      });
    }
    for (auto& t : workers) t.join();
    return h;
  }

  struct Counts {
    int ok = 0, fail = 0, info = 0, conflicts = 0;
  };
  static Counts Count(const History& h) {
    Counts c;
    for (const Op& op : h) {
      c.ok += op.is_ok();
      c.fail += op.is_fail();
      c.info += op.is_info();
      c.conflicts += op.is_fail() && op.error.find("conflict") != std::string::npos;
    }
    return c;
  }

  static ScopedCluster* cluster_;
  static std::vector<std::unique_ptr<Remote>> remotes_;
  static ClusterInfo info_;
  static Target* target_;
  static Status setup_;
};

ScopedCluster* EtcdTxnClusterTest::cluster_ = nullptr;
std::vector<std::unique_ptr<Remote>> EtcdTxnClusterTest::remotes_;
ClusterInfo EtcdTxnClusterTest::info_;
Target* EtcdTxnClusterTest::target_ = nullptr;
Status EtcdTxnClusterTest::setup_ = Status::Ok();

TEST_F(EtcdTxnClusterTest, TxnsAreInTheTargetsFs) {
  EXPECT_TRUE(target_->fs.count("txn"));
  EXPECT_TRUE(target_->fs.count("txn-single"));
}

TEST_F(EtcdTxnClusterTest, OwnWritesAreReadAndSeenByTheNextTxn) {
  auto c = OpenClient(0);
  Op a = Txn(*c, json::parse(R"([["r",10,null],["append",10,1],["r",10,null],["w",11,7],["r",11,null]])"));
  ASSERT_EQ(a.type, OpType::kOk) << a.error;
  EXPECT_EQ(a.value, json::parse(R"([["r",10,null],["append",10,1],["r",10,[1]],["w",11,7],["r",11,7]])"));
  // Another member, a read-only txn: a linearizable read of both keys.
  auto c2 = OpenClient(1);
  Op b = Txn(*c2, json::parse(R"([["r",10,null],["r",11,null],["append",10,2],["r",10,null]])"));
  ASSERT_EQ(b.type, OpType::kOk) << b.error;
  EXPECT_EQ(b.value, json::parse(R"([["r",10,[1]],["r",11,7],["append",10,2],["r",10,[1,2]]])"));
  // Stored under "txn/10" as JSON text; the register workload's keys ("k10")
  // are not the txn keys.
  httplib::Client raw(info_.nodes[0].address, 2379);
  raw.set_read_timeout(5, 0);
  auto stored = raw.Post("/v3/kv/range", json({{"key", Base64Encode("txn/10")}}).dump(), "application/json");
  ASSERT_TRUE(stored) << httplib::to_string(stored.error());
  json kvs = json::parse(stored->body).value("kvs", json::array());
  ASSERT_EQ(kvs.size(), 1u) << stored->body;
  EXPECT_EQ(Base64Decode(kvs[0]["value"].get<std::string>()), "[1,2]");
  Op reg;
  reg.f = "read";
  reg.key = "k10";
  Op r = c->Invoke(reg);
  ASSERT_EQ(r.type, OpType::kOk) << r.error;
  EXPECT_TRUE(r.value.is_null()) << r.value.dump();
}

TEST_F(EtcdTxnClusterTest, EtcdsRefusalReachesTheHistoryWithItsReason) {
  // More keys than etcd's --max-txn-ops (128): the gateway answers the
  // ranging txn with an error body and an HTTP trailer, which httplib's Post
  // read as a bare "Read" error.
  json mops = json::array();
  for (int k = 0; k < 200; ++k) mops.push_back(json::array({"w", 1000 + k, k}));
  auto c = OpenClient(0);
  Op big = Txn(*c, mops);
  EXPECT_EQ(big.type, OpType::kFail) << big.error;
  EXPECT_NE(big.error.find("too many operations"), std::string::npos) << big.error;
  // The client's connection still works after the trailer.
  Op small = Txn(*c, json::parse(R"([["w",30,1],["r",30,null]])"));
  EXPECT_EQ(small.type, OpType::kOk) << small.error;
}

TEST_F(EtcdTxnClusterTest, StaleCommitWritesNothingForAChangedOrANewlyCreatedKey) {
  auto c = OpenClient(0);
  ASSERT_EQ(Txn(*c, json::parse(R"([["append",20,1]])")).type, OpType::kOk);
  // The first half of a txn on keys 20 (present) and 21 (absent), by hand ...
  json mops = json::parse(R"([["append",20,3],["append",21,3]])");
  auto plan = PlanEtcdTxn(mops);
  ASSERT_TRUE(plan.ok());
  httplib::Client raw(info_.nodes[2].address, 2379);
  raw.set_read_timeout(5, 0);
  auto read = raw.Post("/v3/kv/txn", EtcdTxnReadRequest(*plan).dump(), "application/json");
  ASSERT_TRUE(read) << httplib::to_string(read.error());
  auto snap = ParseEtcdTxnRead(json::parse(read->body), *plan);
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  auto applied = ApplyEtcdTxn(mops, *snap);
  ASSERT_TRUE(applied.ok());
  const std::string commit = EtcdTxnCommitRequest(*plan, *snap, *applied).dump();

  // ... then another client changes key 20: the commit must not apply.
  ASSERT_EQ(Txn(*c, json::parse(R"([["append",20,2]])")).type, OpType::kOk);
  auto stale = raw.Post("/v3/kv/txn", commit, "application/json");
  ASSERT_TRUE(stale) << httplib::to_string(stale.error());
  ASSERT_EQ(stale->status, 200) << stale->body;
  EXPECT_FALSE(EtcdTxnCommitted(json::parse(stale->body))) << stale->body;

  // Key 21 only: absent at the read, created since.
  json mops21 = json::parse(R"([["append",21,5]])");
  auto plan21 = PlanEtcdTxn(mops21);
  auto read21 = raw.Post("/v3/kv/txn", EtcdTxnReadRequest(*plan21).dump(), "application/json");
  ASSERT_TRUE(read21);
  auto snap21 = ParseEtcdTxnRead(json::parse(read21->body), *plan21);
  ASSERT_TRUE(snap21.ok()) << snap21.status().message();
  ASSERT_FALSE(snap21->keys.at("txn/21").value.has_value());
  auto applied21 = ApplyEtcdTxn(mops21, *snap21);
  ASSERT_TRUE(Txn(*c, json::parse(R"([["append",21,4]])")).is_ok());
  auto stale21 = raw.Post("/v3/kv/txn", EtcdTxnCommitRequest(*plan21, *snap21, *applied21).dump(),
                          "application/json");
  ASSERT_TRUE(stale21);
  EXPECT_FALSE(EtcdTxnCommitted(json::parse(stale21->body))) << stale21->body;

  Op now = Txn(*c, json::parse(R"([["r",20,null],["r",21,null]])"));
  ASSERT_EQ(now.type, OpType::kOk) << now.error;
  EXPECT_EQ(now.value, json::parse(R"([["r",20,[1,2]],["r",21,[4]]])")) << "a stale commit wrote";

  // The same commit against fresh versions does apply (the compares are not
  // simply always false).
  auto fresh_read = raw.Post("/v3/kv/txn", EtcdTxnReadRequest(*plan21).dump(), "application/json");
  ASSERT_TRUE(fresh_read);
  auto fresh = ParseEtcdTxnRead(json::parse(fresh_read->body), *plan21);
  ASSERT_TRUE(fresh.ok());
  auto fresh_applied = ApplyEtcdTxn(mops21, *fresh);
  auto ok = raw.Post("/v3/kv/txn", EtcdTxnCommitRequest(*plan21, *fresh, *fresh_applied).dump(),
                     "application/json");
  ASSERT_TRUE(ok);
  EXPECT_TRUE(EtcdTxnCommitted(json::parse(ok->body))) << ok->body;
}

TEST_F(EtcdTxnClusterTest, ConcurrentListAppendTxnsAreStrictSerializable) {
  std::atomic<int64_t> next_value{1};
  // Four keys (from 100) and six workers: txns collide often.
  History h = RunConcurrently(6, 60, [&](Rng& rng) {
    json mops = json::array();
    for (int64_t i = 0, n = rng.Range(1, 4); i < n; ++i) {
      int64_t k = 100 + rng.Range(0, 3);
      if (rng.Chance(0.5)) {
        mops.push_back({"append", k, next_value++});
      } else {
        mops.push_back({"r", k, nullptr});
      }
    }
    return mops;
  });
  Counts c = Count(h);
  std::printf("list-append on etcd: %zu events, ok %d, fail %d (conflicts %d), info %d\n", h.size(), c.ok,
              c.fail, c.conflicts, c.info);
  ListAppendOptions o;
  o.consistency_models = {"strict-serializable"};
  auto r = CheckListAppend(h, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->valid, Validity::kValid) << ExplainListAppend(*r);
  EXPECT_GT(c.ok, 150);
  EXPECT_GT(c.conflicts, 0) << "six workers on four keys never conflicted: the compares were not exercised";
  // The lists really grew and were read: reads of several elements.
  size_t longest = 0;
  for (const Op& op : h) {
    if (!op.is_ok()) continue;
    for (const json& m : op.value) {
      if (m[0] == "r" && m[2].is_array()) longest = std::max(longest, m[2].size());
    }
  }
  EXPECT_GE(longest, 10u);
}

TEST_F(EtcdTxnClusterTest, ConcurrentRwRegisterTxnsAreStrictSerializable) {
  std::atomic<int64_t> next_value{1};
  History h = RunConcurrently(6, 60, [&](Rng& rng) {
    json mops = json::array();
    for (int64_t i = 0, n = rng.Range(1, 4); i < n; ++i) {
      int64_t k = 200 + rng.Range(0, 2);
      if (rng.Chance(0.5)) {
        mops.push_back({"w", k, next_value++});
      } else {
        mops.push_back({"r", k, nullptr});
      }
    }
    return mops;
  });
  Counts c = Count(h);
  std::printf("rw-register on etcd: %zu events, ok %d, fail %d (conflicts %d), info %d\n", h.size(), c.ok,
              c.fail, c.conflicts, c.info);
  TxnCheckOptions o;
  o.consistency_models = {"strict-serializable"};
  auto r = CheckRwRegister(h, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->valid, Validity::kValid) << ExplainTxnCheck(*r);
  EXPECT_GT(c.ok, 150);
  EXPECT_GT(c.conflicts, 0);
  int reads_with_value = 0;
  for (const Op& op : h) {
    if (!op.is_ok()) continue;
    for (const json& m : op.value) reads_with_value += m[0] == "r" && !m[2].is_null();
  }
  EXPECT_GT(reads_with_value, 50);
}

}  // namespace
}  // namespace faultline
