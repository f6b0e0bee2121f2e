// Unit tests of ringstore's pure parts: stable hash, ring placement and
// balance, flag parsing, change functions, and the durable log/replica store
// (recovery, torn tail, compaction, group commit) on real files with real fsync.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/test_files.h"

#include "targets/ringstore/command.h"
#include "targets/ringstore/config.h"
#include "targets/ringstore/durable_log.h"
#include "targets/ringstore/hash_ring.h"
#include "targets/ringstore/replica_store.h"

namespace faultline::ringstore {
namespace {

using nlohmann::json;

std::vector<std::string> Nodes(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back("n" + std::to_string(i));
  return out;
}

TEST(StableHashTest, PinnedValuesNeverChange) {
  // Placement must be identical in every build and every process.
  EXPECT_EQ(StableHash64(""), 0xefd01f60ba992926ULL);
  EXPECT_EQ(StableHash64("a"), 0x82a2a958a9bece5bULL);
  EXPECT_EQ(StableHash64("key-42"), 0xad37d850ff8935e0ULL);
}

TEST(HashRingTest, ReplicaSetsAreDistinctNodesAndDeterministic) {
  HashRing ring(Nodes(5), 64, 3);
  HashRing again(Nodes(5), 64, 3);
  EXPECT_EQ(ring.tokens().size(), 5u * 64u);
  for (int k = 0; k < 2000; ++k) {
    std::string key = "k" + std::to_string(k);
    auto r = ring.ReplicasFor(key);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(std::set<int>(r.begin(), r.end()).size(), 3u) << key;
    EXPECT_EQ(r, again.ReplicasFor(key));
  }
  // The first replica is the owner of the first token clockwise of the key.
  uint64_t h = StableHash64("k7");
  const auto& t = ring.tokens();
  auto it = std::lower_bound(t.begin(), t.end(), h, [](const HashRing::Token& a, uint64_t p) { return a.point < p; });
  int owner = (it == t.end() ? t.front() : *it).node;
  EXPECT_EQ(ring.ReplicasFor("k7")[0], owner);
  // Replicas are clamped to the cluster size.
  EXPECT_EQ(HashRing(Nodes(2), 8, 3).ReplicasFor("x").size(), 2u);
}

TEST(HashRingTest, FiveNodesSixtyFourVnodesAreBalanced) {
  HashRing ring(Nodes(5), 64, 3);
  std::vector<int> primary(5), replica(5);
  for (int k = 0; k < 100000; ++k) {
    auto r = ring.ReplicasFor("key-" + std::to_string(k));
    primary[r[0]]++;
    for (int n : r) replica[n]++;
  }
  auto ratio = [](const std::vector<int>& v) {
    return static_cast<double>(*std::max_element(v.begin(), v.end())) / *std::min_element(v.begin(), v.end());
  };
  EXPECT_LE(ratio(primary), 1.3) << "keys owned (primary): max/min";
  EXPECT_LE(ratio(replica), 1.3) << "keys held (any replica): max/min";
}

TEST(HashRingTest, JoinKeepsEveryTokenAndMovesKeysOnlyToTheJoiner) {
  HashRing base(Nodes(5), 128, 3);
  HashRing grown = base.WithNode("n6");
  ASSERT_EQ(grown.nodes().size(), 6u);
  EXPECT_EQ(grown.nodes().back(), "n6");
  EXPECT_EQ(grown.tokens().size(), 6u * 128u);
  std::set<uint64_t> after;
  for (const auto& t : grown.tokens()) after.insert(t.point);
  for (const auto& t : base.tokens()) EXPECT_TRUE(after.count(t.point)) << "token " << t.point << " moved";
  int moved = 0;
  const int keys = 20000;
  for (int k = 0; k < keys; ++k) {
    std::string key = "key-" + std::to_string(k);
    std::string before = base.ReplicaIdsFor(key)[0], now = grown.ReplicaIdsFor(key)[0];
    if (before != now) {
      ++moved;
      EXPECT_EQ(now, "n6") << key << " moved between two old members";
    }
  }
  // About 1/6 of the keys, never modulo hashing's 5/6.
  EXPECT_GT(moved, keys * 0.12);
  EXPECT_LT(moved, keys * 0.22);
  // Joining a member again changes nothing.
  EXPECT_EQ(grown.WithNode("n3").tokens().size(), grown.tokens().size());
}

TEST(HashRingTest, LeaveMovesOnlyTheLeaversKeysAndUndoesAJoin) {
  HashRing base(Nodes(5), 64, 3);
  HashRing shrunk = base.WithoutNode("n2");
  EXPECT_EQ(shrunk.nodes(), (std::vector<std::string>{"n1", "n3", "n4", "n5"}));
  EXPECT_EQ(shrunk.tokens().size(), 4u * 64u);
  for (int k = 0; k < 5000; ++k) {
    std::string key = "key-" + std::to_string(k);
    auto before = base.ReplicaIdsFor(key), now = shrunk.ReplicaIdsFor(key);
    ASSERT_EQ(now.size(), 3u);
    if (before[0] != "n2") {
      EXPECT_EQ(now[0], before[0]) << key;
    }
    for (const auto& n : before) {
      if (n != "n2") {
        EXPECT_NE(std::find(now.begin(), now.end(), n), now.end()) << key << " lost replica " << n;
      }
    }
  }
  // A join then a leave of the same node gives back the same placement.
  HashRing back = base.WithNode("n9").WithoutNode("n9");
  ASSERT_EQ(back.tokens().size(), base.tokens().size());
  for (size_t i = 0; i < back.tokens().size(); ++i) {
    EXPECT_EQ(back.tokens()[i].point, base.tokens()[i].point);
    EXPECT_EQ(back.nodes()[back.tokens()[i].node], base.nodes()[base.tokens()[i].node]);
  }
  // The replication factor is clamped on a small ring and grows back.
  HashRing two = HashRing(Nodes(2), 8, 3);
  EXPECT_EQ(two.replicas(), 2);
  EXPECT_EQ(two.WithNode("n3").replicas(), 3);
  EXPECT_EQ(base.WithoutNode("absent").tokens().size(), base.tokens().size());
}

TEST(ConfigTest, ParsesAllFlags) {
  auto c = ParseConfig({"--id", "n2", "--listen", "0.0.0.0:7002", "--peers",
                        "n1=10.0.0.1:7001,n2=10.0.0.2:7002,n3=10.0.0.3:7003", "--data-dir", "/tmp/x",
                        "--replicas=2", "--vnodes", "16", "--mode", "lww"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->id, "n2");
  EXPECT_EQ(c->listen_host, "0.0.0.0");
  EXPECT_EQ(c->listen_port, 7002);
  ASSERT_EQ(c->peers.size(), 3u);
  EXPECT_EQ(c->peers[2].host, "10.0.0.3");
  EXPECT_EQ(c->peers[2].port, 7003);
  EXPECT_EQ(c->replicas, 2);
  EXPECT_EQ(c->vnodes, 16);
  EXPECT_EQ(c->mode, Mode::kLww);
}

TEST(ConfigTest, JoinAndHandoffFlags) {
  std::vector<std::string> base = {"--id", "n4", "--listen", "h:4", "--peers", "n4=h:4", "--data-dir", "d"};
  auto plain = ParseConfig(base);
  EXPECT_TRUE(plain->join_host.empty());
  EXPECT_FALSE(plain->handoff_unsafe);
  auto with = base;
  with.insert(with.end(), {"--join", "10.95.1.1:7000", "--handoff", "unsafe"});
  auto c = ParseConfig(with);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->join_host, "10.95.1.1");
  EXPECT_EQ(c->join_port, 7000);
  EXPECT_TRUE(c->handoff_unsafe);
  auto bad = base;
  bad.insert(bad.end(), {"--join", "nohost"});
  EXPECT_EQ(ParseConfig(bad).status().message(), "--join: \"nohost\" is not HOST:PORT");
  bad = base;
  bad.insert(bad.end(), {"--handoff", "maybe"});
  EXPECT_EQ(ParseConfig(bad).status().message(), "--handoff: \"maybe\" is not safe or unsafe");
  // lww and eventual hand off without agreement: nothing for unsafe to break.
  bad = base;
  bad.insert(bad.end(), {"--mode", "lww", "--handoff", "unsafe"});
  EXPECT_EQ(ParseConfig(bad).status().message(), "--handoff unsafe needs --mode paxos");
}

TEST(ConfigTest, FsyncIsAlwaysUnlessToldNever) {
  std::vector<std::string> base = {"--id", "n1", "--listen", "h:1", "--peers", "n1=h:1", "--data-dir", "d"};
  EXPECT_TRUE(ParseConfig(base)->fsync);
  auto never = base;
  never.insert(never.end(), {"--fsync", "never"});
  EXPECT_FALSE(ParseConfig(never)->fsync);
  auto bad = base;
  bad.insert(bad.end(), {"--fsync", "sometimes"});
  EXPECT_EQ(ParseConfig(bad).status().message(), "--fsync: \"sometimes\" is not always or never");
}

TEST(ConfigTest, RejectsBadFlagsWithOneLine) {
  const std::vector<std::string> base = {"--id", "n1", "--listen", "127.0.0.1:1", "--peers", "n1=127.0.0.1:1",
                                         "--data-dir", "d"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return ParseConfig(args);
  };
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  } cases[] = {
      {{"--mode", "raft"}, "--mode"},
      {{"--replicas", "x"}, "--replicas"},
      {{"--bogus", "1"}, "unknown flag --bogus"},
      {{"--id", "n1"}, "given twice"},
  };
  for (const auto& c : cases) {
    auto r = with(c.args);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  }
  EXPECT_FALSE(ParseConfig({"--id", "n1"}).ok());
  EXPECT_NE(ParseConfig({"--id", "n9", "--listen", "h:1", "--peers", "n1=h:1", "--data-dir", "d"})
                .status().message().find("not one of --peers"),
            std::string::npos);
  EXPECT_FALSE(ParseConfig({"--id", "n1", "--listen", "nope", "--peers", "n1=h:1", "--data-dir", "d"}).ok());
  EXPECT_FALSE(ParseConfig({"--id", "n1", "--listen", "h:1", "--peers", "n1=h:99999", "--data-dir", "d"}).ok());
}

TEST(ChangeTest, EveryOperation) {
  Command c;
  c.key = "k";
  c.op = Op::kRead;
  EXPECT_EQ(ApplyChange(c, 3).outcome.body, json({{"value", 3}}));
  EXPECT_FALSE(ApplyChange(c, 3).changed);
  c.op = Op::kWrite;
  c.arg = 5;
  EXPECT_EQ(ApplyChange(c, 3).new_value, 5);
  c.op = Op::kCas;
  c.arg = json::array({3, 4});
  EXPECT_EQ(ApplyChange(c, 3).new_value, 4);
  Change failed = ApplyChange(c, 2);
  EXPECT_EQ(failed.outcome.status, 409);
  EXPECT_TRUE(failed.outcome.body["definite"].get<bool>());
  EXPECT_FALSE(failed.changed);
  c.op = Op::kSetAdd;
  c.arg = "x";
  EXPECT_EQ(ApplyChange(c, nullptr).new_value, json::array({"x"}));
  EXPECT_FALSE(ApplyChange(c, json::array({"x"})).changed);
  c.op = Op::kCounterAdd;
  c.arg = 4;
  EXPECT_EQ(ApplyChange(c, 3).new_value, 7);
  c.op = Op::kCounterRead;
  EXPECT_EQ(ApplyChange(c, nullptr).outcome.body["value"], 0);
  c.op = Op::kSetRead;
  EXPECT_EQ(ApplyChange(c, nullptr).outcome.body["value"], json::array());
}

TEST(ReplicaStoreTest, AcceptorRulesAndRecovery) {
  ScopedTempDir dir("ringstore-unit");
  {
    auto store = ReplicaStore::Open(dir.path());
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto& s = *store.value();
    auto p = s.Prepare("k", Ballot{5, "n1"});
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->ok);
    EXPECT_FALSE(s.Prepare("k", Ballot{4, "n9"})->ok);        // lower ballot rejected
    EXPECT_FALSE(s.Accept("k", Ballot{4, "n9"}, 1)->ok);       // below the promise
    EXPECT_TRUE(s.Accept("k", Ballot{5, "n1"}, 42)->ok);
    auto p2 = s.Prepare("k", Ballot{6, "n2"});
    EXPECT_EQ(p2->value, 42);
    EXPECT_EQ(p2->accepted, (Ballot{5, "n1"}));
    EXPECT_TRUE(*s.WriteIfNewer("w", Ballot{10, "n1"}, "new"));
    EXPECT_FALSE(*s.WriteIfNewer("w", Ballot{9, "n3"}, "old"));
  }
  auto store = ReplicaStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  auto& s = *store.value();
  EXPECT_EQ(s.MaxCounter(), 10u);
  auto p = s.Prepare("k", Ballot{7, "n1"});
  EXPECT_EQ(p->value, 42);
  EXPECT_EQ(p->accepted, (Ballot{5, "n1"}));
  EXPECT_FALSE(s.Prepare("k", Ballot{6, "n2"})->ok);  // the promise survived the restart
  EXPECT_EQ(s.Read("w")->value, "new");
}

TEST(ReplicaStoreTest, TornTailIsCutAndEarlierRecordsSurvive) {
  ScopedTempDir dir("ringstore-unit");
  {
    auto store = ReplicaStore::Open(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store.value()->WriteIfNewer("a", Ballot{1, "n1"}, 1).ok());
    ASSERT_TRUE(store.value()->WriteIfNewer("b", Ballot{1, "n1"}, 2).ok());
  }
  std::string log = dir.path() + "/replica.log";
  auto size = std::filesystem::file_size(log);
  // A crash in the middle of writing a record: half a frame at the end.
  int fd = ::open(log.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "\x40\x00\x00\x00garbage", 11), 11);
  ::close(fd);
  {
    auto store = ReplicaStore::Open(dir.path());
    ASSERT_TRUE(store.ok()) << store.status().message();
    EXPECT_EQ(std::filesystem::file_size(log), size);
    EXPECT_EQ(store.value()->Read("a")->value, 1);
    EXPECT_EQ(store.value()->Read("b")->value, 2);
    ASSERT_TRUE(store.value()->WriteIfNewer("c", Ballot{1, "n1"}, 3).ok());
  }
  auto store = ReplicaStore::Open(dir.path());
  EXPECT_EQ(store.value()->Read("c")->value, 3);
}

// Corruption is not a crash: a whole record whose checksum fails (a bit
// flipped on disk, in the middle of the log or in its last record) or an
// impossible length makes Open refuse, naming the byte, instead of dropping
// the acknowledged records from there on as a torn tail would.
TEST(ReplicaStoreTest, CorruptLogBeforeItsTailRefusesToOpen) {
  for (const char* where : {"middle", "last record", "length"}) {
    ScopedTempDir dir("ringstore-unit");
    {
      auto store = ReplicaStore::Open(dir.path());
      ASSERT_TRUE(store.ok());
      for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(store.value()->WriteIfNewer("k" + std::to_string(i), Ballot{1, "n1"}, i).ok());
      }
    }
    std::string log = dir.path() + "/replica.log";
    auto size = std::filesystem::file_size(log);
    size_t record = size / 3;  // the records are the same size
    size_t at = std::string(where) == "middle"   ? record + 12      // the second record's payload
                : std::string(where) == "length" ? record + 3       // its length's high byte
                                                 : 2 * record + 12;  // the last record's payload
    int fd = ::open(log.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    unsigned char byte = 0;
    ASSERT_EQ(::pread(fd, &byte, 1, static_cast<off_t>(at)), 1);
    byte ^= 0x10;
    ASSERT_EQ(::pwrite(fd, &byte, 1, static_cast<off_t>(at)), 1);
    ::close(fd);
    auto store = ReplicaStore::Open(dir.path());
    ASSERT_FALSE(store.ok()) << where;
    EXPECT_NE(store.status().message().find("is corrupt at byte " + std::to_string(at < record * 2 ? record : 2 * record)),
              std::string::npos)
        << where << ": " << store.status().message();
    EXPECT_NE(store.status().message().find("refusing to start"), std::string::npos);
    EXPECT_EQ(std::filesystem::file_size(log), size) << where << ": the log must be left as it is";
  }
}

// Zeros to the end (the size reached the disk, the data did not) are a
// torn tail; an empty record followed by other bytes is corruption.
TEST(ReplicaStoreTest, ZerosToTheEndAreATornTailGarbageAfterThemIsNot) {
  for (bool garbage_after : {false, true}) {
    ScopedTempDir dir("ringstore-unit");
    {
      auto store = ReplicaStore::Open(dir.path());
      ASSERT_TRUE(store.ok());
      ASSERT_TRUE(store.value()->WriteIfNewer("a", Ballot{1, "n1"}, 1).ok());
    }
    std::string log = dir.path() + "/replica.log";
    auto size = std::filesystem::file_size(log);
    std::string tail(4096, '\0');
    if (garbage_after) tail += "\x05\x00\x00\x00junk!";
    int fd = ::open(log.c_str(), O_WRONLY | O_APPEND);
    ASSERT_EQ(::write(fd, tail.data(), tail.size()), static_cast<ssize_t>(tail.size()));
    ::close(fd);
    auto store = ReplicaStore::Open(dir.path());
    if (garbage_after) {
      ASSERT_FALSE(store.ok());
      EXPECT_NE(store.status().message().find("corrupt at byte " + std::to_string(size) + " of " +
                                              std::to_string(size + tail.size()) + " (an empty record"),
                std::string::npos)
          << store.status().message();
    } else {
      ASSERT_TRUE(store.ok()) << store.status().message();
      EXPECT_EQ(std::filesystem::file_size(log), size);
      EXPECT_EQ(store.value()->Read("a")->value, 1);
    }
  }
}

// --fsync never: replies come without fdatasync (the data is in the page
// cache only, and survives a restart of the process, not a power cut).
TEST(ReplicaStoreTest, FsyncNeverRepliesWithoutSyncing) {
  ScopedTempDir dir("ringstore-unit");
  {
    auto store = ReplicaStore::Open(dir.path(), 32ull << 20, false);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(store.value()->WriteIfNewer("k", Ballot{static_cast<uint64_t>(i + 1), "n1"}, i).ok());
    EXPECT_EQ(store.value()->log().fsyncs(), 0u);
  }
  auto store = ReplicaStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store.value()->Read("k")->value, 4);
  ASSERT_TRUE(store.value()->WriteIfNewer("k", Ballot{9, "n1"}, 9).ok());
  EXPECT_EQ(store.value()->log().fsyncs(), 1u);  // always (the default) syncs each batch
}

TEST(ReplicaStoreTest, CompactionBoundsTheLogAndKeepsState) {
  ScopedTempDir dir("ringstore-unit");
  const uint64_t kCompactAt = 16 * 1024;
  {
    auto store = ReplicaStore::Open(dir.path(), kCompactAt);
    ASSERT_TRUE(store.ok());
    auto& s = *store.value();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 1; i <= 600; ++i) {
          ASSERT_TRUE(s.WriteIfNewer("k" + std::to_string(i % 20), Ballot{static_cast<uint64_t>(i), "n" + std::to_string(t)},
                                     i).ok());
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_GT(s.log().compactions(), 0u);
    EXPECT_LT(s.log().file_bytes(), 2 * kCompactAt);
    // Group commit: 2400 durable writes took far fewer fsyncs.
    EXPECT_LT(s.log().fsyncs(), 2400u);
  }
  auto store = ReplicaStore::Open(dir.path(), kCompactAt);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store.value()->keys(), 20u);
  for (int k = 0; k < 20; ++k) {
    int newest = 600 - ((600 - k) % 20);  // largest i <= 600 with i % 20 == k
    EXPECT_EQ(store.value()->Read("k" + std::to_string(k))->value, newest) << k;
  }
}

}  // namespace
}  // namespace faultline::ringstore
