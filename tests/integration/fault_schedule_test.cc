// Fault schedules on a real local 3-node cluster (issue 26): the default
// overlap schedule starts kills while partitions are active and the terminal's
// fault lines match the history; a schedule file's steps run within 1 s of
// their times and leave nothing for `cluster heal`; etcd's leader, read by the
// test itself with `etcdctl endpoint status` while the run goes, is the node
// that `--partition leader` isolates and `--fault-targets leader` kills, and a
// new leader is elected. Needs root, build/ringstore and /usr/bin/etcd(ctl).
// FAULTLINE_SCHEDULE_SEEDS=1,2,3 runs the overlap test for several seeds.
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "checkers/fault_intervals.h"
#include "harness/core/split_commas.h"
#include "harness/history/history_reader.h"
#include "tests/faultline_cli.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class FaultScheduleTest : public ::testing::Test {
 protected:
  static bool HaveRingstore() { return fs::exists(std::string(FAULTLINE_BINARY_DIR) + "/ringstore"); }
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || !HaveRingstore()) return;
    cluster_ = new ScopedCluster(UniqueSpec("fs", 3));
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces)";
    if (!HaveRingstore()) GTEST_SKIP() << "build/ringstore is not built";
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
    store_ = fs::temp_directory_path() / ("faultline_schedule_it_" + std::to_string(::getpid()));
    at_ = " --cluster-file " + cluster_->cluster_file_path() + " --store " + store_.string();
  }
  void TearDown() override { fs::remove_all(store_); }

  History LatestHistory() {
    auto h = ReadHistoryFile((fs::canonical(store_ / "latest") / "history.jsonl").string());
    EXPECT_TRUE(h.ok()) << h.status().message();
    return h.ok() ? *h : History{};
  }

  static ScopedCluster* cluster_;
  fs::path store_;
  std::string at_;
};

ScopedCluster* FaultScheduleTest::cluster_ = nullptr;

TEST_F(FaultScheduleTest, OverlapStartsKillsDuringPartitionsAndSaysWhatRan) {
  const char* env = std::getenv("FAULTLINE_SCHEDULE_SEEDS");
  for (const std::string& seed : SplitCommas(env ? env : "1")) {
    SCOPED_TRACE("seed " + seed);
    FaultlineOutput o = Faultline("test --target ringstore --workload register --nemesis partition,kill "
                                  "--nemesis-interval 3 --time-limit 30 --recovery-time 1 --seed " + seed + at_);
    ASSERT_EQ(o.code, 0) << o.text;
    History h = LatestHistory();
    // From the history alone: per kind, starts, active time (start invoked
    // to stop completed) and the nodes hit; and whether a kill began while a
    // partition was active (its start completed, its stop not yet invoked).
    struct Kind {
      int starts = 0;
      double active_s = 0, started_at = -1;
      std::set<std::string> nodes;
    };
    std::map<std::string, Kind> kinds;
    bool partitioned = false;
    int kills_in_partitions = 0;
    for (const NemesisOp& nop : PairNemesisOps(h)) {
      const Op& inv = *nop.invoke;
      const Op& done = *nop.completion;
      bool start = inv.f.rfind("start-", 0) == 0;
      std::string kind = inv.f.substr(start ? 6 : 5);
      Kind& k = kinds[kind];
      if (inv.f == "stop-partition") partitioned = false;
      if (inv.f == "start-kill" && partitioned) ++kills_in_partitions;
      if (start) {
        ++k.starts;
        k.started_at = static_cast<double>(inv.time) / 1e9;
        if (inv.f == "start-partition") partitioned = true;
        const char* key = kind == "partition" ? "cut-off" : "nodes";
        for (const auto& n : done.value[key]) k.nodes.insert(n.get<std::string>());
      } else if (k.started_at >= 0) {
        k.active_s += static_cast<double>(done.time) / 1e9 - k.started_at;
        k.started_at = -1;
      }
    }
    ASSERT_EQ(kinds.size(), 2u) << "both kinds ran";
    EXPECT_GE(kills_in_partitions, 1) << "a kill started while a partition was active";
    // The terminal's line per kind says the same.
    for (const auto& [kind, k] : kinds) {
      std::smatch m;
      std::regex line("fault " + kind + ": (\\d+) times?, ([0-9.]+) s active, nodes ([^ \n]+)");
      ASSERT_TRUE(std::regex_search(o.text, m, line)) << kind << ":\n" << o.text;
      EXPECT_EQ(std::stoi(m[1]), k.starts) << kind;
      EXPECT_NEAR(std::stod(m[2]), k.active_s, 0.051) << kind;
      std::string nodes;
      for (const auto& n : k.nodes) nodes += (nodes.empty() ? "" : ",") + n;
      EXPECT_EQ(m[3].str(), nodes) << kind;
      std::printf("  %s\n", m[0].str().c_str());
    }
    EXPECT_NE(o.text.find("verdict: valid (faults: "), std::string::npos) << o.text;
    std::ifstream in(fs::canonical(store_ / "latest") / "results.json");
    json results = json::parse(in);
    ASSERT_EQ(results["faults"].size(), 2u) << results["faults"].dump();
    for (const auto& f : results["faults"]) {
      EXPECT_EQ(f["count"], kinds[f["fault"].get<std::string>()].starts) << f.dump();
    }
    std::printf("seed %s: partition %d x %.1f s, kill %d x %.1f s, %d kills started during partitions\n",
                seed.c_str(), kinds["partition"].starts, kinds["partition"].active_s, kinds["kill"].starts,
                kinds["kill"].active_s, kills_in_partitions);
  }
}

TEST_F(FaultScheduleTest, ScheduleFileStepsRunOnTimeAndLeaveNothingToHeal) {
  fs::create_directories(store_);
  fs::path file = store_ / "four-steps.json";
  std::ofstream(file) << R"([{"at": 5, "start": "partition", "partition": "majority"},
                             {"at": 8, "start": "kill", "targets": "primaries"},
                             {"at": 14, "stop": "kill"},
                             {"at": 20, "stop": "all"}])";
  FaultlineOutput o = Faultline("test --target ringstore --workload register --nemesis-schedule " +
                                file.string() + " --time-limit 22 --recovery-time 1 --seed 5" + at_);
  ASSERT_EQ(o.code, 0) << o.text;
  History h = LatestHistory();
  const std::vector<std::pair<std::string, double>> want = {
      {"start-partition", 5}, {"start-kill", 8}, {"stop-kill", 14}, {"stop-partition", 20}};
  std::vector<NemesisOp> ops = PairNemesisOps(h);
  ASSERT_EQ(ops.size(), want.size()) << o.text;
  std::vector<const Op*> done;
  for (size_t i = 0; i < want.size(); ++i) {
    const Op* inv = ops[i].invoke;
    done.push_back(ops[i].completion);
    EXPECT_EQ(inv->f, want[i].first);
    double t = static_cast<double>(inv->time) / 1e9;
    EXPECT_GE(t, want[i].second - 0.05) << inv->f;
    EXPECT_LE(t, want[i].second + 1.0) << inv->f << " ran late";
    EXPECT_TRUE(done[i]->error.empty()) << done[i]->error;
    std::printf("%s due %.0f s, invoked %.3f s, done %.3f s\n", inv->f.c_str(), want[i].second, t,
                static_cast<double>(done[i]->time) / 1e9);
  }
  // ringstore's primaries: the nodes the run's ops went to most (see its Roles).
  EXPECT_EQ(done[1]->value["targets"], "primaries");
  EXPECT_FALSE(done[1]->value["nodes"].empty());
  EXPECT_NE(done[1]->value.value("why", std::string()).find("ringstore"), std::string::npos) << done[1]->value;
  // Nothing left on the nodes: no fault in the ledger, no rules, no offsets.
  FaultlineOutput s = Faultline("fault status" + at_);
  ASSERT_EQ(s.code, 0) << s.text;
  EXPECT_NE(s.text.find("no fault recorded"), std::string::npos) << s.text;
  for (const char* n : {"n1", "n2", "n3"}) {
    EXPECT_NE(s.text.find(std::string(n) + ": 0 FAULTLINE rules; qdisc none; clock offset +0 s"),
              std::string::npos)
        << s.text;
  }
  FaultlineOutput heal = Faultline("cluster heal" + at_);
  EXPECT_EQ(heal.code, 0) << heal.text;
  EXPECT_EQ(heal.text.find("healed faults"), std::string::npos) << "nothing was left: " << heal.text;
}

// Samples of `etcdctl endpoint status` taken while a run goes.
struct LeaderSample {
  std::string leader_node;  // the node whose member id is the leader; "" unknown
  uint64_t term = 0;
};

class EtcdLeaderWatch {
 public:
  // address -> node name for the endpoints.
  explicit EtcdLeaderWatch(std::map<std::string, std::string> nodes) : nodes_(std::move(nodes)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~EtcdLeaderWatch() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<LeaderSample> samples() {
    std::lock_guard<std::mutex> l(mu_);
    return samples_;
  }

 private:
  void Loop() {
    std::string endpoints;
    for (const auto& [addr, node] : nodes_) endpoints += (endpoints.empty() ? "" : ",") + addr + ":2379";
    std::string cmd = "ETCDCTL_API=3 /usr/bin/etcdctl --endpoints=" + endpoints +
                      " --dial-timeout=500ms --command-timeout=1s endpoint status -w json 2>/dev/null";
    while (!stop_) {
      std::string out;
      if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        pclose(p);
      }
      json j = json::parse(out, nullptr, false);
      if (j.is_array()) {
        std::map<uint64_t, std::string> ids;
        for (const auto& e : j) {
          std::string addr = e.value("Endpoint", std::string());
          addr = addr.substr(0, addr.rfind(':'));
          if (nodes_.count(addr)) ids[e["Status"]["header"]["member_id"].get<uint64_t>()] = nodes_[addr];
        }
        for (const auto& e : j) {
          uint64_t leader = e["Status"].value("leader", uint64_t{0});
          LeaderSample s{ids.count(leader) ? ids[leader] : "", e["Status"].value("raftTerm", uint64_t{0})};
          std::lock_guard<std::mutex> l(mu_);
          samples_.push_back(s);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  std::map<std::string, std::string> nodes_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<LeaderSample> samples_;
  std::thread thread_;
};

TEST_F(FaultScheduleTest, EtcdLeaderIsIsolatedThenKilledAndANewOneElected) {
  if (!fs::exists("/usr/bin/etcd") || !fs::exists("/usr/bin/etcdctl")) GTEST_SKIP() << "no etcd-server/etcd-client";
  std::map<std::string, std::string> nodes;
  for (const auto& n : cluster_->file().nodes) nodes[n.address] = n.name;
  for (const std::string fault : {"partition --partition leader", "kill --fault-targets leader"}) {
    SCOPED_TRACE(fault);
    EtcdLeaderWatch watch(nodes);
    FaultlineOutput o = Faultline("test --target etcd --workload register --nemesis " + fault +
                                  " --nemesis-schedule alternate --nemesis-interval 3.5 --time-limit 9 --recovery-time 1 --seed 11" + at_);
    watch.Stop();
    ASSERT_EQ(o.code, 0) << o.text;
    EXPECT_NE(o.text.find("verdict: valid"), std::string::npos) << o.text;
    History h = LatestHistory();
    std::vector<LeaderSample> samples = watch.samples();
    int checked = 0;
    for (const NemesisOp& nop : PairNemesisOps(h)) {
      const Op* done = nop.completion;
      if (done->f.rfind("start-", 0) != 0) continue;
      ASSERT_TRUE(done->error.empty()) << done->error;
      // Whom it hit, and the leader and term faultline read at that moment.
      std::string hit = done->f == "start-partition" ? done->value["cut-off"][0].get<std::string>()
                                                     : done->value["nodes"][0].get<std::string>();
      EXPECT_EQ(done->value[done->f == "start-partition" ? "cut-off" : "nodes"].size(), 1u);
      std::smatch m;
      std::string why = done->value.value("why", std::string());
      ASSERT_TRUE(std::regex_search(why, m, std::regex("^etcd endpoint status: (n\\d) leads .*raft term (\\d+)")))
          << why;
      EXPECT_EQ(m[1].str(), hit);
      uint64_t term = std::stoull(m[2]);
      // etcdctl saw the same node lead in that term ...
      bool seen = false, newer = false;
      for (const auto& s : samples) {
        seen |= s.term == term && s.leader_node == hit;
        // ... and, later, another node lead in a higher term: a new election.
        newer |= s.term > term && !s.leader_node.empty() && s.leader_node != hit;
      }
      EXPECT_TRUE(seen) << hit << " in term " << term << " per etcdctl (" << samples.size() << " samples)";
      // The first fault of the run has the main phase left to elect another
      // leader (a late one may end before its election).
      if (checked == 0) {
        EXPECT_TRUE(newer) << "a leader other than " << hit << " after term " << term;
      }
      std::printf("%s hit %s, leader in raft term %llu (etcdctl agrees: %d; a new leader later: %d)\n",
                  done->f.c_str(), hit.c_str(), static_cast<unsigned long long>(term), seen, newer);
      ++checked;
    }
    EXPECT_GE(checked, 1) << o.text;
  }
}

}  // namespace
}  // namespace faultline
