// The SQL targets' pure parts: option and url parsing, SQL error -> op
// outcome, the statements per dialect and the parsing of what they read.
#include <gtest/gtest.h>

#include "targets/sql/sql_conn.h"
#include "targets/sql/sql_options.h"
#include "targets/sql/sql_statements.h"

namespace faultline {
namespace {

TEST(SqlOptionsTest, DefaultsDeployASerializableSingleServer) {
  auto o = ParseSqlOptions(SqlDialect::kPostgres, {});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_TRUE(o->deploy);
  EXPECT_EQ(o->isolation, SqlIsolation::kSerializable);
  EXPECT_FALSE(o->primary_replicas);
  EXPECT_EQ(o->port, 5432);
  EXPECT_EQ(o->endpoint.user, "postgres");
  EXPECT_EQ(o->table_count, 3);
  auto m = ParseSqlOptions(SqlDialect::kMysql, {{"isolation", "repeatable-read"}});
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->port, 3306);
  EXPECT_EQ(m->isolation, SqlIsolation::kRepeatableRead);
  EXPECT_EQ(m->endpoint.database, "faultline");
}

TEST(SqlOptionsTest, UrlNamesAnExistingServer) {
  auto o = ParseSqlOptions(SqlDialect::kPostgres, {{"url", "postgresql://alice:s%40cret@127.0.0.1:6543/app"}});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_FALSE(o->deploy);
  EXPECT_EQ(o->endpoint.host, "127.0.0.1");
  EXPECT_EQ(o->endpoint.port, 6543);
  EXPECT_EQ(o->endpoint.user, "alice");
  EXPECT_EQ(o->endpoint.password, "s@cret");
  EXPECT_EQ(o->endpoint.database, "app");
  auto d = ParseSqlUrl(SqlDialect::kMysql, "mariadb://root@db.example");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->port, 3306);
  EXPECT_EQ(d->user, "root");
  auto v6 = ParseSqlUrl(SqlDialect::kPostgres, "postgres://u@[::1]:7000");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7000);
}

TEST(SqlOptionsTest, BadOptionsAreOneLineNamingTheOption) {
  struct Case {
    SqlDialect d;
    TargetOptions o;
    std::string want;
  };
  std::vector<Case> cases = {
      {SqlDialect::kPostgres, {{"isolation", "snapshot"}}, "isolation=\"snapshot\" must be"},
      {SqlDialect::kPostgres, {{"url", "mysql://u@h"}}, "scheme must be postgres or postgresql"},
      {SqlDialect::kMysql, {{"url", "mysql://u@h:99999"}}, "port \"99999\""},
      {SqlDialect::kMysql, {{"url", "mysql://u@:3306"}}, "no host"},
      {SqlDialect::kPostgres, {{"replica-reads", "true"}}, "needs topology=primary-replicas"},
      {SqlDialect::kPostgres, {{"url", "postgres://u@h"}, {"topology", "primary-replicas"}}, "not to url="},
      {SqlDialect::kPostgres, {{"topology", "ring"}}, "topology=\"ring\""},
      {SqlDialect::kMysql, {{"bin-dir", "/x"}}, "unknown option \"bin-dir\""},
      {SqlDialect::kPostgres, {{"table-count", "0"}}, "table-count=\"0\" must be an integer in [1, 100]"},
  };
  for (const auto& c : cases) {
    auto o = ParseSqlOptions(c.d, c.o);
    ASSERT_FALSE(o.ok()) << c.want;
    EXPECT_NE(o.status().message().find(c.want), std::string::npos) << o.status().message();
    EXPECT_EQ(o.status().message().find('\n'), std::string::npos);
    EXPECT_EQ(o.status().message().rfind("target " + SqlTargetName(c.d) + ": ", 0), 0u) << o.status().message();
  }
}

TEST(SqlErrorTest, ClassifiesPostgresAndMysqlCodes) {
  EXPECT_EQ(ClassifyPgError("40001"), SqlErrorKind::kAbort);
  EXPECT_EQ(ClassifyPgError("40P01"), SqlErrorKind::kAbort);
  EXPECT_EQ(ClassifyPgError("08006"), SqlErrorKind::kConnection);
  EXPECT_EQ(ClassifyPgError("57P01"), SqlErrorKind::kConnection);
  EXPECT_EQ(ClassifyPgError("23505"), SqlErrorKind::kOther);
  EXPECT_EQ(ClassifyMysqlError(1213), SqlErrorKind::kAbort);
  EXPECT_EQ(ClassifyMysqlError(1205), SqlErrorKind::kAbort);
  EXPECT_EQ(ClassifyMysqlError(2013), SqlErrorKind::kConnection);
  EXPECT_EQ(ClassifyMysqlError(2006), SqlErrorKind::kConnection);
  EXPECT_EQ(ClassifyMysqlError(1062), SqlErrorKind::kOther);
}

TEST(SqlErrorTest, OnlyALostCommitIsInfo) {
  SqlError serialization{SqlErrorKind::kAbort, "40001", "could not serialize access"};
  SqlError deadlock{SqlErrorKind::kAbort, "1213", "Deadlock found"};
  SqlError lost{SqlErrorKind::kConnection, "", "server closed the connection unexpectedly"};
  SqlError other{SqlErrorKind::kOther, "23505", "duplicate key"};
  for (const SqlError& e : {serialization, deadlock, lost, other}) {
    EXPECT_EQ(SqlOutcome(e, SqlPhase::kBeforeCommit, false), OpType::kFail) << e.Text();
    EXPECT_EQ(SqlOutcome(e, SqlPhase::kBeforeCommit, true), OpType::kFail) << e.Text();
    EXPECT_EQ(SqlOutcome(e, SqlPhase::kCommit, true), OpType::kFail) << e.Text();
  }
  EXPECT_EQ(SqlOutcome(serialization, SqlPhase::kCommit, false), OpType::kFail);
  EXPECT_EQ(SqlOutcome(deadlock, SqlPhase::kCommit, false), OpType::kFail);
  EXPECT_EQ(SqlOutcome(other, SqlPhase::kCommit, false), OpType::kFail);
  EXPECT_EQ(SqlOutcome(lost, SqlPhase::kCommit, false), OpType::kInfo);
  EXPECT_NE(serialization.Text().find("serialization failure 40001"), std::string::npos);
  EXPECT_NE(deadlock.Text().find("deadlock 1213"), std::string::npos);
}

TEST(SqlStatementsTest, JepsenTablesAndUpsertsPerDialect) {
  auto pg = SqlSchemaStatements(SqlDialect::kPostgres, "list-append", 3);
  ASSERT_EQ(pg.size(), 6u);
  EXPECT_EQ(pg[1], "CREATE TABLE txn0 (id INT NOT NULL PRIMARY KEY, sk INT NOT NULL, val TEXT)");
  auto my = SqlSchemaStatements(SqlDialect::kMysql, "rw-register", 2);
  ASSERT_EQ(my.size(), 4u);
  EXPECT_EQ(my[3], "CREATE TABLE txn1 (id INT NOT NULL PRIMARY KEY, sk INT NOT NULL, val BIGINT) ENGINE=InnoDB");
  auto bank = SqlSchemaStatements(SqlDialect::kPostgres, "bank", 3, {34, 33, 33});
  EXPECT_EQ(bank.back(), "INSERT INTO accounts (id, balance) VALUES (0, 34), (1, 33), (2, 33)");
  EXPECT_TRUE(SqlSchemaStatements(SqlDialect::kPostgres, "counter", 3).empty());
  EXPECT_EQ(SqlTxnTable(7, 3), "txn1");
  EXPECT_EQ(SqlTxnRead(7, 3), "SELECT val FROM txn1 WHERE id = 7");
  EXPECT_EQ(SqlTxnAppend(SqlDialect::kPostgres, 7, 4, 3),
            "INSERT INTO txn1 AS t (id, sk, val) VALUES (7, 7, '4') ON CONFLICT (id) DO UPDATE SET val = "
            "CONCAT(t.val, ',', '4')");
  EXPECT_EQ(SqlTxnAppend(SqlDialect::kMysql, 7, 4, 3),
            "INSERT INTO txn1 (id, sk, val) VALUES (7, 7, '4') ON DUPLICATE KEY UPDATE val = CONCAT(val, ',', '4')");
  EXPECT_EQ(SqlTxnWrite(SqlDialect::kMysql, 2, 9, 3),
            "INSERT INTO txn2 (id, sk, val) VALUES (2, 2, 9) ON DUPLICATE KEY UPDATE val = 9");
}

TEST(SqlStatementsTest, BeginAtTheIsolationLevel) {
  EXPECT_EQ(SqlBeginStatement(SqlDialect::kPostgres, SqlIsolation::kSerializable, false, false),
            "BEGIN ISOLATION LEVEL SERIALIZABLE");
  // A hot standby refuses SERIALIZABLE: the strongest it offers.
  EXPECT_EQ(SqlBeginStatement(SqlDialect::kPostgres, SqlIsolation::kSerializable, true, true),
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  EXPECT_EQ(SqlBeginStatement(SqlDialect::kMysql, SqlIsolation::kReadCommitted, true, false),
            "START TRANSACTION READ ONLY");
  EXPECT_EQ(SqlSessionStatement(SqlDialect::kMysql, SqlIsolation::kReadUncommitted),
            "SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED");
  EXPECT_EQ(SqlSessionStatement(SqlDialect::kPostgres, SqlIsolation::kReadCommitted), "");
}

TEST(SqlStatementsTest, ParsesCells) {
  auto list = SqlParseList(std::string("1,2,30"));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, json::parse("[1,2,30]"));
  EXPECT_TRUE(SqlParseList(std::nullopt)->is_null());
  EXPECT_FALSE(SqlParseList(std::string("1,,2")).ok());
  EXPECT_FALSE(SqlParseList(std::string("1,x")).ok());
  EXPECT_EQ(*SqlParseInt(std::string("-7")), json(-7));
  EXPECT_TRUE(SqlParseInt(std::nullopt)->is_null());
  EXPECT_FALSE(SqlParseInt(std::string("7.5")).ok());
}

}  // namespace
}  // namespace faultline
