// The ringstore target's parts that need no nodes: option parsing, key
// encoding, and the client's outcome when the store cannot be reached. The
// deployment itself is tested on a real cluster in tests/integration.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <set>

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

// The Outlook's rule: a change needs a member (not the leaver) that hears a
// majority of the old and new members and misses at most 1 (replicas 3) of
// them all; a joiner not running yet counts as heard.
TEST(RingstoreTargetTest, ChangeBlockerAllowsOnlyChangesTheStoreCanComplete) {
  const std::vector<std::string> five = {"n1", "n2", "n3", "n4", "n5"};
  const std::vector<std::string> six = {"n1", "n2", "n3", "n4", "n5", "n6"};
  const std::vector<std::string> four = {"n1", "n2", "n3", "n4"};
  auto hears = [](std::set<std::string> h, std::vector<std::string> ring) {
    return RingstoreNodeView{std::move(h), std::move(ring)};
  };
  std::map<std::string, RingstoreNodeView> all_up;
  for (const auto& n : five) all_up[n] = hears({five.begin(), five.end()}, five);
  EXPECT_EQ(RingstoreChangeBlocker(all_up, 1, five, six), "");  // n6 does not run yet: the join starts it
  EXPECT_EQ(RingstoreChangeBlocker(all_up, 1, five, four), "");

  // n5 killed: one missed, still possible; leaving n5 itself too.
  std::map<std::string, RingstoreNodeView> one_down;
  for (const auto& n : four) one_down[n] = hears({"n1", "n2", "n3", "n4"}, five);
  EXPECT_EQ(RingstoreChangeBlocker(one_down, 1, five, six), "");
  EXPECT_EQ(RingstoreChangeBlocker(one_down, 1, five, four), "");

  // n4 and n5 killed: a majority is left, but the joint ring's broadcast
  // would miss two members.
  std::map<std::string, RingstoreNodeView> two_down;
  for (const std::string n : {"n1", "n2", "n3"}) two_down[n] = hears({"n1", "n2", "n3"}, five);
  std::string why = RingstoreChangeBlocker(two_down, 1, five, six);
  EXPECT_NE(why.find("misses n4,n5"), std::string::npos) << why;
  EXPECT_NE(RingstoreChangeBlocker(two_down, 1, five, {"n1", "n2", "n3", "n5"}), "");

  // A partition n1,n2 | n3,n4,n5 with n6 running on the minority side: n3
  // coordinates a leave of n1 (misses n1,n2: no); nothing can complete.
  std::map<std::string, RingstoreNodeView> split;
  for (const std::string n : {"n1", "n2"}) split[n] = hears({"n1", "n2", "n6"}, five);
  for (const std::string n : {"n3", "n4", "n5"}) split[n] = hears({"n3", "n4", "n5"}, five);
  split["n6"] = hears({"n1", "n2", "n6"}, {});
  EXPECT_NE(RingstoreChangeBlocker(split, 1, five, {"n2", "n3", "n4", "n5"}), "");
  EXPECT_NE(RingstoreChangeBlocker(split, 1, five, six), "") << "n6 runs and only the minority hears it";

  // Only the leaver hears everyone: it does not coordinate its own leave.
  std::map<std::string, RingstoreNodeView> leaver_only;
  leaver_only["n5"] = hears({five.begin(), five.end()}, five);
  EXPECT_NE(RingstoreChangeBlocker(leaver_only, 1, five, four), "");

  // The rings are still joint with n6 (a half-made join) and n6 is down:
  // n1 would finish that first and miss n6 as well as the killed n5.
  std::map<std::string, RingstoreNodeView> joint;
  for (const auto& n : four) joint[n] = hears({"n1", "n2", "n3", "n4"}, six);
  EXPECT_NE(RingstoreChangeBlocker(joint, 1, five, four), "");
  EXPECT_EQ(RingstoreChangeBlocker(one_down, 1, five, four), "") << "the same without the half-made join";
}

// lww and eventual changes are not agreed: the split that blocks a paxos
// change lets either side change (what each side misses is theirs to lose),
// but a lone node, or only the leaver, cannot.
TEST(RingstoreTargetTest, HandoffChangeBlockerNeedsOnlyAMemberThatHearsAnother) {
  const std::vector<std::string> five = {"n1", "n2", "n3", "n4", "n5"};
  const std::vector<std::string> six = {"n1", "n2", "n3", "n4", "n5", "n6"};
  auto hears = [](std::set<std::string> h) { return RingstoreNodeView{std::move(h), {}}; };
  std::map<std::string, RingstoreNodeView> split;
  for (const std::string n : {"n1", "n2"}) split[n] = hears({"n1", "n2"});
  for (const std::string n : {"n3", "n4", "n5"}) split[n] = hears({"n3", "n4", "n5"});
  EXPECT_NE(RingstoreChangeBlocker(split, 1, five, {"n2", "n3", "n4", "n5"}), "");
  EXPECT_EQ(RingstoreHandoffChangeBlocker(split, five, {"n2", "n3", "n4", "n5"}), "");
  EXPECT_EQ(RingstoreHandoffChangeBlocker(split, five, six), "");

  std::map<std::string, RingstoreNodeView> alone;
  alone["n1"] = hears({"n1"});
  alone["n5"] = hears({"n1", "n5"});
  EXPECT_EQ(RingstoreHandoffChangeBlocker(alone, five, six), "") << "n5 hears n1";
  EXPECT_EQ(RingstoreHandoffChangeBlocker(alone, five, {"n2", "n3", "n4", "n5"}), "") << "n5 hears n1";
  std::string why = RingstoreHandoffChangeBlocker(alone, five, {"n1", "n2", "n3", "n4"});
  EXPECT_NE(why.find("hears another member"), std::string::npos) << "n5 leaves, n1 hears nobody: " << why;
  EXPECT_NE(RingstoreHandoffChangeBlocker({}, five, six).find("could coordinate"), std::string::npos);
}

}  // namespace
}  // namespace faultline
