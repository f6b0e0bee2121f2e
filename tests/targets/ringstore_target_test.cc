// The ringstore target's parts that need no nodes: option parsing, key
// encoding, and the client's outcome when the store cannot be reached. The
// deployment itself is tested on a real cluster in tests/integration.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "targets/ringstore_client.h"
#include "targets/ringstore_db.h"

namespace faultline {
namespace {

TEST(RingstoreTargetTest, OptionsParseAndRejectWithTheKeyNamed) {
  auto o = ParseRingstoreOptions({{"mode", "lww"}, {"replicas", "5"}, {"vnodes", "16"},
                                  {"port", "7100"}, {"binary", "/x/ringstore"},
                                  {"request-timeout-ms", "250"}, {"rpc-timeout-ms", "100"},
                                  {"start-timeout-ms", "2000"}});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->mode, "lww");
  EXPECT_EQ(o->replicas, 5);
  EXPECT_EQ(o->vnodes, 16);
  EXPECT_EQ(o->port, 7100);
  EXPECT_EQ(o->binary, "/x/ringstore");
  EXPECT_EQ(o->request_timeout.count(), 250);
  EXPECT_EQ(o->rpc_timeout_ms, 100);
  EXPECT_EQ(o->start_timeout.count(), 2000);

  auto defaults = ParseRingstoreOptions({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->mode, "paxos");
  EXPECT_EQ(defaults->replicas, 3);
  // Next to the running executable (here: the test binary in the build dir).
  EXPECT_EQ(defaults->binary, std::string(FAULTLINE_BINARY_DIR) + "/ringstore");
  EXPECT_TRUE(defaults->fsync);
  EXPECT_FALSE(ParseRingstoreOptions({{"fsync", "never"}})->fsync);
  auto bad_fsync = ParseRingstoreOptions({{"fsync", "weekly"}});
  ASSERT_FALSE(bad_fsync.ok());
  EXPECT_EQ(bad_fsync.status().message(), "target ringstore: fsync=\"weekly\" must be always or never");

  auto bad_mode = ParseRingstoreOptions({{"mode", "quantum"}});
  ASSERT_FALSE(bad_mode.ok());
  EXPECT_NE(bad_mode.status().message().find("mode=\"quantum\""), std::string::npos);
  auto bad_port = ParseRingstoreOptions({{"port", "70000"}});
  ASSERT_FALSE(bad_port.ok());
  EXPECT_NE(bad_port.status().message().find("port=\"70000\""), std::string::npos);
  EXPECT_TRUE(ParseRingstoreOptions({{"handoff", "unsafe"}})->handoff_unsafe);
  auto unsafe_lww = ParseRingstoreOptions({{"mode", "lww"}, {"handoff", "unsafe"}});
  ASSERT_FALSE(unsafe_lww.ok());
  EXPECT_NE(unsafe_lww.status().message().find("handoff=unsafe needs mode=paxos"), std::string::npos);
  auto unknown = ParseRingstoreOptions({{"colour", "blue"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown option \"colour\""), std::string::npos);

  const auto* entry = TargetRegistry::Get().Find("ringstore");
  ASSERT_NE(entry, nullptr);
  auto target = entry->factory({});
  ASSERT_TRUE(target.ok());
  EXPECT_TRUE(target->needs_nodes);
  EXPECT_EQ(target->fs, (std::set<std::string>{"read", "write", "cas", "set-add", "set-read",
                                               "counter-add", "counter-read", "txn-single"}));
  EXPECT_NE(dynamic_cast<ClockSkewable*>(target->db.get()), nullptr);
}

TEST(RingstoreTargetTest, KeysArePercentEncoded) {
  EXPECT_EQ(EncodePathSegment("k7"), "k7");
  EXPECT_EQ(EncodePathSegment("a b/c?%"), "a%20b%2Fc%3F%25");
}

TEST(RingstoreTargetTest, UnreachableStoreIsADefiniteFailure) {
  // A port nobody listens on: bind one, then close it.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  int port = ntohs(sa.sin_port);
  close(fd);

  RingstoreClient client(port, std::chrono::milliseconds(500));
  Op not_open;
  not_open.f = "read";
  EXPECT_EQ(client.Invoke(not_open).type, OpType::kFail);
  ClusterInfo cluster;
  NodeInfo node{"n1", "127.0.0.1", nullptr};
  ASSERT_TRUE(client.Open(cluster, node).ok());
  Op write;
  write.f = "write";
  write.key = "k";
  write.value = 1;
  Op out = client.Invoke(write);
  // Connection refused: the request never left, so it certainly had no effect.
  EXPECT_EQ(out.type, OpType::kFail) << out.error;
  EXPECT_EQ(out.value, 1);
  EXPECT_FALSE(out.error.empty());
  Op bad_cas = write;
  bad_cas.f = "cas";
  EXPECT_EQ(client.Invoke(bad_cas).type, OpType::kFail);
  client.Close();
}

}  // namespace
}  // namespace faultline
