#include "targets/sql/sql_conn.h"

namespace faultline {

std::string SqlError::Text() const {
  std::string kind_text = kind == SqlErrorKind::kAbort        ? "rolled back"
                          : kind == SqlErrorKind::kConnection ? "connection"
                                                              : "error";
  if (code == "40001") kind_text = "serialization failure";
  if (code == "40P01" || code == "1213") kind_text = "deadlock";
  if (code == "1205") kind_text = "lock wait timeout";
  return kind_text + (code.empty() ? "" : " " + code) + ": " + message;
}

SqlErrorKind ClassifyPgError(const std::string& sqlstate) {
  if (sqlstate == "40001" || sqlstate == "40P01") return SqlErrorKind::kAbort;
  if (sqlstate.rfind("08", 0) == 0) return SqlErrorKind::kConnection;
  if (sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") return SqlErrorKind::kConnection;
  return SqlErrorKind::kOther;
}

SqlErrorKind ClassifyMysqlError(unsigned code) {
  switch (code) {
    case 1213: case 1205: case 1020:
      return SqlErrorKind::kAbort;
    case 2002: case 2003: case 2006: case 2013: case 2055: case 4031:
      return SqlErrorKind::kConnection;
    default:
      return SqlErrorKind::kOther;
  }
}

OpType SqlOutcome(const SqlError& error, SqlPhase phase, bool read_only) {
  if (read_only || phase == SqlPhase::kBeforeCommit) return OpType::kFail;
  return error.kind == SqlErrorKind::kConnection ? OpType::kInfo : OpType::kFail;
}

Result<std::unique_ptr<SqlConn>> ConnectSql(SqlDialect dialect, const SqlEndpoint& endpoint,
                                            std::chrono::milliseconds request_timeout) {
  return dialect == SqlDialect::kPostgres ? ConnectPg(endpoint, request_timeout)
                                          : ConnectMysql(endpoint, request_timeout);
}

}  // namespace faultline
