// EtcdClient's txn outcomes against a scripted stand-in for etcd's v3 gateway
// (an httplib server on 127.0.0.1): every way a txn can end, and whether it
// is ok, fail (certainly not applied) or info (maybe applied) — which a real
// cluster does not produce on demand. Real etcd: tests/integration/etcd_txn_test.cc.
#include "targets/etcd_client.h"

#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "harness/core/base64.h"

namespace faultline {
namespace {

using namespace std::chrono_literals;

// The gateway stand-in: answers reads of txn/1 (holding [1], mod_revision 5)
// and hands commits to `commit`.
class FakeGateway {
 public:
  explicit FakeGateway(std::function<void(const json&, httplib::Response&)> commit) : commit_(std::move(commit)) {
    server_.Post("/v3/kv/txn", [this](const httplib::Request& req, httplib::Response& res) {
      json body = json::parse(req.body);
      if (body.contains("compare")) {
        ++commits_;
        last_commit_ = body;
        commit_(body, res);
        return;
      }
      ++reads_;
      if (read_error_) {
        res.status = 503;
        res.set_content(R"({"error":"etcdserver: request timed out","code":14})", "application/json");
        return;
      }
      json responses = json::array();
      for (const auto& r : body["success"]) {
        json range = {{"header", {{"revision", "7"}}}};
        if (r["request_range"]["key"] == Base64Encode("txn/1")) {
          range["kvs"] = json::array({{{"key", Base64Encode("txn/1")}, {"mod_revision", "5"},
                                       {"create_revision", "2"}, {"version", "3"},
                                       {"value", Base64Encode("[1]")}}});
        }
        responses.push_back({{"response_range", range}});
      }
      res.set_content(json({{"header", {{"revision", "7"}}}, {"succeeded", true}, {"responses", responses}}).dump(),
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost: wait for it.
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~FakeGateway() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  void FailReads() { read_error_ = true; }
  int reads() const { return reads_; }
  int commits() const { return commits_; }
  json last_commit() const { return last_commit_; }

 private:
  std::function<void(const json&, httplib::Response&)> commit_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> read_error_{false};
  std::atomic<int> reads_{0}, commits_{0};
  json last_commit_;
};

void Answer(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

// Runs one txn through an EtcdClient on `gw` (request timeout 400 ms).
Op RunTxn(const FakeGateway& gw, const char* mops) {
  EtcdClient client(gw.port(), 400ms);
  ClusterInfo cluster;
  NodeInfo node{"n1", "127.0.0.1", nullptr};
  EXPECT_TRUE(client.Open(cluster, node).ok());
  Op invoke;
  invoke.f = "txn";
  invoke.process = 1;
  invoke.value = json::parse(mops);
  Op out = client.Invoke(invoke);
  client.Close();
  return out;
}

TEST(EtcdClientTxnTest, CommittedTxnIsOkWithItsReads) {
  FakeGateway gw([](const json&, httplib::Response& res) {
    Answer(res, 200, R"({"header":{"revision":"8"},"succeeded":true,"responses":[{"response_put":{}}]})");
  });
  Op out = RunTxn(gw, R"([["r",1,null],["append",1,2],["r",1,null],["r",4,null]])");
  EXPECT_EQ(out.type, OpType::kOk) << out.error;
  EXPECT_EQ(out.value, json::parse(R"([["r",1,[1]],["append",1,2],["r",1,[1,2]],["r",4,null]])"));
  EXPECT_EQ(gw.reads(), 1);
  ASSERT_EQ(gw.commits(), 1);
  // Both touched keys compared: txn/1 at the mod_revision read, txn/4 absent.
  json compare = gw.last_commit()["compare"];
  ASSERT_EQ(compare.size(), 2u);
  EXPECT_EQ(compare[0]["mod_revision"], "5");
  EXPECT_EQ(compare[1]["version"], "0");
}

TEST(EtcdClientTxnTest, ReadOnlyTxnNeedsNoCommit) {
  FakeGateway gw([](const json&, httplib::Response& res) { Answer(res, 500, "{}"); });
  Op out = RunTxn(gw, R"([["r",1,null],["r",2,null]])");
  EXPECT_EQ(out.type, OpType::kOk) << out.error;
  EXPECT_EQ(out.value, json::parse(R"([["r",1,[1]],["r",2,null]])"));
  EXPECT_EQ(gw.commits(), 0);
}

TEST(EtcdClientTxnTest, ComparesNotHoldingIsAFailWithTheReason) {
  // etcd's answer when a compare fails: no "succeeded", no responses.
  FakeGateway gw([](const json&, httplib::Response& res) { Answer(res, 200, R"({"header":{"revision":"9"}})"); });
  Op out = RunTxn(gw, R"([["append",1,2]])");
  EXPECT_EQ(out.type, OpType::kFail);
  EXPECT_NE(out.error.find("conflict"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("revision 7"), std::string::npos) << out.error;
  EXPECT_EQ(out.value, json::parse(R"([["append",1,2]])")) << "a fail keeps the invocation's value";
}

TEST(EtcdClientTxnTest, TimeoutDuringCommitIsInfo) {
  FakeGateway gw([](const json&, httplib::Response& res) {
    std::this_thread::sleep_for(1200ms);  // past the client's 400 ms
    Answer(res, 200, R"({"header":{},"succeeded":true})");
  });
  Op out = RunTxn(gw, R"([["w",1,3]])");
  EXPECT_EQ(out.type, OpType::kInfo) << out.error;
  EXPECT_NE(out.error.find("commit"), std::string::npos) << out.error;
}

TEST(EtcdClientTxnTest, IndefiniteCommitErrorIsInfoButAnInvalidRequestIsFail) {
  FakeGateway unavailable([](const json&, httplib::Response& res) {
    Answer(res, 503, R"({"error":"etcdserver: request timed out","code":14})");
  });
  Op out = RunTxn(unavailable, R"([["append",1,2]])");
  EXPECT_EQ(out.type, OpType::kInfo) << out.error;
  EXPECT_NE(out.error.find("request timed out"), std::string::npos) << out.error;

  FakeGateway invalid([](const json&, httplib::Response& res) {
    Answer(res, 400, R"({"error":"etcdserver: too many operations in txn request","code":3})");
  });
  out = RunTxn(invalid, R"([["append",1,2]])");
  EXPECT_EQ(out.type, OpType::kFail) << out.error;
  EXPECT_NE(out.error.find("too many operations"), std::string::npos) << out.error;
}

TEST(EtcdClientTxnTest, ErrorsBeforeTheCommitAreFail) {
  FakeGateway gw([](const json&, httplib::Response& res) { Answer(res, 200, R"({"succeeded":true})"); });
  gw.FailReads();
  Op out = RunTxn(gw, R"([["append",1,2]])");
  EXPECT_EQ(out.type, OpType::kFail) << out.error;
  EXPECT_NE(out.error.find("read: HTTP 503"), std::string::npos) << out.error;
  EXPECT_EQ(gw.commits(), 0);

  // After the txn's own write of 3 to txn/1, an append to it has no list to
  // extend: refused before anything is sent to commit.
  FakeGateway gw2([](const json&, httplib::Response& res) { Answer(res, 200, R"({"succeeded":true})"); });
  out = RunTxn(gw2, R"([["w",1,3],["append",1,2]])");
  EXPECT_EQ(out.type, OpType::kFail);
  EXPECT_NE(out.error.find("not a list"), std::string::npos) << out.error;
  EXPECT_EQ(gw2.commits(), 0);

  out = RunTxn(gw2, R"([["frobnicate",1,2]])");
  EXPECT_EQ(out.type, OpType::kFail);
  EXPECT_NE(out.error.find("micro-op 0"), std::string::npos) << out.error;
  EXPECT_EQ(gw2.reads(), 1) << "a malformed txn is refused without a request";
}

TEST(EtcdClientTxnTest, NoServerIsFail) {
  int port;
  {
    FakeGateway gone([](const json&, httplib::Response&) {});
    port = gone.port();
  }
  EtcdClient client(port, 400ms);
  ClusterInfo cluster;
  ASSERT_TRUE(client.Open(cluster, NodeInfo{"n1", "127.0.0.1", nullptr}).ok());
  Op invoke;
  invoke.f = "txn";
  invoke.value = json::parse(R"([["append",1,2]])");
  Op out = client.Invoke(invoke);
  EXPECT_EQ(out.type, OpType::kFail) << out.error;
  EXPECT_NE(out.error.find("cannot connect"), std::string::npos) << out.error;
}

}  // namespace
}  // namespace faultline
