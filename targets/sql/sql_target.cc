// The SQL targets: "postgres" (PostgreSQL through libpq) and "mysql" (MySQL
// or MariaDB through libmariadb). Deployed on the nodes from Debian's
// packages (sql_db.h), or an existing server with --target-opt url=...;
// options in sql_options.h, the client and its tables in sql_client.h and
// sql_statements.h. Workloads: register, set, list-append, rw-register, bank.
#include <memory>

#include "targets/sql/sql_client.h"
#include "targets/sql/sql_db.h"

namespace faultline {
namespace {

Result<Target> MakeSqlTarget(SqlDialect dialect, const TargetOptions& options) {
  auto parsed = ParseSqlOptions(dialect, options);
  if (!parsed.ok()) return parsed.status();
  SqlOptions o = *parsed;
  Target t;
  t.name = SqlTargetName(dialect);
  if (o.deploy) t.db = MakeSqlDb(o);
  auto schema = std::make_shared<SqlSchemaOnce>();
  t.new_client = [o, schema] { return std::make_unique<SqlClient>(o, schema); };
  t.fs = {"read", "write", "cas", "set-add", "set-read", "txn", "txn-single", "transfer", "read-balances"};
  t.needs_nodes = o.deploy;
  t.without_nodes = "talks to the existing server of url=";
  return t;
}

Registrar<TargetFactory> pg("postgres",
                            "PostgreSQL (libpq): deployed from Debian's postgresql, or url=; isolation=, "
                            "topology=primary-replicas; register, set, list-append, rw-register, bank",
                            [](const TargetOptions& o) { return MakeSqlTarget(SqlDialect::kPostgres, o); });
Registrar<TargetFactory> my("mysql",
                            "MySQL/MariaDB (libmariadb): deployed from Debian's mariadb-server, or url=; "
                            "isolation=, topology=primary-replicas; register, set, list-append, rw-register, bank",
                            [](const TargetOptions& o) { return MakeSqlTarget(SqlDialect::kMysql, o); });

}  // namespace
}  // namespace faultline
