#include "targets/sql/sql_client.h"

#include <algorithm>
#include <thread>

#include "targets/sql/sql_statements.h"
#include "workloads/bank.h"

namespace faultline {

// Why a transaction's body stopped: a SQL error, or a refusal (the op cannot
// be done: insufficient funds, a cas precondition, a malformed op), after
// which the txn is rolled back and the op fails.
struct SqlTxnError {
  bool sql = false;
  SqlError error;
  std::string refusal;
};

namespace {

bool ReadOnlyOp(const Op& op) {
  if (op.f == "read" || op.f == "set-read" || op.f == "read-balances") return true;
  if (op.f != "txn" || !op.value.is_array()) return false;
  for (const json& m : op.value) {
    if (!m.is_array() || m.empty() || m[0] != "r") return false;
  }
  return true;
}

// One statement; on an error records it and returns false.
bool Run(SqlConn& c, const std::string& sql, SqlRows* rows, SqlTxnError* error) {
  if (c.Exec(sql, rows, &error->error)) return true;
  error->sql = true;
  return false;
}

bool Refuse(SqlTxnError* error, std::string why) {
  error->refusal = std::move(why);
  return false;
}

std::optional<std::string> Cell(const SqlRows& rows) {
  if (rows.rows.empty() || rows.rows[0].empty()) return std::nullopt;
  return rows.rows[0][0];
}

}  // namespace

Status SqlClient::Open(const ClusterInfo& cluster, const NodeInfo& node) {
  workload_ = cluster.workload;
  if (workload_ == "bank") {
    auto bank = ParseBankOptions(cluster.workload_opts);
    if (!bank.ok()) return bank.status();
    per_account_reads_ = bank->per_account_reads;
    accounts_ = bank->accounts;
  }
  primary_.where = options_.endpoint;
  if (options_.deploy) {
    if (cluster.nodes.empty()) return Status::Error(SqlTargetName(options_.dialect) + ": no nodes to connect to");
    primary_.where.host = cluster.nodes[0].address;
    primary_.node = cluster.nodes[0].name;
    if (options_.replica_reads && node.name != cluster.nodes[0].name) {
      separate_reads_ = true;
      reads_.where = options_.endpoint;
      reads_.where.host = node.address;
      reads_.node = node.name;
      reads_.standby = true;
    }
  } else {
    primary_.node = node.name;
  }
  auto conn = ConnectSql(options_.dialect, primary_.where, options_.request_timeout);
  if (!conn.ok()) return conn.status();
  primary_.conn = std::move(conn).value();
  const std::string session = SqlSessionStatement(options_.dialect, options_.isolation);
  SqlRows rows;
  SqlError err;
  if (!session.empty() && !primary_.conn->Exec(session, &rows, &err)) return Status::Error(err.Text());
  std::lock_guard<std::mutex> lock(schema_->mu);
  if (!schema_->done) {
    std::vector<int64_t> balances;
    if (workload_ == "bank") {
      auto bank = ParseBankOptions(cluster.workload_opts);
      balances = BankInitialBalances(*bank);
    }
    for (const auto& sql : SqlSchemaStatements(options_.dialect, workload_, options_.table_count, balances)) {
      if (!primary_.conn->Exec(sql, &rows, &err)) {
        return Status::Error("creating the " + workload_ + " tables: " + sql + ": " + err.Text());
      }
    }
    schema_->done = true;
  }
  return Status::Ok();
}

void SqlClient::Close() {
  primary_.conn.reset();
  reads_.conn.reset();
}

SqlConn* SqlClient::Conn(Endpoint& e, std::string* error) {
  if (e.conn && e.conn->Open()) return e.conn.get();
  e.conn.reset();
  auto conn = ConnectSql(options_.dialect, e.where, options_.request_timeout);
  if (!conn.ok()) {
    *error = "cannot connect: " + conn.status().message();
    // A server that is down refuses at once: without a pause, a worker at
    // --rate 0 would record thousands of these a second.
    std::this_thread::sleep_for(std::min(options_.request_timeout, std::chrono::milliseconds(100)));
    return nullptr;
  }
  e.conn = std::move(conn).value();
  const std::string session = SqlSessionStatement(options_.dialect, options_.isolation);
  SqlRows rows;
  SqlError err;
  if (!session.empty() && !e.conn->Exec(session, &rows, &err)) {
    *error = "cannot connect: " + err.Text();
    e.conn.reset();
    return nullptr;
  }
  return e.conn.get();
}

Op SqlClient::Invoke(const Op& invoke) {
  Op out = invoke;
  const bool read_only = ReadOnlyOp(invoke);
  Endpoint& e = read_only && separate_reads_ ? reads_ : primary_;
  out.node = e.node;
  std::string connect_error;
  SqlConn* c = Conn(e, &connect_error);
  if (!c) {
    out.type = OpType::kFail;
    out.error = connect_error;
    return out;
  }
  SqlRows rows;
  SqlTxnError err;
  // BEGIN and the body: any error here is before COMMIT.
  bool went = Run(*c, SqlBeginStatement(options_.dialect, options_.isolation, read_only, e.standby), &rows, &err) &&
              Body(*c, out, &err);
  if (!went) {
    if (c->Open()) {
      SqlTxnError ignored;
      Run(*c, "ROLLBACK", &rows, &ignored);
    }
    out.value = invoke.value;
    out.type = err.sql ? SqlOutcome(err.error, SqlPhase::kBeforeCommit, read_only) : OpType::kFail;
    out.error = err.sql ? err.error.Text() : err.refusal;
    return out;
  }
  if (!Run(*c, "COMMIT", &rows, &err)) {
    out.type = SqlOutcome(err.error, SqlPhase::kCommit, read_only);
    if (out.type != OpType::kOk) out.value = invoke.value;
    out.error = "commit: " + err.error.Text();
    return out;
  }
  out.type = OpType::kOk;
  return out;
}

bool SqlClient::Body(SqlConn& c, Op& out, SqlTxnError* err) {
  SqlRows rows;
  const SqlDialect d = options_.dialect;
  const int tables = options_.table_count;
  const std::string& f = out.f;
  auto key_text = [&]() -> std::optional<std::string> {
    if (out.key.is_string()) return c.Quote(out.key.get<std::string>());
    if (out.key.is_number_integer()) return c.Quote(out.key.dump());
    return std::nullopt;
  };
  if (f == "txn") {
    if (!out.value.is_array() || out.value.empty()) return Refuse(err, "txn value must be a non-empty list of micro-ops");
    for (json& m : out.value) {
      if (!m.is_array() || m.size() != 3 || !m[0].is_string() || !m[1].is_number_integer()) {
        return Refuse(err, "micro-op " + m.dump() + " is not [f, integer key, v]");
      }
      const std::string mf = m[0].get<std::string>();
      const int64_t k = m[1].get<int64_t>();
      if (mf == "r") {
        if (!Run(c, SqlTxnRead(k, tables), &rows, err)) return false;
        auto v = workload_ == "list-append" ? SqlParseList(Cell(rows)) : SqlParseInt(Cell(rows));
        if (!v.ok()) return Refuse(err, v.status().message());
        m[2] = *v;
      } else if ((mf == "append" || mf == "w") && m[2].is_number_integer()) {
        const int64_t v = m[2].get<int64_t>();
        if (!Run(c, mf == "append" ? SqlTxnAppend(d, k, v, tables) : SqlTxnWrite(d, k, v, tables), &rows, err)) {
          return false;
        }
      } else {
        return Refuse(err, "micro-op " + m.dump() + " is not [\"r\"|\"append\"|\"w\", k, integer]");
      }
    }
    return true;
  }
  if (f == "read" || f == "write" || f == "cas") {
    auto k = key_text();
    if (!k) return Refuse(err, "register key must be a string or an integer");
    if (f == "read") {
      if (!Run(c, "SELECT val FROM registers WHERE id = " + *k, &rows, err)) return false;
      auto v = SqlParseInt(Cell(rows));
      if (!v.ok()) return Refuse(err, v.status().message());
      out.value = *v;
      return true;
    }
    if (f == "write") {
      if (!out.value.is_number_integer()) return Refuse(err, "register values must be integers");
      const std::string v = out.value.dump();
      const std::string sql =
          d == SqlDialect::kPostgres
              ? "INSERT INTO registers AS t (id, val) VALUES (" + *k + ", " + v + ") ON CONFLICT (id) DO UPDATE SET val = " + v
              : "INSERT INTO registers (id, val) VALUES (" + *k + ", " + v + ") ON DUPLICATE KEY UPDATE val = " + v;
      return Run(c, sql, &rows, err);
    }
    const json& v = out.value;
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_integer() || !v[1].is_number_integer()) {
      return Refuse(err, "cas value must be [expected, new] integers");
    }
    if (!Run(c, "UPDATE registers SET val = " + v[1].dump() + " WHERE id = " + *k + " AND val = " + v[0].dump(), &rows,
             err)) {
      return false;
    }
    if (rows.affected != 1) return Refuse(err, "precondition failed: value is not " + v[0].dump());
    return true;
  }
  if (f == "set-add" || f == "set-read") {
    auto k = key_text();
    if (!k) return Refuse(err, "set key must be a string or an integer");
    if (f == "set-add") {
      if (!out.value.is_number_integer()) return Refuse(err, "set elements must be integers");
      return Run(c, "INSERT INTO sets (k, val) VALUES (" + *k + ", " + out.value.dump() + ")", &rows, err);
    }
    if (!Run(c, "SELECT val FROM sets WHERE k = " + *k + " ORDER BY val", &rows, err)) return false;
    json elements = json::array();
    for (const auto& row : rows.rows) {
      auto v = SqlParseInt(row.empty() ? std::nullopt : row[0]);
      if (!v.ok()) return Refuse(err, v.status().message());
      elements.push_back(*v);
    }
    out.value = std::move(elements);
    return true;
  }
  if (f == "transfer") {
    const json& v = out.value;
    if (!v.is_object() || !v.contains("from") || !v.contains("to") || !v.contains("amount") ||
        !v["from"].is_number_integer() || !v["to"].is_number_integer() || !v["amount"].is_number_integer()) {
      return Refuse(err, "transfer value must be {from, to, amount} integers");
    }
    const std::string from = v["from"].dump(), to = v["to"].dump(), amount = v["amount"].dump();
    if (!Run(c, "UPDATE accounts SET balance = balance - " + amount + " WHERE id = " + from + " AND balance >= " + amount,
             &rows, err)) {
      return false;
    }
    if (rows.affected != 1) return Refuse(err, "insufficient funds in account " + from);
    if (!Run(c, "UPDATE accounts SET balance = balance + " + amount + " WHERE id = " + to, &rows, err)) return false;
    if (rows.affected != 1) return Refuse(err, "no account " + to);
    return true;
  }
  if (f == "read-balances") {
    json balances = json::object();
    auto add = [&](const std::vector<std::optional<std::string>>& row) -> bool {
      if (row.size() != 2 || !row[0] || !row[1]) return Refuse(err, "unexpected accounts row");
      auto b = SqlParseInt(row[1]);
      if (!b.ok()) return Refuse(err, b.status().message());
      balances[*row[0]] = *b;
      return true;
    };
    if (per_account_reads_) {
      for (int64_t a = 0; a < accounts_; ++a) {
        if (!Run(c, "SELECT id, balance FROM accounts WHERE id = " + std::to_string(a), &rows, err)) return false;
        for (const auto& row : rows.rows) {
          if (!add(row)) return false;
        }
      }
    } else {
      if (!Run(c, "SELECT id, balance FROM accounts", &rows, err)) return false;
      for (const auto& row : rows.rows) {
        if (!add(row)) return false;
      }
    }
    out.value = std::move(balances);
    return true;
  }
  return Refuse(err, SqlTargetName(d) + " client does not support f \"" + f + "\"");
}

}  // namespace faultline
