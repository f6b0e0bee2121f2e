// EtcdDb's membership parts that need no real etcd: the initial-members
// option, the member list's mapping to nodes (by peer URL, started or not),
// the --initial-cluster a joiner starts with, the floor MinMembers puts under
// Leave, and EtcdGatewayPost reading the error answers cpp-httplib cannot.
// A scripted stand-in for the v3 gateway answers on 127.0.0.1. Real etcd:
// tests/integration/etcd_membership_test.cc.
#include "targets/etcd_db.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "targets/etcd_gateway_call.h"

namespace faultline {
namespace {

using namespace std::chrono_literals;

// n1..n5 at 127.0.0.1..5 (distinct addresses, so peer URLs map to nodes).
ClusterInfo FiveNodes() {
  ClusterInfo c;
  for (int i = 1; i <= 5; ++i) c.nodes.push_back(NodeInfo{"n" + std::to_string(i), "127.0.0." + std::to_string(i), nullptr});
  return c;
}

json Member(const std::string& id, const std::string& name, int host) {
  return {{"ID", id}, {"name", name}, {"peerURLs", {"http://127.0.0." + std::to_string(host) + ":2380"}}};
}

TEST(EtcdMembershipTest, InitialMembersOptionIsParsedAndChecked) {
  auto o = ParseEtcdOptions({{"initial-members", "3"}});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->initial_members, 3);
  for (const char* bad : {"0", "x", "-2", ""}) {
    auto r = ParseEtcdOptions({{"initial-members", bad}});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("initial-members"), std::string::npos) << r.status().message();
  }
  auto unknown = ParseEtcdOptions({{"initial-member", "3"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("initial-members"), std::string::npos)
      << "the known-options list names it: " << unknown.status().message();
}

TEST(EtcdMembershipTest, InitialMembersAndTheFloorFollowTheCluster) {
  ClusterInfo c = FiveNodes();
  EtcdDb three(*ParseEtcdOptions({{"initial-members", "3"}}));
  // Before any cluster was seen: a majority of the initial members.
  EXPECT_EQ(three.MinMembers(), 2u);
  EXPECT_EQ(three.InitialMembers(c), (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(three.MinMembers(), 3u) << "a majority of the 5 nodes";
  EtcdDb all(*ParseEtcdOptions({}));
  EXPECT_EQ(all.InitialMembers(c).size(), 5u);
  EtcdDb too_many(*ParseEtcdOptions({{"initial-members", "6"}}));
  Status s = too_many.Setup(c, c.nodes[0]);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("initial-members=6 exceeds the cluster's 5 nodes"), std::string::npos) << s.message();
}

TEST(EtcdMembershipTest, MembersMapToNodesByPeerUrlStartedOrNot) {
  ClusterInfo c = FiveNodes();
  // n4 was added but has not started: no name yet, only its peer URL.
  json answer = {{"members", {Member("11", "n1", 1), Member("22", "n2", 2), Member("44", "", 4),
                               {{"ID", "99"}, {"name", "stranger"}, {"peerURLs", {"http://10.9.9.9:2380"}}}}}};
  auto members = ParseEtcdMembers(c, answer);
  ASSERT_TRUE(members.ok()) << members.status().message();
  ASSERT_EQ(members->size(), 4u);
  EXPECT_EQ((*members)[0].node, "n1");
  EXPECT_TRUE((*members)[0].started);
  EXPECT_EQ((*members)[2].node, "n4");
  EXPECT_EQ((*members)[2].id, "44");
  EXPECT_FALSE((*members)[2].started);
  EXPECT_EQ((*members)[3].node, "") << "a member on no node of the cluster maps to none";
  EXPECT_EQ(EtcdInitialCluster(c, *members, 2380),
            "n1=http://127.0.0.1:2380,n2=http://127.0.0.2:2380,n4=http://127.0.0.4:2380");
  auto bad = ParseEtcdMembers(c, json{{"header", json::object()}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no \"members\""), std::string::npos);
}

// The gateway stand-in on 127.0.0.1 (n1): a member list of n1, n2, n3.
class FakeMemberList {
 public:
  FakeMemberList() {
    server_.Post("/v3/cluster/member/list", [](const httplib::Request&, httplib::Response& res) {
      json j = {{"header", {{"member_id", "11"}}},
                {"members", {Member("11", "n1", 1), Member("22", "n2", 2), Member("33", "n3", 3)}}};
      res.set_content(j.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(5ms);
  }
  ~FakeMemberList() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(EtcdMembershipTest, LeaveAndJoinRefuseWhatTheMemberListForbids) {
  FakeMemberList gateway;
  ClusterInfo c = FiveNodes();
  EtcdDb db(*ParseEtcdOptions({{"client-port", std::to_string(gateway.port())}}));
  auto members = db.Members(c);
  ASSERT_TRUE(members.ok()) << members.status().message();
  EXPECT_EQ(*members, (std::vector<std::string>{"n1", "n2", "n3"}));
  auto leave = db.Leave(c, c.nodes[1]);
  ASSERT_FALSE(leave.ok());
  EXPECT_NE(leave.status().message().find("would leave 2 members, fewer than a majority of the 5 nodes"),
            std::string::npos)
      << leave.status().message();
  auto outsider = db.Leave(c, c.nodes[4]);
  ASSERT_FALSE(outsider.ok());
  EXPECT_NE(outsider.status().message().find("n5 is not a member"), std::string::npos);
  auto again = db.Join(c, c.nodes[0]);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("n1 is already a member"), std::string::npos);
}

// A raw server that answers one connection with `reply` and closes.
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    ::listen(fd_, 1);
    thread_ = std::thread([this, reply] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      request_.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
      (void)::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~OneShotServer() {
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  const std::string& request() const { return request_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

TEST(EtcdGatewayPostTest, ReadsAnErrorAnswerWhole) {
  bool sent = false;
  {
    // What etcd's gateway sends an HTTP/1.0 client for a refused member change.
    OneShotServer server(
        "HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n\r\n"
        R"({"error":"etcdserver: unhealthy cluster","message":"etcdserver: unhealthy cluster","code":14})");
    auto a = EtcdGatewayPost("127.0.0.1", server.port(), "/v3/cluster/member/add", R"({"peerURLs":["x"]})", 1s, 5s,
                             &sent);
    ASSERT_TRUE(a.ok()) << a.status().message();
    EXPECT_TRUE(sent);
    EXPECT_EQ(a->status, 503);
    EXPECT_EQ(json::parse(a->body)["message"], "etcdserver: unhealthy cluster");
  }
  {
    // What it sends an HTTP/1.1 client: chunked, then a trailer (httplib's
    // own Post reports "Read" and loses the body).
    OneShotServer server(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nTrailer: Grpc-Trailer-Content-Type\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
        "28\r\n" R"({"error":"too many operations","code":3})" "\r\n0\r\n"
        "Grpc-Trailer-Content-Type: application/grpc\r\n\r\n");
    auto a = EtcdGatewayPost("127.0.0.1", server.port(), "/v3/kv/txn", "{}", 1s, 5s, &sent);
    ASSERT_TRUE(a.ok()) << a.status().message();
    EXPECT_EQ(a->status, 400);
    EXPECT_EQ(json::parse(a->body)["code"], 3);
  }
  {
    // Cut off inside the body: no answer, but it was sent.
    OneShotServer server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        "20\r\n" R"({"header":{"revision":)");
    auto cut = EtcdGatewayPost("127.0.0.1", server.port(), "/v3/kv/range", "{}", 1s, 5s, &sent);
    EXPECT_FALSE(cut.ok());
    EXPECT_TRUE(sent);
  }
  OneShotServer server("HTTP/1.0 200 OK\r\n\r\n{}");
  auto ok = EtcdGatewayPost("127.0.0.1", server.port(), "/p", "{}", 1s, 5s, &sent);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "{}");
}

TEST(EtcdGatewayPostTest, ARefusedConnectionWasNeverSent) {
  // A port nothing listens on: bind one, note it, close it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  bool sent = true;
  auto a = EtcdGatewayPost("127.0.0.1", ntohs(sa.sin_port), "/p", "{}", 1s, 1s, &sent);
  ASSERT_FALSE(a.ok());
  EXPECT_FALSE(sent);
  EXPECT_NE(a.status().message().find("Connection"), std::string::npos) << a.status().message();
}

}  // namespace
}  // namespace faultline
