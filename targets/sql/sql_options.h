// SqlOptions: the `--target-opt` settings of the SQL targets (`postgres`,
// `mysql`), parsed and checked before anything is deployed. Pure; thread-safe.
//
//   url=SCHEME://USER[:PASSWORD]@HOST[:PORT][/DATABASE]
//        an existing server (postgres: scheme postgres or postgresql; mysql:
//        scheme mysql or mariadb): nothing is deployed and the test needs no
//        nodes (so no faults either). Without it the target deploys its
//        server(s) on the nodes from Debian's packages.
//   isolation=serializable|repeatable-read|read-committed|read-uncommitted
//        the isolation level of every transaction (default serializable).
//   topology=single|primary-replicas
//        single (default): one server on the first node, every client talks
//        to it. primary-replicas: the first node is the primary, every other
//        node an asynchronous replica of it (PostgreSQL streaming
//        replication, MariaDB binlog replication).
//   replica-reads=true|false
//        with primary-replicas: read-only transactions go to the worker's own
//        node (a replica, for workers on other nodes than the first); default
//        false: everything goes to the primary.
//   port=N         the server's port on every node (default 5432 / 3306)
//   table-count=N  tables the transactional keys are spread over (default 3,
//                  as Jepsen's txn0..txn2)
//   request-timeout-ms=N  a statement still unanswered after this is
//                  abandoned: the connection is closed (default 5000)
//   start-timeout-ms=N    Setup/Start wait for the server (default 60000)
//   bin-dir=DIR    (postgres) where initdb and postgres are on the nodes
//                  (default: the newest /usr/lib/postgresql/*/bin here)
// Errors are one line naming the target and the option.
#pragma once

#include <chrono>
#include <string>

#include "harness/core/status.h"
#include "targets/target.h"

namespace faultline {

enum class SqlDialect { kPostgres, kMysql };

enum class SqlIsolation { kSerializable, kRepeatableRead, kReadCommitted, kReadUncommitted };

// "serializable", "repeatable-read", ...
std::string SqlIsolationName(SqlIsolation level);
// The SQL words: "SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED", ...
std::string SqlIsolationSql(SqlIsolation level);

// Where one server is and who we are there.
struct SqlEndpoint {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
  std::string database;
};

// Parses a url= value for `dialect`. Error: the scheme is not the dialect's,
// or there is no host, or the port is not in 1..65535.
Result<SqlEndpoint> ParseSqlUrl(SqlDialect dialect, const std::string& url);

struct SqlOptions {
  SqlDialect dialect = SqlDialect::kPostgres;
  bool deploy = true;            // false: url= names an existing server
  SqlEndpoint endpoint;          // url= (deploy false); else user/password/database of deployed servers
  SqlIsolation isolation = SqlIsolation::kSerializable;
  bool primary_replicas = false;
  bool replica_reads = false;
  int port = 0;                  // deployed servers' port
  int table_count = 3;
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds start_timeout{60000};
  std::string bin_dir;           // postgres: initdb and postgres on the nodes
};

// "postgres" / "mysql".
std::string SqlTargetName(SqlDialect dialect);

// Parses `options` for the target of `dialect`. Error: an unknown key, a bad
// value, or a combination that makes no sense (replica-reads without
// primary-replicas, topology with url=).
Result<SqlOptions> ParseSqlOptions(SqlDialect dialect, const TargetOptions& options);

}  // namespace faultline
