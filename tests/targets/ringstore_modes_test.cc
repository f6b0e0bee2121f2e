// ringstore's weaker modes with real processes: lww (quorum, wall-clock
// last-write-wins) and eventual (local, asynchronous replication). Shows the
// API works in every mode and that the anomalies are real: lww loses an
// acknowledged write under clock skew (libfaketime), eventual stays available
// without a quorum and converges after the fault heals.
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/control/subprocess.h"
#include "harness/core/text_lines.h"
#include "targets/faketime_preload.h"
#include "tests/targets/ringstore_cluster.h"

namespace faultline::ringstore::testing {
namespace {

using nlohmann::json;

RingstoreCluster::Options ModeOptions(const std::string& mode) {
  RingstoreCluster::Options o;
  o.mode = mode;
  return o;
}

// Polls `path` on node i until its value equals `want` (up to ~5 s).
bool Eventually(RingstoreCluster& cluster, int i, const std::string& path, const json& want) {
  for (int tries = 0; tries < 100; ++tries) {
    auto r = cluster.Client(i)->Get(path);
    if (r.status == 200 && r.body["value"] == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void ExerciseApi(RingstoreCluster& cluster, const std::string& mode) {
  auto c1 = cluster.Client(0), c2 = cluster.Client(1);
  EXPECT_EQ(c1->Get("/health").body["mode"], mode);
  EXPECT_EQ(c1->Get("/kv/m").body["value"], nullptr);
  EXPECT_EQ(c1->Put("/kv/m", json{{"value", "a"}}).status, 200);
  EXPECT_EQ(c1->Get("/kv/m").body["value"], "a");
  EXPECT_EQ(c1->Post("/kv/m/cas", json{{"expected", "a"}, {"new", "b"}}).status, 200);
  auto bad = c1->Post("/kv/m/cas", json{{"expected", "a"}, {"new", "c"}});
  EXPECT_EQ(bad.status, 409);
  EXPECT_EQ(bad.body["definite"], true);
  EXPECT_EQ(c1->Post("/set/s/add", json{{"element", 1}}).status, 200);
  EXPECT_EQ(c1->Post("/set/s/add", json{{"element", 2}}).status, 200);
  EXPECT_EQ(c1->Get("/set/s").body["value"], json::array({1, 2}));
  EXPECT_EQ(c1->Post("/counter/c/add", json{{"delta", 2}}).status, 200);
  EXPECT_EQ(c1->Post("/counter/c/add", json{{"delta", 3}}).status, 200);
  EXPECT_EQ(c1->Get("/counter/c").body["value"], 5);
  EXPECT_EQ(c1->Get("/status").body["mode"], mode);
  EXPECT_EQ(c1->Put("/kv/m", std::string("{oops")).status, 400);
  // Other nodes see the writes (at once with quorums, eventually otherwise).
  EXPECT_TRUE(Eventually(cluster, 1, "/kv/m", "b"));
  EXPECT_TRUE(Eventually(cluster, 2, "/counter/c", 5));
}

TEST(RingstoreLwwTest, ServesEveryCall) {
  RingstoreCluster cluster(ModeOptions("lww"));
  ASSERT_TRUE(cluster.StartAll());
  ExerciseApi(cluster, "lww");
  // Quorum: one node down still serves, two down does not.
  cluster.Kill(2);
  EXPECT_EQ(cluster.Client(0)->Put("/kv/q", json{{"value", 1}}).status, 200);
  EXPECT_EQ(cluster.Client(1)->Get("/kv/q").body["value"], 1);
  cluster.Kill(1);
  auto r = cluster.Client(0)->Get("/kv/q");
  EXPECT_EQ(r.status, 503) << r.raw;
  EXPECT_EQ(r.body["definite"], true);
}

TEST(RingstoreLwwTest, ClockSkewLosesAnAcknowledgedWrite) {
  const std::string faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  ASSERT_TRUE(std::filesystem::exists(faketime)) << "libfaketime missing: run scripts/install-deps.sh";
  // A libfaketime pair of its own (targets/faketime_preload.h): the node is
  // SIGKILLed at the end, which would leave a pid-named pair in /dev/shm.
  const std::string pair = FaketimePairId("modes-test", "n" + std::to_string(getpid()), "127.0.0.1");
  struct RemovePair {
    std::string id;
    ~RemovePair() { (void)RunLocal({"bash", "-c", FaketimePairRemoveCommand(id)}); }
  } remove_pair{pair};
  auto shared = RunLocal({"bash", "-c", FaketimeLibFindScript() + FaketimePairScript(pair) + "echo \"$FAKETIME_SHARED\""});
  ASSERT_TRUE(shared.ok() && shared->exit_code == 0) << (shared.ok() ? shared->err : shared.status().message());
  RingstoreCluster cluster(ModeOptions("lww"));
  // n1's wall clock runs 60 s behind (monotonic time is left alone).
  cluster.SetEnv(0, {"LD_PRELOAD=" + faketime, "FAKETIME=-60", "FAKETIME_DONT_FAKE_MONOTONIC=1",
                     "FAKETIME_SHARED=" + TrimTrailing(shared->out)});
  ASSERT_TRUE(cluster.StartAll()) << cluster.Log(0);
  EXPECT_EQ(cluster.Client(1)->Put("/kv/skew", json{{"value", "from-n2"}}).status, 200);
  auto late = cluster.Client(0)->Put("/kv/skew", json{{"value", "from-n1"}});
  EXPECT_EQ(late.status, 200) << "the skewed write is acknowledged...";
  EXPECT_EQ(cluster.Client(2)->Get("/kv/skew").body["value"], "from-n2") << "...and silently lost";
}

TEST(RingstoreEventualTest, ServesEveryCallAndConverges) {
  RingstoreCluster cluster(ModeOptions("eventual"));
  ASSERT_TRUE(cluster.StartAll());
  ExerciseApi(cluster, "eventual");
}

TEST(RingstoreEventualTest, AvailableWithoutQuorumAndCatchesUpAfterRestart) {
  RingstoreCluster cluster(ModeOptions("eventual"));
  ASSERT_TRUE(cluster.StartAll());
  cluster.Kill(1);
  cluster.Kill(2);
  // No quorum needed: the write succeeds on the lone node.
  EXPECT_EQ(cluster.Client(0)->Put("/kv/alone", json{{"value", 7}}).status, 200);
  EXPECT_EQ(cluster.Client(0)->Get("/kv/alone").body["value"], 7);
  ASSERT_TRUE(cluster.Start(1));
  ASSERT_TRUE(cluster.Start(2));
  // The replicator retries until the restarted replicas have it.
  EXPECT_TRUE(Eventually(cluster, 1, "/kv/alone", 7));
  EXPECT_TRUE(Eventually(cluster, 2, "/kv/alone", 7));
}

}  // namespace
}  // namespace faultline::ringstore::testing
