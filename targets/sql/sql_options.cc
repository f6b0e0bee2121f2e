#include "targets/sql/sql_options.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace faultline {
namespace {

Result<int> IntOption(const std::string& target, const std::string& key, const std::string& value, int lo,
                      int hi) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    return Status::Error("target " + target + ": " + key + "=\"" + value + "\" must be an integer in [" +
                         std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return static_cast<int>(v);
}

// The newest /usr/lib/postgresql/<version>/bin holding postgres, or the
// version Debian 12 ships when there is none here.
std::string DefaultPgBinDir() {
  namespace fs = std::filesystem;
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string v = e.path().filename().string();
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0') continue;
    if (!fs::exists(e.path() / "bin" / "postgres", ec)) continue;
    if (n > best_version) {
      best_version = static_cast<int>(n);
      best = (e.path() / "bin").string();
    }
  }
  return best.empty() ? "/usr/lib/postgresql/15/bin" : best;
}

// %XX decoding of a URL part.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string SqlTargetName(SqlDialect dialect) { return dialect == SqlDialect::kPostgres ? "postgres" : "mysql"; }

std::string SqlIsolationName(SqlIsolation level) {
  switch (level) {
    case SqlIsolation::kSerializable: return "serializable";
    case SqlIsolation::kRepeatableRead: return "repeatable-read";
    case SqlIsolation::kReadCommitted: return "read-committed";
    case SqlIsolation::kReadUncommitted: return "read-uncommitted";
  }
  return "?";
}

std::string SqlIsolationSql(SqlIsolation level) {
  switch (level) {
    case SqlIsolation::kSerializable: return "SERIALIZABLE";
    case SqlIsolation::kRepeatableRead: return "REPEATABLE READ";
    case SqlIsolation::kReadCommitted: return "READ COMMITTED";
    case SqlIsolation::kReadUncommitted: return "READ UNCOMMITTED";
  }
  return "?";
}

Result<SqlEndpoint> ParseSqlUrl(SqlDialect dialect, const std::string& url) {
  const std::string target = SqlTargetName(dialect);
  auto bad = [&](const std::string& why) {
    return Status::Error("target " + target + ": url=\"" + url + "\": " + why);
  };
  size_t sep = url.find("://");
  if (sep == std::string::npos) return bad("not SCHEME://USER@HOST[:PORT][/DATABASE]");
  const std::string scheme = url.substr(0, sep);
  const std::vector<std::string> schemes = dialect == SqlDialect::kPostgres
                                               ? std::vector<std::string>{"postgres", "postgresql"}
                                               : std::vector<std::string>{"mysql", "mariadb"};
  if (scheme != schemes[0] && scheme != schemes[1]) {
    return bad("scheme must be " + schemes[0] + " or " + schemes[1] + ", not \"" + scheme + "\"");
  }
  SqlEndpoint e;
  e.port = dialect == SqlDialect::kPostgres ? 5432 : 3306;
  e.user = dialect == SqlDialect::kPostgres ? "postgres" : "root";
  e.database = dialect == SqlDialect::kPostgres ? "postgres" : "faultline";
  std::string rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    size_t q = db.find('?');
    if (q != std::string::npos) return bad("query parameters are not supported");
    if (!db.empty()) e.database = Unescape(db);
    rest = rest.substr(0, slash);
  }
  size_t at = rest.rfind('@');
  if (at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = userinfo.find(':');
    e.user = Unescape(userinfo.substr(0, colon));
    if (colon != std::string::npos) e.password = Unescape(userinfo.substr(colon + 1));
    if (e.user.empty()) return bad("empty user");
  }
  std::string host = rest;
  if (!host.empty() && host[0] == '[') {  // [IPv6]:port
    size_t close = host.find(']');
    if (close == std::string::npos) return bad("unclosed [ in the host");
    e.host = host.substr(1, close - 1);
    host = host.substr(close + 1);
    if (!host.empty() && host[0] != ':') return bad("junk after ]");
  } else {
    size_t colon = host.rfind(':');
    e.host = host.substr(0, colon);
    host = colon == std::string::npos ? "" : host.substr(colon);
  }
  if (e.host.empty()) return bad("no host");
  if (!host.empty()) {
    auto port = IntOption(target, "url port", host.substr(1), 1, 65535);
    if (!port.ok()) return bad("port \"" + host.substr(1) + "\" must be an integer in [1, 65535]");
    e.port = *port;
  }
  return e;
}

Result<SqlOptions> ParseSqlOptions(SqlDialect dialect, const TargetOptions& options) {
  const std::string target = SqlTargetName(dialect);
  SqlOptions o;
  o.dialect = dialect;
  o.port = dialect == SqlDialect::kPostgres ? 5432 : 3306;
  bool topology_given = false;
  for (const auto& [key, value] : options) {
    if (key == "url") {
      auto e = ParseSqlUrl(dialect, value);
      if (!e.ok()) return e.status();
      o.endpoint = *e;
      o.deploy = false;
    } else if (key == "isolation") {
      if (value == "serializable") o.isolation = SqlIsolation::kSerializable;
      else if (value == "repeatable-read") o.isolation = SqlIsolation::kRepeatableRead;
      else if (value == "read-committed") o.isolation = SqlIsolation::kReadCommitted;
      else if (value == "read-uncommitted") o.isolation = SqlIsolation::kReadUncommitted;
      else {
        return Status::Error("target " + target + ": isolation=\"" + value +
                             "\" must be serializable, repeatable-read, read-committed or read-uncommitted");
      }
    } else if (key == "topology") {
      if (value != "single" && value != "primary-replicas") {
        return Status::Error("target " + target + ": topology=\"" + value + "\" must be single or primary-replicas");
      }
      o.primary_replicas = value == "primary-replicas";
      topology_given = true;
    } else if (key == "replica-reads") {
      if (value != "true" && value != "false") {
        return Status::Error("target " + target + ": replica-reads=\"" + value + "\" must be true or false");
      }
      o.replica_reads = value == "true";
    } else if (key == "port") {
      auto v = IntOption(target, key, value, 1, 65535);
      if (!v.ok()) return v.status();
      o.port = *v;
    } else if (key == "table-count") {
      auto v = IntOption(target, key, value, 1, 100);
      if (!v.ok()) return v.status();
      o.table_count = *v;
    } else if (key == "request-timeout-ms" || key == "start-timeout-ms") {
      auto v = IntOption(target, key, value, 1, 600000);
      if (!v.ok()) return v.status();
      (key == "request-timeout-ms" ? o.request_timeout : o.start_timeout) = std::chrono::milliseconds(*v);
    } else if (key == "bin-dir" && dialect == SqlDialect::kPostgres) {
      if (value.empty() || value[0] != '/') {
        return Status::Error("target " + target + ": bin-dir=\"" + value + "\" must be an absolute path");
      }
      o.bin_dir = value;
    } else {
      return Status::Error("target " + target + ": unknown option \"" + key + "\" (known: " +
                           (dialect == SqlDialect::kPostgres ? "bin-dir, " : "") +
                           "isolation, port, replica-reads, request-timeout-ms, start-timeout-ms, table-count, "
                           "topology, url)");
    }
  }
  if (o.replica_reads && !o.primary_replicas) {
    return Status::Error("target " + target + ": replica-reads=true needs topology=primary-replicas");
  }
  if (!o.deploy && topology_given) {
    return Status::Error("target " + target + ": topology applies to deployed servers, not to url=");
  }
  if (!o.deploy && options.count("port")) {
    return Status::Error("target " + target + ": port applies to deployed servers; give the port in url=");
  }
  if (o.deploy) {
    o.endpoint.port = o.port;
    o.endpoint.user = dialect == SqlDialect::kPostgres ? "postgres" : "faultline";
    o.endpoint.password = dialect == SqlDialect::kPostgres ? "" : "faultline";
    o.endpoint.database = dialect == SqlDialect::kPostgres ? "postgres" : "faultline";
  }
  if (dialect == SqlDialect::kPostgres && o.bin_dir.empty()) o.bin_dir = DefaultPgBinDir();
  return o;
}

}  // namespace faultline
