// SqlConn over libmariadb (MariaDB's client library, which speaks to MySQL
// and MariaDB servers). Deadlines are the library's read and write timeouts
// (whole seconds, at least 1); a statement that hits one, or finds the
// connection gone, closes the connection.
#include <mysql.h>

#include "targets/sql/sql_conn.h"

namespace faultline {
namespace {

class MysqlConn final : public SqlConn {
 public:
  explicit MysqlConn(MYSQL* conn) : conn_(conn) {}
  ~MysqlConn() override { Drop(); }

  bool Open() const override { return conn_ != nullptr; }

  std::string Quote(const std::string& value) const override {
    std::string out = "'";
    for (char c : value) {
      if (c == '\'' || c == '\\') out += c == '\'' ? '\'' : '\\';
      out += c;
    }
    return out + "'";
  }

  bool Exec(const std::string& sql, SqlRows* rows, SqlError* error) override {
    *rows = SqlRows();
    if (!conn_) return Fail(error, SqlErrorKind::kConnection, "", "not connected");
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return FromConn(error);
    MYSQL_RES* res = mysql_store_result(conn_);
    if (!res) {
      if (mysql_field_count(conn_) != 0) return FromConn(error);
      rows->affected = static_cast<int64_t>(mysql_affected_rows(conn_));
      return true;
    }
    unsigned nf = mysql_num_fields(res);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      std::vector<std::optional<std::string>> out;
      unsigned long* lengths = mysql_fetch_lengths(res);
      for (unsigned f = 0; f < nf; ++f) {
        if (!row[f]) out.push_back(std::nullopt);
        else out.emplace_back(std::string(row[f], lengths[f]));
      }
      rows->rows.push_back(std::move(out));
    }
    mysql_free_result(res);
    return true;
  }

 private:
  bool FromConn(SqlError* error) {
    unsigned code = mysql_errno(conn_);
    return Fail(error, ClassifyMysqlError(code), std::to_string(code), mysql_error(conn_));
  }
  bool Fail(SqlError* error, SqlErrorKind kind, std::string code, std::string message) {
    error->kind = kind;
    error->code = std::move(code);
    error->message = std::move(message);
    if (kind == SqlErrorKind::kConnection) Drop();
    return false;
  }
  void Drop() {
    if (conn_) mysql_close(conn_);
    conn_ = nullptr;
  }
  MYSQL* conn_;
};

}  // namespace

Result<std::unique_ptr<SqlConn>> ConnectMysql(const SqlEndpoint& e, std::chrono::milliseconds request_timeout) {
  MYSQL* conn = mysql_init(nullptr);
  const std::string where = "mysql " + e.host + ":" + std::to_string(e.port);
  if (!conn) return Status::Error(where + ": out of memory");
  unsigned int seconds = static_cast<unsigned int>(std::max<long>(1, (request_timeout.count() + 999) / 1000));
  mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
  mysql_options(conn, MYSQL_OPT_READ_TIMEOUT, &seconds);
  mysql_options(conn, MYSQL_OPT_WRITE_TIMEOUT, &seconds);
  my_bool no = 0;
  mysql_options(conn, MYSQL_OPT_RECONNECT, &no);
  if (!mysql_real_connect(conn, e.host.c_str(), e.user.c_str(), e.password.c_str(), e.database.c_str(),
                          static_cast<unsigned int>(e.port), nullptr, 0)) {
    std::string msg = mysql_error(conn);
    mysql_close(conn);
    return Status::Error(where + ": " + msg);
  }
  return std::unique_ptr<SqlConn>(new MysqlConn(conn));
}

}  // namespace faultline
