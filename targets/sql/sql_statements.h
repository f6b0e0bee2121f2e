// SqlStatements: the SQL text the SQL targets run, per dialect, with the
// tables laid out as Jepsen's tests lay them out. Pure; thread-safe.
//
//   list-append   txn0..txn<table-count-1> (id INT PRIMARY KEY, sk INT, val TEXT):
//                 key k lives in txn<k mod table-count>, row id k; its list is
//                 val, the elements comma-separated; an append is one upsert
//                 that concatenates (PostgreSQL: INSERT .. ON CONFLICT DO
//                 UPDATE; MySQL: INSERT .. ON DUPLICATE KEY UPDATE).
//   rw-register   the same tables with val BIGINT: a write is an upsert of val.
//   register      registers (id VARCHAR(64) PRIMARY KEY, val BIGINT); cas is
//                 UPDATE .. WHERE val = expected (one row changed: ok).
//   set           sets (k VARCHAR(64), val BIGINT): an add is an INSERT.
//   bank          accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL); a
//                 transfer is two relative UPDATEs, the first guarded by
//                 balance >= amount (no row changed: insufficient funds).
// Values and keys are integers written as SQL number literals; string keys
// (register, set) are quoted by the caller's SqlConn::Quote.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/op.h"
#include "targets/sql/sql_options.h"

namespace faultline {

// The statements that drop and create the tables `workload` uses (empty for a
// workload the SQL targets do not serve), then insert `initial_balances`
// (bank: account i holds initial_balances[i]).
std::vector<std::string> SqlSchemaStatements(SqlDialect dialect, const std::string& workload, int table_count,
                                             const std::vector<int64_t>& initial_balances = {});

// The statement that opens a transaction (PostgreSQL: BEGIN ISOLATION LEVEL
// ..., READ ONLY when `read_only`; MySQL: START TRANSACTION [READ ONLY], the
// level being set per session by SqlSessionStatement). `on_standby`
// (PostgreSQL hot standby) downgrades SERIALIZABLE, which a standby refuses,
// to REPEATABLE READ.
std::string SqlBeginStatement(SqlDialect dialect, SqlIsolation level, bool read_only, bool on_standby);
// Run once per connection: MySQL sets the session's isolation level; "" for PostgreSQL.
std::string SqlSessionStatement(SqlDialect dialect, SqlIsolation level);

// Table of a transactional key.
std::string SqlTxnTable(int64_t key, int table_count);
std::string SqlTxnRead(int64_t key, int table_count);
std::string SqlTxnAppend(SqlDialect dialect, int64_t key, int64_t element, int table_count);
std::string SqlTxnWrite(SqlDialect dialect, int64_t key, int64_t value, int table_count);

// A list-append cell: "1,2,3" -> [1,2,3]; NULL -> null. Error: a part that
// is not an integer.
Result<json> SqlParseList(const std::optional<std::string>& cell);
// A BIGINT cell: "7" -> 7, NULL -> null. Error: not an integer.
Result<json> SqlParseInt(const std::optional<std::string>& cell);

}  // namespace faultline
