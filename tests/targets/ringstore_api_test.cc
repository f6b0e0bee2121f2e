// ringstore's HTTP API against 3 real processes on 127.0.0.1 (paxos mode):
// every call, its error shapes, the command line, malformed input.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "targets/ringstore_client.h"
#include "tests/targets/ringstore_cluster.h"

namespace faultline::ringstore::testing {
namespace {

using nlohmann::json;

class RingstoreApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new RingstoreCluster(RingstoreCluster::Options{});
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->Log(0);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  static RingstoreCluster* cluster_;
};
RingstoreCluster* RingstoreApiTest::cluster_ = nullptr;

TEST_F(RingstoreApiTest, KvReadWriteCasFromAnyNode) {
  auto c1 = cluster_->Client(0), c2 = cluster_->Client(1), c3 = cluster_->Client(2);
  EXPECT_EQ(c1->Get("/kv/api-a").body, json({{"value", nullptr}}));
  auto put = c1->Put("/kv/api-a", json{{"value", 5}});
  EXPECT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(c2->Get("/kv/api-a").body["value"], 5);
  EXPECT_EQ(c3->Post("/kv/api-a/cas", json{{"expected", 5}, {"new", 6}}).status, 200);
  auto bad = c2->Post("/kv/api-a/cas", json{{"expected", 5}, {"new", 7}});
  EXPECT_EQ(bad.status, 409);
  EXPECT_EQ(bad.body["definite"], true);
  EXPECT_EQ(bad.body["value"], 6);
  EXPECT_NE(bad.body["error"].get<std::string>().find("precondition"), std::string::npos);
  EXPECT_EQ(c1->Get("/kv/api-a").body["value"], 6);
  // Any JSON value, including structured ones.
  json doc = {{"list", {1, 2, 3}}, {"s", "x"}};
  EXPECT_EQ(c3->Put("/kv/api-doc", json{{"value", doc}}).status, 200);
  EXPECT_EQ(c1->Get("/kv/api-doc").body["value"], doc);
  EXPECT_EQ(c1->Post("/kv/api-doc/cas", json{{"expected", doc}, {"new", nullptr}}).status, 200);
  EXPECT_EQ(c2->Get("/kv/api-doc").body["value"], nullptr);
}

TEST_F(RingstoreApiTest, SetAndCounter) {
  auto c1 = cluster_->Client(0), c2 = cluster_->Client(1);
  EXPECT_EQ(c1->Get("/set/api-s").body["value"], json::array());
  EXPECT_EQ(c1->Post("/set/api-s/add", json{{"element", 1}}).status, 200);
  EXPECT_EQ(c2->Post("/set/api-s/add", json{{"element", 2}}).status, 200);
  EXPECT_EQ(c2->Post("/set/api-s/add", json{{"element", 1}}).status, 200);  // idempotent
  EXPECT_EQ(c1->Get("/set/api-s").body["value"], json::array({1, 2}));
  EXPECT_EQ(c1->Get("/counter/api-c").body["value"], 0);
  EXPECT_EQ(c1->Post("/counter/api-c/add", json{{"delta", 3}}).body["value"], 3);
  EXPECT_EQ(c2->Post("/counter/api-c/add", json{{"delta", -1}}).body["value"], 2);
  EXPECT_EQ(c2->Get("/counter/api-c").body["value"], 2);
  // Types live apart: the kv key of the same name is untouched.
  EXPECT_EQ(c1->Get("/kv/api-c").body["value"], nullptr);
}

// append: the kv key's list grows by one element per call, duplicates kept
// (a list-append checker must see them); a non-list value is a definite 409.
TEST_F(RingstoreApiTest, AppendGrowsTheKeysListAndRefusesNonLists) {
  auto c1 = cluster_->Client(0), c2 = cluster_->Client(1), c3 = cluster_->Client(2);
  EXPECT_EQ(c1->Post("/kv/api-l/append", json{{"element", 1}}).status, 200);
  EXPECT_EQ(c2->Post("/kv/api-l/append", json{{"element", 2}}).status, 200);
  EXPECT_EQ(c3->Post("/kv/api-l/append", json{{"element", 1}}).status, 200);
  EXPECT_EQ(c2->Get("/kv/api-l").body["value"], json::array({1, 2, 1}));
  EXPECT_EQ(c1->Put("/kv/api-n", json{{"value", 5}}).status, 200);
  auto bad = c3->Post("/kv/api-n/append", json{{"element", 1}});
  EXPECT_EQ(bad.status, 409) << bad.raw;
  EXPECT_EQ(bad.body["definite"], true);
  EXPECT_EQ(c1->Get("/kv/api-n").body["value"], 5);
  EXPECT_EQ(c1->Post("/kv/api-l/append", json::object()).status, 400);  // no "element"
}

// The client's txn op: one micro-op per txn, each mapped to one request;
// longer txns are refused unsent (fail).
TEST_F(RingstoreApiTest, ClientRunsSingleMicroOpTxnsAndRefusesLongerOnes) {
  RingstoreClient client(cluster_->port(0), std::chrono::milliseconds(5000));
  ClusterInfo info;
  NodeInfo node{"n1", "127.0.0.1", nullptr};
  info.nodes.push_back(node);
  ASSERT_TRUE(client.Open(info, node).ok());
  auto txn = [&](json mops) {
    Op op;
    op.f = "txn";
    op.value = std::move(mops);
    return client.Invoke(op);
  };
  Op empty = txn(json::array({json::array({"r", 7, nullptr})}));
  EXPECT_EQ(empty.type, OpType::kOk) << empty.error;
  EXPECT_EQ(empty.value, json::array({json::array({"r", 7, nullptr})}));
  EXPECT_EQ(txn(json::array({json::array({"append", 7, 1})})).type, OpType::kOk);
  EXPECT_EQ(txn(json::array({json::array({"append", 7, 2})})).type, OpType::kOk);
  Op read = txn(json::array({json::array({"r", 7, nullptr})}));
  EXPECT_EQ(read.value, json::array({json::array({"r", 7, json::array({1, 2})})}));
  EXPECT_EQ(txn(json::array({json::array({"w", 8, 5})})).type, OpType::kOk);
  EXPECT_EQ(txn(json::array({json::array({"r", 8, nullptr})})).value, json::array({json::array({"r", 8, 5})}));
  Op two = txn(json::array({json::array({"append", 7, 3}), json::array({"r", 7, nullptr})}));
  EXPECT_EQ(two.type, OpType::kFail);
  EXPECT_NE(two.error.find("one micro-op"), std::string::npos) << two.error;
  EXPECT_EQ(cluster_->Client(1)->Get("/kv/txn-7").body["value"], json::array({1, 2})) << "nothing of it was sent";
  client.Close();
}

TEST_F(RingstoreApiTest, HealthRingStatus) {
  auto c = cluster_->Client(1);
  auto h = c->Get("/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body["id"], "n2");
  EXPECT_EQ(h.body["mode"], "paxos");
  auto ring = c->Get("/ring").body;
  EXPECT_EQ(ring["nodes"], json::array({"n1", "n2", "n3"}));
  EXPECT_EQ(ring["tokens"].size(), 3u * 64u);
  auto placed = c->Get("/ring?key=hello").body;
  EXPECT_EQ(placed["key_replicas"].size(), 3u);
  // Every process computes the same placement.
  EXPECT_EQ(cluster_->Client(0)->Get("/ring?key=hello").body, placed);
  c->Put("/kv/status-k", json{{"value", 1}});
  auto st = c->Get("/status").body;
  EXPECT_EQ(st["mode"], "paxos");
  EXPECT_GT(st["log"]["bytes"].get<int64_t>(), 0);
  EXPECT_GT(st["log"]["fsyncs"].get<int64_t>(), 0);
  ASSERT_TRUE(st["peers"].contains("n1"));
  ASSERT_TRUE(st["peers"].contains("n3"));
  EXPECT_FALSE(st["peers"].contains("n2"));
}

TEST_F(RingstoreApiTest, MalformedRequestsAre400AndServerStaysUp) {
  auto c = cluster_->Client(0);
  struct Case {
    std::string method, path, body, needle;
  } cases[] = {
      {"PUT", "/kv/m", "{\"value\": ", "malformed JSON"},
      {"PUT", "/kv/m", "[1,2]", "must be an object"},
      {"PUT", "/kv/m", "{\"val\": 1}", "missing field \"value\""},
      {"POST", "/kv/m/cas", "{\"expected\": 1}", "missing field \"new\""},
      {"POST", "/set/m/add", "{}", "missing field \"element\""},
      {"POST", "/counter/m/add", "{\"delta\": \"x\"}", "integer"},
      {"POST", "/counter/m/add", "{\"delta\": 1.5}", "integer"},
      {"PUT", "/kv/m", "{\"value\": \"" + std::string(2 << 20, 'x') + "\"}", "1 MiB"},
      {"POST", "/internal/paxos/prepare", "{\"key\": \"x\"}", "ballot"},
  };
  for (const auto& k : cases) {
    auto r = k.method == "PUT" ? c->Put(k.path, k.body) : c->Post(k.path, k.body);
    EXPECT_EQ(r.status, 400) << k.path << " " << k.body.substr(0, 40) << " -> " << r.raw.substr(0, 200);
    EXPECT_EQ(r.body["definite"], true) << r.raw.substr(0, 200);
    EXPECT_NE(r.body.value("error", "").find(k.needle), std::string::npos) << r.raw.substr(0, 300);
    // Still serving, on a fresh connection too.
    EXPECT_EQ(cluster_->Client(0)->Get("/health").status, 200);
  }
  EXPECT_EQ(c->Get("/no/such/thing").status, 404);
  EXPECT_EQ(c->Put("/kv/m", json{{"value", 1}}).status, 200);
}

// Hostile bodies: a 200 KB body nested 100,000 deep once killed a node
// (SIGSEGV in a recursive copy). Every node must answer 400 and keep serving.
TEST_F(RingstoreApiTest, DeepOrHugeBodiesAre400AndEveryNodeStaysUp) {
  std::string deep = "{\"value\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  std::string deep_objects;
  for (int i = 0; i < 50000; ++i) deep_objects += "{\"a\":";
  deep_objects += "1" + std::string(50000, '}');
  struct Case {
    std::string method, path, body, needle;
  } cases[] = {
      {"PUT", "/kv/deep", deep, "nesting deeper than 256"},
      {"POST", "/kv/deep/cas", deep_objects, "nesting deeper than 256"},
      {"POST", "/set/deep/add", "{\"element\": " + std::string(300, '[') + std::string(300, ']') + "}",
       "nesting deeper than 256"},
      {"PUT", "/kv/num", "{\"value\": 1e999}", "number out of range"},
      {"PUT", "/kv/%FF%FE", "{\"value\": 1}", "UTF-8"},
      {"POST", "/internal/paxos/accept", deep, "nesting deeper than 256"},
      {"POST", "/internal/lww/write", deep_objects, "nesting deeper than 256"},
  };
  for (int node = 0; node < 3; ++node) {
    auto c = cluster_->Client(node);
    for (const auto& k : cases) {
      auto r = k.method == "PUT" ? c->Put(k.path, k.body) : c->Post(k.path, k.body);
      EXPECT_EQ(r.status, 400) << k.path << " -> " << r.raw.substr(0, 200);
      EXPECT_EQ(r.body["definite"], true) << r.raw.substr(0, 200);
      EXPECT_NE(r.body.value("error", "").find(k.needle), std::string::npos) << r.raw.substr(0, 300);
    }
  }
  // Nesting within the limit is an ordinary value.
  json nested = 1;
  for (int i = 0; i < 100; ++i) nested = json::array({nested});
  EXPECT_EQ(cluster_->Client(1)->Put("/kv/nested", json{{"value", nested}}).status, 200);
  EXPECT_EQ(cluster_->Client(2)->Get("/kv/nested").body["value"], nested);
  for (int node = 0; node < 3; ++node) {
    EXPECT_EQ(cluster_->Client(node)->Get("/health").status, 200) << "node " << node;
    EXPECT_EQ(cluster_->Client(node)->Put("/kv/after-deep", json{{"value", node}}).status, 200);
  }
}

int RunBinary(std::vector<std::string> args, std::string* err) {
  std::string out = std::string(FAULTLINE_BINARY_DIR) + "/ringstore-args-test.err";
  std::string cmd = std::string(FAULTLINE_BINARY_DIR) + "/ringstore";
  for (auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>" + out + " >/dev/null";
  int status = std::system(cmd.c_str());
  std::ifstream in(out);
  std::getline(in, *err, '\0');
  std::remove(out.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(RingstoreFlagsTest, WrongOrMissingFlagsExitTwoWithOneLine) {
  std::string err;
  EXPECT_EQ(RunBinary({"--id", "n1"}, &err), 2);
  EXPECT_EQ(err, "ringstore: missing required flag --listen\n");
  EXPECT_EQ(RunBinary({"--id", "n1", "--listen", "127.0.0.1:1", "--peers", "n1=127.0.0.1:1", "--data-dir", "/tmp/x",
                       "--mode", "strong"},
                      &err),
            2);
  EXPECT_EQ(err, "ringstore: --mode: \"strong\" is not one of paxos, lww, eventual\n");
  EXPECT_EQ(RunBinary({"--frobnicate"}, &err), 2);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1);
}

// Keys may hold any byte: '/' is sent as %2F and must not be taken for a path
// separator (httplib decodes the path before routing), end to end through the
// server and through the runner's RingstoreClient.
TEST_F(RingstoreApiTest, KeysWithSlashesAndOtherBytesWorkEndToEnd) {
  auto c1 = cluster_->Client(0), c2 = cluster_->Client(1);
  const std::vector<std::string> keys = {"a/b", "/lead", "trail/", "a//b", "x/cas", "sp ace?q=1&r#f",
                                         "pct%2F", "plus+", "ünï"};
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string k = UrlEncodeSegment(keys[i]);
    auto put = c1->Put("/kv/" + k, json{{"value", static_cast<int>(i)}});
    ASSERT_EQ(put.status, 200) << keys[i] << ": " << put.raw;
    auto get = c2->Get("/kv/" + k);
    ASSERT_EQ(get.status, 200) << keys[i] << ": " << get.raw;
    EXPECT_EQ(get.body["value"], static_cast<int>(i)) << keys[i];
    auto cas = c2->Post("/kv/" + k + "/cas", json{{"expected", static_cast<int>(i)}, {"new", "c"}});
    EXPECT_EQ(cas.status, 200) << keys[i] << ": " << cas.raw;
    EXPECT_EQ(c1->Post("/set/" + k + "/add", json{{"element", 1}}).status, 200) << keys[i];
    EXPECT_EQ(c2->Get("/set/" + k).body["value"], json::array({1})) << keys[i];
    EXPECT_EQ(c1->Post("/counter/" + k + "/add", json{{"delta", 2}}).status, 200) << keys[i];
    EXPECT_EQ(c2->Get("/counter/" + k).body["value"], 2) << keys[i];
    // Placement is by the decoded key.
    EXPECT_EQ(c1->Get("/ring?key=" + k).body["key"], keys[i]);
  }
  // "a/b" and "a%2Fb" are different keys; "x/cas" is a key, not a cas on "x".
  EXPECT_EQ(c1->Get("/kv/" + UrlEncodeSegment("a%2Fb")).body["value"], nullptr);
  EXPECT_EQ(c1->Get("/kv/x").body["value"], nullptr);
  EXPECT_EQ(c1->Get("/kv/" + UrlEncodeSegment("x/cas")).body["value"], "c");
  // An unencoded '/' or a broken escape is a clear 400, not a wrong key.
  auto raw_slash = c1->Get("/kv/a/b");
  EXPECT_EQ(raw_slash.status, 400) << raw_slash.raw;
  EXPECT_NE(raw_slash.body.value("error", "").find("%2F"), std::string::npos) << raw_slash.raw;
  EXPECT_EQ(c1->Get("/kv/bad%2").status, 400);
  EXPECT_EQ(c1->Get("/health").status, 200);

  // The runner's client encodes keys the same way.
  RingstoreClient client(cluster_->port(2), std::chrono::milliseconds(5000));
  ClusterInfo info;
  NodeInfo node{"n3", "127.0.0.1", nullptr};
  info.nodes.push_back(node);
  ASSERT_TRUE(client.Open(info, node).ok());
  Op write;
  write.f = "write";
  write.key = "dir/sub/key";
  write.value = 42;
  EXPECT_EQ(client.Invoke(write).type, OpType::kOk);
  Op read;
  read.f = "read";
  read.key = "dir/sub/key";
  Op got = client.Invoke(read);
  EXPECT_EQ(got.type, OpType::kOk) << got.error;
  EXPECT_EQ(got.value, 42);
  EXPECT_EQ(c1->Get("/kv/" + UrlEncodeSegment("dir/sub/key")).body["value"], 42);
  Op cas;
  cas.f = "cas";
  cas.key = "dir/sub/key";
  cas.value = json::array({42, 43});
  EXPECT_EQ(client.Invoke(cas).type, OpType::kOk);
  cas.value = json::array({42, 44});
  EXPECT_EQ(client.Invoke(cas).type, OpType::kFail);
  client.Close();
}

}  // namespace
}  // namespace faultline::ringstore::testing
