#include "targets/sql/sql_db.h"

#include <thread>

#include "targets/daemon_db.h"
#include "targets/sql/sql_conn.h"

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;

size_t NodeIndex(const ClusterInfo& cluster, const NodeInfo& node) {
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    if (cluster.nodes[i].name == node.name) return i;
  }
  return cluster.nodes.size();
}

// The apt-get line that installs `package` on a node that lacks `binary`.
std::string EnsurePackage(const std::string& binary, const std::string& package) {
  return "if [ ! -x " + ShellQuote(binary) + " ]; then\n"
         "  command -v apt-get >/dev/null || { echo 'no " + binary + " and no apt-get to install " + package +
         "' >&2; exit 1; }\n"
         "  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends " + package +
         " < /dev/null > /dev/null || exit 1\n"
         "  [ -x " + ShellQuote(binary) + " ] || { echo 'installing " + package + " gave no " + binary +
         "' >&2; exit 1; }\n"
         "fi\n";
}

// The base of both: which nodes serve, waiting for a server, the log.
class SqlDbBase : public DaemonDb, public HasDataDir {
 public:
  SqlDbBase(const SqlOptions& o, DaemonSpec spec, std::vector<std::string> wipe, std::string data_dir)
      : DaemonDb(std::move(spec), std::move(wipe)), options_(o), data_dir_(std::move(data_dir)) {}

  // The server's data directory (the disk nemesis mounts it through
  // faultline-fs; on a node without a server it stays empty).
  std::string DataDir(const NodeInfo&) override { return data_dir_; }

  Status Setup(const ClusterInfo& cluster, const NodeInfo& node) override {
    if (Status s = Teardown(cluster, node); !s.ok()) return s;
    auto remote = RemoteOf(node);
    if (!remote.ok()) return remote.status();
    if (!Serves(cluster, node)) {
      // The run downloads every node's log: say why this one is empty.
      auto out = ExecOrError(**remote, "mkdir -p /var/log/faultline && echo " +
                                           ShellQuote("no " + daemon().name + " server on " + node.name +
                                                      " (topology=single: the first node's only)") +
                                           " > " + ShellQuote(daemon().log_file));
      return out.ok() ? Status::Ok() : out.status();
    }
    if (Status s = Install(cluster, node, **remote); !s.ok()) return s.Prefixed(node.name);
    if (Status s = Launch(cluster, node, **remote); !s.ok()) return s;
    return WaitUp(**remote, node);
  }
  // On a node without a server (topology=single) there is nothing to pause.
  Status Pause(const ClusterInfo& cluster, const NodeInfo& node) override {
    return Serves(cluster, node) ? DaemonDb::Pause(cluster, node) : Status::Ok();
  }
  Status Start(const ClusterInfo& cluster, const NodeInfo& node) override {
    if (!Serves(cluster, node)) return Status::Ok();
    auto remote = RemoteOf(node);
    if (!remote.ok()) return remote.status();
    if (Status s = Launch(cluster, node, **remote); !s.ok()) return s;
    return WaitUp(**remote, node);
  }

 protected:
  bool Serves(const ClusterInfo& cluster, const NodeInfo& node) const {
    size_t i = NodeIndex(cluster, node);
    return options_.primary_replicas ? i < cluster.nodes.size() : i == 0;
  }
  bool IsPrimary(const ClusterInfo& cluster, const NodeInfo& node) const { return NodeIndex(cluster, node) == 0; }
  // Installs the package if needed and initialises the data dir.
  virtual Status Install(const ClusterInfo& cluster, const NodeInfo& node, Remote& remote) = 0;
  virtual std::vector<std::string> Args(const ClusterInfo& cluster, const NodeInfo& node) const = 0;

  Status Launch(const ClusterInfo& cluster, const NodeInfo& node, Remote& remote) {
    auto started = LaunchDaemon(remote, daemon(), Args(cluster, node));
    return started.ok() ? Status::Ok() : started.status().Prefixed(node.name);
  }

  // Until a client connection from here works, the server dies, or
  // start_timeout passes.
  Status WaitUp(Remote& remote, const NodeInfo& node) {
    const auto deadline = Clock::now() + options_.start_timeout;
    SqlEndpoint e = options_.endpoint;
    e.host = node.address;
    std::string last = "no answer yet";
    auto next_liveness_check = Clock::now() + std::chrono::milliseconds(500);
    while (Clock::now() < deadline) {
      auto conn = ConnectSql(options_.dialect, e, std::chrono::milliseconds(2000));
      if (conn.ok()) return Status::Ok();
      last = conn.status().message();
      if (Clock::now() >= next_liveness_check) {
        auto alive = DaemonRunning(remote, daemon());
        if (alive.ok() && !*alive) {
          return Status::Error(node.name + ": " + daemon().name + " exited during start; " +
                               DaemonLogTail(remote, daemon()));
        }
        next_liveness_check = Clock::now() + std::chrono::seconds(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return Status::Error(node.name + ": " + daemon().name + " did not accept connections within " +
                         std::to_string(options_.start_timeout.count() / 1000) + "s (" + last + "); " +
                         DaemonLogTail(remote, daemon()));
  }

  const SqlOptions options_;
  const std::string data_dir_;
};

constexpr char kPgDir[] = "/var/lib/faultline/postgres";
constexpr char kPgData[] = "/var/lib/faultline/postgres/data";
constexpr char kPgPid[] = "/var/lib/faultline/postgres/postgres.pid";
constexpr char kPgLog[] = "/var/log/faultline/postgres.log";

class PostgresDb final : public SqlDbBase {
 public:
  explicit PostgresDb(const SqlOptions& o)
      : SqlDbBase(o, Spec(o), {kPgDir, kPgLog}, kPgData) {}

 private:
  static DaemonSpec Spec(const SqlOptions& o) {
    DaemonSpec s{"postgres", o.bin_dir + "/postgres", kPgPid, kPgLog, kPgDir, "", false};
    s.user = "postgres";
    s.children = true;
    return s;
  }

  Status Install(const ClusterInfo& cluster, const NodeInfo& node, Remote& remote) override {
    const std::string bin = options_.bin_dir;
    const std::string as_pg = "setpriv --reuid=postgres --regid=postgres --init-groups ";
    std::string script = EnsurePackage(bin + "/postgres", "postgresql") +
                         "set -e\n"
                         "mkdir -p " + ShellQuote(kPgDir) + " /var/log/faultline\n"
                         "chown postgres:postgres " + ShellQuote(kPgDir) + "\n"
                         "cd " + ShellQuote(kPgDir) + "\n";
    if (IsPrimary(cluster, node)) {
      script += as_pg + ShellQuote(bin + "/initdb") + " -D " + ShellQuote(kPgData) +
                " --auth=trust --username=postgres --encoding=UTF8 --no-sync > initdb.log 2>&1 || "
                "{ tail -n 5 initdb.log >&2; exit 1; }\n";
    } else {
      // The primary is being set up at the same time: retry until it answers.
      const std::string primary = cluster.nodes[0].address;
      long tries = std::max<long>(1, options_.start_timeout.count() / 1000);
      script += "ok=0; for i in $(seq 1 " + std::to_string(tries) + "); do\n"
                "  rm -rf " + ShellQuote(kPgData) + "\n" +
                "  if " + as_pg + ShellQuote(bin + "/pg_basebackup") + " -h " + ShellQuote(primary) + " -p " +
                std::to_string(options_.port) + " -U postgres -D " + ShellQuote(kPgData) +
                " -R -X stream > basebackup.log 2>&1; then ok=1; break; fi\n"
                "  sleep 1\n"
                "done\n"
                "[ $ok = 1 ] || { echo \"pg_basebackup from " + primary + " failed: $(tail -n 3 basebackup.log)\" >&2; "
                "exit 1; }\n";
    }
    script += "printf '%s\\n' 'local all all trust' 'host all all 0.0.0.0/0 trust' "
              "'host replication all 0.0.0.0/0 trust' > " + ShellQuote(std::string(kPgData) + "/pg_hba.conf") + "\n"
              "chown postgres:postgres " + ShellQuote(std::string(kPgData) + "/pg_hba.conf") + "\n";
    auto out = remote.Exec(script, "", std::chrono::milliseconds(options_.start_timeout) + std::chrono::seconds(120));
    if (!out.ok()) return out.status();
    if (out->exit_code != 0) return Status::Error("installing postgres: " + out->err + out->out);
    return Status::Ok();
  }

  std::vector<std::string> Args(const ClusterInfo&, const NodeInfo&) const override {
    return {"-D", kPgData,
            "-c", "listen_addresses=*",
            "-c", "port=" + std::to_string(options_.port),
            "-c", std::string("unix_socket_directories=") + kPgDir,
            "-c", "max_connections=200",
            // Deadlocks (transfers, appends to the same rows) are found
            // after 100 ms instead of 1 s: contended runs keep moving.
            "-c", "deadlock_timeout=100ms",
            // After a kill, crash recovery first syncs the data dir: syncfs
            // takes a fraction of the 5 s a per-file fsync took here.
            "-c", "recovery_init_sync_method=syncfs",
            "-c", "shared_buffers=32MB",
            // Dynamic shared memory in files under PGDATA (pg_dynshmem), not
            // in /dev/shm: a SIGKILLed server leaves its segments behind for
            // good (RAM on tmpfs), and Teardown wipes PGDATA.
            "-c", "dynamic_shared_memory_type=mmap",
            "-c", "wal_level=replica",
            "-c", "max_wal_senders=10",
            "-c", "hot_standby=on",
            "-c", "logging_collector=off"};
  }
};

constexpr char kMyDir[] = "/var/lib/faultline/mariadb";
constexpr char kMyData[] = "/var/lib/faultline/mariadb/data";
constexpr char kMyInit[] = "/var/lib/faultline/mariadb/init.sql";
constexpr char kMyPid[] = "/var/lib/faultline/mariadb/mariadb.pid";
constexpr char kMyLog[] = "/var/log/faultline/mariadb.log";

class MariaDb final : public SqlDbBase {
 public:
  explicit MariaDb(const SqlOptions& o)
      : SqlDbBase(o, DaemonSpec{"mariadb", "/usr/sbin/mariadbd", kMyPid, kMyLog, kMyDir, /*user=*/"", /*children=*/false},
                  {kMyDir, kMyLog}, kMyData) {}

 private:
  Status Install(const ClusterInfo& cluster, const NodeInfo& node, Remote& remote) override {
    std::string init =
        "SET sql_log_bin = 0;\n"
        "CREATE DATABASE IF NOT EXISTS faultline;\n"
        "CREATE USER IF NOT EXISTS 'faultline'@'%' IDENTIFIED BY 'faultline';\n"
        "GRANT ALL PRIVILEGES ON *.* TO 'faultline'@'%' WITH GRANT OPTION;\n";
    if (!IsPrimary(cluster, node)) {
      init += "STOP SLAVE;\n"
              "CHANGE MASTER TO MASTER_HOST='" + cluster.nodes[0].address + "', MASTER_PORT=" +
              std::to_string(options_.port) +
              ", MASTER_USER='faultline', MASTER_PASSWORD='faultline', MASTER_USE_GTID=slave_pos, "
              "MASTER_CONNECT_RETRY=1;\n"
              "START SLAVE;\n";
    }
    std::string script = EnsurePackage("/usr/sbin/mariadbd", "mariadb-server") +
                         "set -e\n"
                         "mkdir -p " + ShellQuote(kMyDir) + " /var/log/faultline\n"
                         "cd " + ShellQuote(kMyDir) + "\n"
                         "cat > " + ShellQuote(kMyInit) + "\n"
                         "chown -R mysql:mysql " + ShellQuote(kMyDir) + "\n"
                         "mariadb-install-db --no-defaults --user=mysql --datadir=" + ShellQuote(kMyData) +
                         " --auth-root-authentication-method=normal --skip-test-db > install-db.log 2>&1 || "
                         "{ tail -n 5 install-db.log >&2; exit 1; }\n"
                         "chown -R mysql:mysql " + ShellQuote(kMyDir) + "\n";
    auto out = remote.Exec(script, init, std::chrono::seconds(180));
    if (!out.ok()) return out.status();
    if (out->exit_code != 0) return Status::Error("installing mariadb: " + out->err + out->out);
    return Status::Ok();
  }

  std::vector<std::string> Args(const ClusterInfo& cluster, const NodeInfo& node) const override {
    return {"--no-defaults",
            "--user=mysql",
            std::string("--datadir=") + kMyData,
            "--port=" + std::to_string(options_.port),
            "--bind-address=0.0.0.0",
            std::string("--socket=") + kMyDir + "/mariadb.sock",
            std::string("--pid-file=") + kMyDir + "/mariadbd.pid",
            std::string("--init-file=") + kMyInit,
            "--server-id=" + std::to_string(NodeIndex(cluster, node) + 1),
            "--log-bin=mariadb-bin",
            "--binlog-format=ROW",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M",
            "--innodb-flush-log-at-trx-commit=1",
            // The binlog is fsynced at each commit too: with InnoDB's
            // redo log, the settings MariaDB documents as crash-safe.
            "--sync-binlog=1",
            "--max-connections=300"};
  }
};

}  // namespace

std::unique_ptr<Db> MakeSqlDb(const SqlOptions& options) {
  if (options.dialect == SqlDialect::kPostgres) return std::make_unique<PostgresDb>(options);
  return std::make_unique<MariaDb>(options);
}

}  // namespace faultline
