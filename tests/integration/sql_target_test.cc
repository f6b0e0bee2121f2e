// Issue 27's "must show" for the SQL targets, end to end: real `faultline
// test` runs against real PostgreSQL and MariaDB servers (Debian's packages,
// which scripts/install-deps.sh installs) deployed on a local 3-node cluster,
// and one run against an existing PostgreSQL server on 127.0.0.1 (url=).
// Seeds fixed, runs short (4-8 s) to keep CI time down; the isolation
// anomalies asserted are ones these databases produce by the dozen per
// second at these settings (README: figures). Needs root.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "harness/control/remote.h"
#include "harness/control/subprocess.h"
#include "harness/core/op.h"
#include "targets/sql/sql_conn.h"
#include "targets/sql/sql_options.h"
#include "tests/integration/scoped_cluster.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

const std::string kFaultline = std::string(FAULTLINE_BINARY_DIR) + "/faultline";

struct SqlRun {
  int exit_code = -1;
  std::string output;
  json results;                    // results.json
  std::string run_dir;
  std::set<std::string> fault_fs;  // completed fault ops in the history
  std::map<std::string, int> ok_by_node;
};

std::string PgBinDir() {
  auto o = ParseSqlOptions(SqlDialect::kPostgres, {});
  return o.ok() ? o->bin_dir : "";
}

class SqlTargetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    cluster_ = new ScopedCluster(UniqueSpec("sq", 3));
    char tmpl[] = "/tmp/faultline-sql-XXXXXX";
    store_ = mkdtemp(tmpl);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    if (!store_.empty()) fs::remove_all(store_);
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    // Not a skip: install-deps installs both servers, so their absence is a failure.
    ASSERT_TRUE(fs::exists(PgBinDir() + "/postgres")) << "no PostgreSQL server: bash scripts/install-deps.sh";
    ASSERT_TRUE(fs::exists("/usr/sbin/mariadbd")) << "no MariaDB server: bash scripts/install-deps.sh";
    ASSERT_TRUE(cluster_->ok()) << cluster_->status().message();
  }

  // `faultline test` with `args` (after the store and cluster flags).
  static SqlRun Run(std::vector<std::string> args, bool cluster = true) {
    std::vector<std::string> argv = {kFaultline, "test", "--store", store_};
    if (cluster) {
      argv.push_back("--cluster-file");
      argv.push_back(cluster_->cluster_file_path());
    }
    argv.insert(argv.end(), args.begin(), args.end());
    SqlRun out;
    auto r = RunLocal(argv, "", std::chrono::seconds(180));
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return out;
    out.exit_code = r->exit_code;
    out.output = r->out + r->err;
    std::error_code ec;
    out.run_dir = fs::canonical(store_ + "/latest", ec).string();
    std::ifstream results(out.run_dir + "/results.json");
    out.results = json::parse(results, nullptr, false);
    std::ifstream history(out.run_dir + "/history.jsonl");
    for (std::string line; std::getline(history, line);) {
      auto op = json::parse(line, nullptr, false);
      if (!op.is_object()) continue;
      if (op.value("process", json()) == "nemesis") {
        if (op.value("type", "") == "info" && !op.value("value", json()).is_null()) out.fault_fs.insert(op.value("f", ""));
      } else if (op.value("type", "") == "ok") {
        ++out.ok_by_node[op.value("node", "")];
      }
    }
    // What was found, for the log of a passing run too.
    std::printf("%s\n", out.output.substr(out.output.rfind("verdict:") == std::string::npos
                                              ? 0
                                              : out.output.rfind("verdict:")).c_str());
    return out;
  }

  static json Checker(const SqlRun& r, const std::string& name) {
    if (!r.results.is_object() || !r.results.contains(name)) return json();
    return r.results[name];
  }
  static std::set<std::string> Anomalies(const json& txn) {
    std::set<std::string> out;
    for (const auto& a : txn.value("anomaly-types", json::array())) out.insert(a.get<std::string>());
    return out;
  }

  static inline ScopedCluster* cluster_ = nullptr;
  static inline std::string store_;
};

// Serializable PostgreSQL keeps every read's total under kill -9 of the
// server; at read committed with one statement per account, reads see
// transfers half done (read skew), while one SELECT of all accounts does not.
TEST_F(SqlTargetTest, PostgresBankKeepsTotalsSerializableUnderKillButNotPerAccountReadCommitted) {
  // PostgreSQL's dynamic shared memory segments in the nodes' /dev/shm.
  auto remotes = cluster_->Connect();
  ASSERT_TRUE(remotes.ok()) << remotes.status().message();
  auto pg_shm = [&] {
    std::set<std::string> names;
    for (auto& r : *remotes) {
      auto ls = ExecOrError(*r, "ls /dev/shm");
      EXPECT_TRUE(ls.ok()) << ls.status().message();
      std::istringstream lines(ls.ok() ? *ls : "");
      for (std::string f; std::getline(lines, f);) {
        if (f.rfind("PostgreSQL.", 0) == 0) names.insert(r->node() + ":" + f);
      }
    }
    return names;
  };
  const std::set<std::string> shm_before = pg_shm();
  SqlRun kill = Run({"--target", "postgres", "--workload", "bank", "--time-limit", "7", "--concurrency", "6",
                     "--rate", "300", "--nemesis", "kill", "--fault-targets", "all", "--nemesis-interval", "2",
                     "--recovery-time", "1", "--seed", "27"});
  EXPECT_EQ(kill.exit_code, 0) << kill.output;
  json bank = Checker(kill, "bank");
  EXPECT_EQ(bank.value("valid", json()), true) << bank.dump(2);
  EXPECT_GT(bank.value("reads", 0), 20) << bank.dump(2);
  EXPECT_GT(bank["transfers"].value("ok", 0), 20) << bank.dump(2);
  EXPECT_TRUE(kill.fault_fs.count("start-kill")) << kill.output;
  // The killed servers' dynamic shared memory went with their data dirs:
  // nothing new in the nodes' /dev/shm (it leaked a few segments per kill
  // before, for as long as the node lived).
  std::string shm_new;
  for (const auto& name : pg_shm()) {
    if (!shm_before.count(name)) shm_new += " " + name;
  }
  EXPECT_EQ(shm_new, "") << "new PostgreSQL segments in /dev/shm";
  // The report plots the totals.
  std::ifstream report(kill.run_dir + "/report.html");
  std::string html((std::istreambuf_iterator<char>(report)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("Bank: totals of the balance reads"), std::string::npos);

  SqlRun skew = Run({"--target", "postgres", "--target-opt", "isolation=read-committed", "--workload", "bank",
                     "--workload-opt", "balance-reads=per-account", "--time-limit", "5", "--concurrency", "8",
                     "--rate", "0", "--seed", "28"});
  EXPECT_EQ(skew.exit_code, 1) << skew.output;
  json wrong = Checker(skew, "bank");
  EXPECT_EQ(wrong.value("valid", json()), false) << wrong.dump(2);
  EXPECT_GT(wrong["error_counts"].value("wrong-total", 0), 0) << wrong.dump(2);
  EXPECT_EQ(wrong["error_counts"].value("negative-balance", 0), 0) << "transfers never overdraw";
}

// The disk nemesis on a SQL server (HasDataDir: PGDATA through faultline-fs,
// the server running as the postgres user): power cuts drop what PostgreSQL
// had not fsynced, it recovers from its WAL, and no acknowledged transfer
// is lost (every total stays right).
TEST_F(SqlTargetTest, PostgresRecoversFromPowerCutsThroughItsDataDirectory) {
  SqlRun cut = Run({"--target", "postgres", "--workload", "bank", "--time-limit", "8", "--concurrency", "4",
                    "--rate", "200", "--nemesis", "disk", "--nemesis-opt", "disk-faults=lose-unfsynced",
                    "--fault-targets", "all", "--nemesis-interval", "2", "--recovery-time", "1", "--seed", "23"});
  EXPECT_EQ(cut.exit_code, 0) << cut.output;
  json bank = Checker(cut, "bank");
  EXPECT_EQ(bank.value("valid", json()), true) << bank.dump(2);
  EXPECT_GT(bank.value("reads", 0), 10) << bank.dump(2);
  // Bytes were really dropped on the server's node at some cut.
  long lost = 0;
  std::ifstream history(cut.run_dir + "/history.jsonl");
  for (std::string line; std::getline(history, line);) {
    auto op = json::parse(line, nullptr, false);
    if (op.is_object() && op.value("f", "") == "start-disk" && op["value"].is_object() &&
        op["value"].contains("effects")) {
      lost += op["value"]["effects"]["n1"]["lost"].value("bytes", 0L);
    }
  }
  EXPECT_GT(lost, 0) << "no cut dropped a byte: was PGDATA mounted through faultline-fs?";
  EXPECT_TRUE(cut.fault_fs.count("stop-disk")) << cut.output;
}

// PostgreSQL's REPEATABLE READ is snapshot isolation: write skew (G2-item)
// makes it invalid judged serializable, valid judged snapshot-isolation.
TEST_F(SqlTargetTest, PostgresRepeatableReadIsSnapshotIsolationWithWriteSkew) {
  SqlRun r = Run({"--target", "postgres", "--target-opt", "isolation=repeatable-read", "--workload", "rw-register",
                  "--consistency-models", "serializable", "--time-limit", "6", "--concurrency", "8", "--rate", "0",
                  "--seed", "29"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  json txn = Checker(r, "rw-register");
  EXPECT_TRUE(Anomalies(txn).count("G2-item")) << txn.dump(2);
  auto si = RunLocal({kFaultline, "check", "--model", "rw-register", "--consistency-models", "snapshot-isolation",
                      r.run_dir + "/history.jsonl"});
  ASSERT_TRUE(si.ok());
  EXPECT_EQ(si->exit_code, 0) << si->out << si->err;
}

// MariaDB's REPEATABLE READ loses updates: invalid as snapshot isolation,
// lost-update among the anomalies. At SERIALIZABLE: valid.
TEST_F(SqlTargetTest, MariaDbRepeatableReadLosesUpdatesSerializableDoesNot) {
  SqlRun rr = Run({"--target", "mysql", "--target-opt", "isolation=repeatable-read", "--workload", "rw-register",
                   "--consistency-models", "snapshot-isolation", "--time-limit", "4", "--concurrency", "8", "--rate",
                   "0", "--seed", "30"});
  EXPECT_EQ(rr.exit_code, 1) << rr.output;
  EXPECT_TRUE(Anomalies(Checker(rr, "rw-register")).count("lost-update")) << Checker(rr, "rw-register").dump(2);
  SqlRun ser = Run({"--target", "mysql", "--workload", "list-append", "--consistency-models", "serializable",
                    "--time-limit", "4", "--concurrency", "8", "--rate", "0", "--seed", "31"});
  EXPECT_EQ(ser.exit_code, 0) << ser.output;
  EXPECT_GT(Checker(ser, "list-append")["txns"].value("ok", 0), 100) << ser.output;
}

// Asynchronous streaming replicas serving reads fall behind the primary
// under a partition: stale reads, not strict serializable. The same run with
// every read on the primary is valid.
TEST_F(SqlTargetTest, PostgresReplicaReadsAreStaleUnderPartition) {
  std::vector<std::string> common = {"--target", "postgres", "--target-opt", "topology=primary-replicas",
                                     "--workload", "list-append", "--time-limit", "6", "--concurrency", "6",
                                     "--rate", "200", "--nemesis", "partition", "--nemesis-interval", "2",
                                     "--recovery-time", "1", "--seed", "32"};
  std::vector<std::string> replica = common;
  replica.insert(replica.end(), {"--target-opt", "replica-reads=true"});
  SqlRun stale = Run(replica);
  EXPECT_EQ(stale.exit_code, 1) << stale.output;
  EXPECT_FALSE(Anomalies(Checker(stale, "list-append")).empty()) << stale.output;
  EXPECT_GT(stale.ok_by_node["n2"] + stale.ok_by_node["n3"], 0) << "reads went to the replicas";
  EXPECT_TRUE(stale.fault_fs.count("start-partition")) << stale.output;
  SqlRun primary = Run(common);
  EXPECT_EQ(primary.exit_code, 0) << primary.output;
  EXPECT_EQ(primary.ok_by_node["n2"] + primary.ok_by_node["n3"], 0) << "every op on the primary";
}

// url=: an existing server (here one this test starts on 127.0.0.1 and stops
// by pid): no nodes, nothing deployed.
TEST_F(SqlTargetTest, PostgresUrlTestsAnExistingServer) {
  char tmpl[] = "/tmp/faultline-pgurl-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  ASSERT_EQ(::chown(dir.c_str(), 0, 0), 0);
  auto own = RunLocal({"chown", "postgres:postgres", dir});
  ASSERT_TRUE(own.ok() && own->exit_code == 0);
  const std::vector<std::string> as_pg = {"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"};
  std::vector<std::string> initdb = as_pg;
  initdb.insert(initdb.end(), {PgBinDir() + "/initdb", "-D", dir + "/data", "--auth=trust", "--username=postgres",
                               "--no-sync"});
  auto init = RunLocal(initdb);
  ASSERT_TRUE(init.ok() && init->exit_code == 0) << (init.ok() ? init->err : init.status().message());
  const int port = 20000 + static_cast<int>(getpid() % 20000);
  std::vector<std::string> server = as_pg;
  server.insert(server.end(), {PgBinDir() + "/postgres", "-D", dir + "/data", "-c", "listen_addresses=127.0.0.1",
                               "-c", "port=" + std::to_string(port), "-c", "unix_socket_directories=" + dir});
  auto pid = SpawnDaemon(server, dir + "/server.log");
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  const ProcessId id = IdentifyProcess(*pid);
  struct Stop {
    ProcessId id;
    std::string dir;
    ~Stop() {
      if (ProcessAlive(id)) ::kill(id.pid, SIGINT);  // fast shutdown: it stops its backends
      for (int i = 0; i < 100 && ProcessAlive(id); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      KillProcess(id);
      fs::remove_all(dir);
    }
  } stop{id, dir};
  // Until it accepts connections (initdb's server takes a moment).
  SqlEndpoint e{"127.0.0.1", port, "postgres", "", "postgres"};
  std::string last;
  for (int i = 0; i < 150; ++i) {
    auto c = ConnectPg(e, std::chrono::milliseconds(2000));
    if (c.ok()) {
      last.clear();
      break;
    }
    last = c.status().message();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(last, "") << "the local server did not come up";
  const std::string url = "url=postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres";
  SqlRun reg = Run({"--target", "postgres", "--target-opt", url, "--workload", "register", "--time-limit", "3",
                    "--concurrency", "4", "--rate", "200", "--seed", "33"},
                   /*cluster=*/false);
  EXPECT_EQ(reg.exit_code, 0) << reg.output;
  EXPECT_GT(reg.ok_by_node["local"], 50) << reg.output;
  SqlRun set = Run({"--target", "postgres", "--target-opt", url, "--workload", "set", "--time-limit", "3",
                    "--concurrency", "4", "--rate", "200", "--seed", "34"},
                   /*cluster=*/false);
  EXPECT_EQ(set.exit_code, 0) << set.output;
  // A bad url is one line, exit 3, before anything runs.
  SqlRun bad = Run({"--target", "postgres", "--target-opt", "url=mysql://root@127.0.0.1", "--workload", "register"},
                   /*cluster=*/false);
  EXPECT_EQ(bad.exit_code, 3) << bad.output;
  EXPECT_NE(bad.output.find("url=\"mysql://root@127.0.0.1\": scheme must be postgres or postgresql"),
            std::string::npos)
      << bad.output;
}

}  // namespace
}  // namespace faultline
