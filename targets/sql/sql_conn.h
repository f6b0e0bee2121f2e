// SqlConn: one connection to one SQL server, running one statement at a
// time, with a deadline on every statement; and how a SQL error turns into an
// op outcome. Implementations: PostgreSQL through libpq (pg_conn.cc) and
// MySQL/MariaDB through libmariadb (mysql_conn.cc) — the client libraries
// made for it, which handle the wire protocol, auth and error codes.
//
// Outcome rules (SqlOutcome), the contract the SQL clients keep:
//   - a read-only transaction changes nothing: any error is `fail`;
//   - any error before COMMIT was sent is `fail` (the transaction is rolled
//     back, or dies with its connection: it never committed);
//   - at COMMIT, an error the server answered (serialization failure,
//     deadlock, any other) means the transaction was rolled back: `fail`;
//     a lost connection or a timeout there is `info`: it may have committed.
// Thread safety: a SqlConn is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"
#include "targets/sql/sql_options.h"

namespace faultline {

enum class SqlErrorKind {
  kAbort,       // serialization failure, deadlock, lock wait timeout: the txn was rolled back
  kConnection,  // the connection is gone or the deadline passed: unknown what ran
  kOther,       // any other error the server answered (the statement did not run)
};

struct SqlError {
  SqlErrorKind kind = SqlErrorKind::kOther;
  std::string code;     // SQLSTATE ("40001") or MySQL error number ("1213"); "" for client-side
  std::string message;  // one line
  // "serialization failure 40001: could not serialize access ..." for op errors.
  std::string Text() const;
};

// PostgreSQL: SQLSTATE 40001 (serialization_failure) and 40P01
// (deadlock_detected) abort; class 08 (connection exception) and 57P01-57P03
// (the server shutting down or starting) are connection errors; the rest other.
SqlErrorKind ClassifyPgError(const std::string& sqlstate);
// MySQL/MariaDB: 1213 (deadlock), 1205 (lock wait timeout), 1020 (record
// changed since last read) abort; client errors 2002, 2003, 2006, 2013, 2055
// and 4031 (disconnected by the server) are connection errors; the rest other.
SqlErrorKind ClassifyMysqlError(unsigned code);

enum class SqlPhase { kBeforeCommit, kCommit };

// The op type a failed transaction ends in (rules above).
OpType SqlOutcome(const SqlError& error, SqlPhase phase, bool read_only);

// One statement's answer: rows of text cells (nullopt = NULL) and, for
// INSERT/UPDATE/DELETE, the number of rows changed.
struct SqlRows {
  std::vector<std::vector<std::optional<std::string>>> rows;
  int64_t affected = 0;
};

class SqlConn {
 public:
  virtual ~SqlConn() = default;
  // Runs one statement. On an error of kind kConnection the connection is
  // closed (Open() becomes false) and must be replaced.
  virtual bool Exec(const std::string& sql, SqlRows* rows, SqlError* error) = 0;
  virtual bool Open() const = 0;
  // The value as a SQL string literal of this server ('it''s').
  virtual std::string Quote(const std::string& value) const = 0;
};

// Connects (error: the server's or the library's message, naming host:port);
// every statement afterwards is abandoned after `request_timeout`.
Result<std::unique_ptr<SqlConn>> ConnectPg(const SqlEndpoint& endpoint, std::chrono::milliseconds request_timeout);
Result<std::unique_ptr<SqlConn>> ConnectMysql(const SqlEndpoint& endpoint,
                                              std::chrono::milliseconds request_timeout);
// The dialect's connect.
Result<std::unique_ptr<SqlConn>> ConnectSql(SqlDialect dialect, const SqlEndpoint& endpoint,
                                            std::chrono::milliseconds request_timeout);

}  // namespace faultline
