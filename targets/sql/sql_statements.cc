#include "targets/sql/sql_statements.h"

#include <charconv>

namespace faultline {

std::vector<std::string> SqlSchemaStatements(SqlDialect dialect, const std::string& workload, int table_count,
                                             const std::vector<int64_t>& initial_balances) {
  std::vector<std::string> out;
  if (workload == "list-append" || workload == "rw-register") {
    const std::string val = workload == "list-append" ? "TEXT" : "BIGINT";
    for (int i = 0; i < table_count; ++i) {
      const std::string t = "txn" + std::to_string(i);
      out.push_back("DROP TABLE IF EXISTS " + t);
      out.push_back("CREATE TABLE " + t + " (id INT NOT NULL PRIMARY KEY, sk INT NOT NULL, val " + val + ")");
    }
  } else if (workload == "register") {
    out.push_back("DROP TABLE IF EXISTS registers");
    out.push_back("CREATE TABLE registers (id VARCHAR(64) NOT NULL PRIMARY KEY, val BIGINT)");
  } else if (workload == "set") {
    out.push_back("DROP TABLE IF EXISTS sets");
    out.push_back("CREATE TABLE sets (k VARCHAR(64) NOT NULL, val BIGINT NOT NULL)");
  } else if (workload == "bank") {
    out.push_back("DROP TABLE IF EXISTS accounts");
    out.push_back("CREATE TABLE accounts (id INT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL)");
    if (!initial_balances.empty()) {
      std::string insert = "INSERT INTO accounts (id, balance) VALUES ";
      for (size_t i = 0; i < initial_balances.size(); ++i) {
        insert += (i ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(initial_balances[i]) + ")";
      }
      out.push_back(insert);
    }
  }
  if (dialect == SqlDialect::kMysql) {
    for (auto& s : out) {
      if (s.rfind("CREATE TABLE", 0) == 0) s += " ENGINE=InnoDB";
    }
  }
  return out;
}

std::string SqlBeginStatement(SqlDialect dialect, SqlIsolation level, bool read_only, bool on_standby) {
  if (dialect == SqlDialect::kMysql) return read_only ? "START TRANSACTION READ ONLY" : "START TRANSACTION";
  if (on_standby && level == SqlIsolation::kSerializable) level = SqlIsolation::kRepeatableRead;
  return "BEGIN ISOLATION LEVEL " + SqlIsolationSql(level) + (read_only ? " READ ONLY" : "");
}

std::string SqlSessionStatement(SqlDialect dialect, SqlIsolation level) {
  if (dialect == SqlDialect::kPostgres) return "";
  return "SET SESSION TRANSACTION ISOLATION LEVEL " + SqlIsolationSql(level);
}

std::string SqlTxnTable(int64_t key, int table_count) {
  int64_t t = key % table_count;
  if (t < 0) t += table_count;
  return "txn" + std::to_string(t);
}

std::string SqlTxnRead(int64_t key, int table_count) {
  return "SELECT val FROM " + SqlTxnTable(key, table_count) + " WHERE id = " + std::to_string(key);
}

std::string SqlTxnAppend(SqlDialect dialect, int64_t key, int64_t element, int table_count) {
  const std::string t = SqlTxnTable(key, table_count), k = std::to_string(key), e = std::to_string(element);
  if (dialect == SqlDialect::kPostgres) {
    return "INSERT INTO " + t + " AS t (id, sk, val) VALUES (" + k + ", " + k + ", '" + e +
           "') ON CONFLICT (id) DO UPDATE SET val = CONCAT(t.val, ',', '" + e + "')";
  }
  return "INSERT INTO " + t + " (id, sk, val) VALUES (" + k + ", " + k + ", '" + e +
         "') ON DUPLICATE KEY UPDATE val = CONCAT(val, ',', '" + e + "')";
}

std::string SqlTxnWrite(SqlDialect dialect, int64_t key, int64_t value, int table_count) {
  const std::string t = SqlTxnTable(key, table_count), k = std::to_string(key), v = std::to_string(value);
  if (dialect == SqlDialect::kPostgres) {
    return "INSERT INTO " + t + " AS t (id, sk, val) VALUES (" + k + ", " + k + ", " + v +
           ") ON CONFLICT (id) DO UPDATE SET val = " + v;
  }
  return "INSERT INTO " + t + " (id, sk, val) VALUES (" + k + ", " + k + ", " + v +
         ") ON DUPLICATE KEY UPDATE val = " + v;
}

namespace {
std::optional<int64_t> ToInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}
}  // namespace

Result<json> SqlParseList(const std::optional<std::string>& cell) {
  if (!cell) return json(nullptr);
  json out = json::array();
  const std::string& s = *cell;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string_view part(s.data() + start, (comma == std::string::npos ? s.size() : comma) - start);
    auto v = ToInt(part);
    if (!v) return Status::Error("list cell \"" + s.substr(0, 80) + "\" holds \"" + std::string(part) +
                                 "\", not an integer");
    out.push_back(*v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<json> SqlParseInt(const std::optional<std::string>& cell) {
  if (!cell) return json(nullptr);
  auto v = ToInt(*cell);
  if (!v) return Status::Error("cell \"" + cell->substr(0, 80) + "\" is not an integer");
  return json(*v);
}

}  // namespace faultline
