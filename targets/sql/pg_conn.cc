// SqlConn over libpq (PostgreSQL's client library). Statements are sent with
// PQsendQuery and awaited with poll() on the connection's socket, so a
// server that is paused or cut off by a partition cannot hold a worker past
// its deadline: then the connection is dropped (PQfinish) and the error is a
// connection error.
#include <libpq-fe.h>
#include <poll.h>

#include <cstdlib>

#include "targets/sql/sql_conn.h"

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;

// libpq conninfo value: single-quoted, \ and ' escaped.
std::string ConnValue(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string OneLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return s;
}

class PgConn final : public SqlConn {
 public:
  PgConn(PGconn* conn, std::chrono::milliseconds timeout) : conn_(conn), timeout_(timeout) {}
  ~PgConn() override { Drop(); }

  bool Open() const override { return conn_ != nullptr; }

  std::string Quote(const std::string& value) const override {
    std::string out = "'";
    for (char c : value) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out + "'";
  }

  bool Exec(const std::string& sql, SqlRows* rows, SqlError* error) override {
    *rows = SqlRows();
    if (!conn_) return Lost(error, "not connected");
    if (!PQsendQuery(conn_, sql.c_str())) return Lost(error, OneLine(PQerrorMessage(conn_)));
    const auto deadline = Clock::now() + timeout_;
    bool failed = false;
    SqlError first;
    for (;;) {
      while (PQisBusy(conn_)) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return Lost(error, "no answer within " + std::to_string(timeout_.count()) + " ms");
        pollfd p{PQsocket(conn_), POLLIN, 0};
        int n = poll(&p, 1, static_cast<int>(left));
        if (n < 0 && errno != EINTR) return Lost(error, "poll failed");
        if (n > 0 && !PQconsumeInput(conn_)) return Lost(error, OneLine(PQerrorMessage(conn_)));
      }
      PGresult* res = PQgetResult(conn_);
      if (!res) break;
      ExecStatusType st = PQresultStatus(res);
      if (st == PGRES_TUPLES_OK) {
        int nr = PQntuples(res), nf = PQnfields(res);
        for (int r = 0; r < nr; ++r) {
          std::vector<std::optional<std::string>> row;
          for (int f = 0; f < nf; ++f) {
            if (PQgetisnull(res, r, f)) row.push_back(std::nullopt);
            else row.emplace_back(PQgetvalue(res, r, f));
          }
          rows->rows.push_back(std::move(row));
        }
      } else if (st == PGRES_COMMAND_OK) {
        const char* n = PQcmdTuples(res);
        rows->affected = n && *n ? std::atoll(n) : 0;
      } else if (!failed) {
        failed = true;
        const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        first.code = state ? state : "";
        const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        first.message = OneLine(primary ? primary : PQresultErrorMessage(res));
        first.kind = first.code.empty() ? SqlErrorKind::kConnection : ClassifyPgError(first.code);
      }
      PQclear(res);
    }
    if (PQstatus(conn_) == CONNECTION_BAD) {
      if (!failed) first.message = OneLine(PQerrorMessage(conn_));
      first.kind = SqlErrorKind::kConnection;
      failed = true;
      Drop();
    } else if (failed && first.kind == SqlErrorKind::kConnection) {
      Drop();
    }
    if (failed) *error = first;
    return !failed;
  }

 private:
  bool Lost(SqlError* error, std::string message) {
    Drop();
    error->kind = SqlErrorKind::kConnection;
    error->code.clear();
    error->message = std::move(message);
    return false;
  }
  void Drop() {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
  }
  PGconn* conn_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace

Result<std::unique_ptr<SqlConn>> ConnectPg(const SqlEndpoint& e, std::chrono::milliseconds request_timeout) {
  // connect_timeout is whole seconds, at least 2 (libpq's minimum).
  long connect_s = std::max<long>(2, (request_timeout.count() + 999) / 1000);
  std::string info = "host=" + ConnValue(e.host) + " port=" + std::to_string(e.port) + " user=" + ConnValue(e.user) +
                     " dbname=" + ConnValue(e.database) + " connect_timeout=" + std::to_string(connect_s) +
                     " application_name=faultline keepalives=1 keepalives_idle=5 keepalives_interval=2 "
                     "keepalives_count=2";
  if (!e.password.empty()) info += " password=" + ConnValue(e.password);
  PGconn* conn = PQconnectdb(info.c_str());
  if (!conn) return Status::Error("postgres " + e.host + ":" + std::to_string(e.port) + ": out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
    return Status::Error("postgres " + e.host + ":" + std::to_string(e.port) + ": " + msg);
  }
  // Server notices ("table does not exist, skipping") are not errors: keep
  // them off the controller's stderr.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<SqlConn>(new PgConn(conn, request_timeout));
}

}  // namespace faultline
