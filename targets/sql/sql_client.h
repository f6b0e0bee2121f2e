// SqlClient: the Client of the SQL targets (postgres, mysql). Every op runs
// as one SQL transaction at the target's isolation level (sql_statements.h
// has the tables and statements):
//   read / write / cas       register workload (key "k<N>")
//   set-add / set-read       set workload
//   txn                      list-append and rw-register micro-ops, in order,
//                            one statement each; a read returns what the
//                            statement saw (a list / integer, or null)
//   transfer / read-balances bank workload (workloads/bank.h)
// Outcomes follow SqlOutcome (sql_conn.h): errors before COMMIT and in
// read-only transactions are fail (after a ROLLBACK), an error answered to
// COMMIT is fail, a lost connection or timeout during COMMIT is info.
//
// Where it connects: with url=, that server; deployed, the first node's
// server (the primary), and with topology=primary-replicas and
// replica-reads=true read-only transactions go to the worker's own node
// (the completion's `node` says which). A lost connection is replaced at
// the next op; no connection possible: that op fails ("cannot connect")
// after a pause of 100 ms (at most request-timeout-ms), so a server that is
// down is not hammered.
//
// The first client of a target to open creates the workload's tables (drops
// them first) on the primary; the others wait for it (SqlSchemaOnce).
// Thread safety: one worker thread at a time (Client contract).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "targets/sql/sql_conn.h"
#include "targets/sql/sql_options.h"
#include "targets/target.h"

namespace faultline {

// Shared by the clients of one target: whether the tables exist yet.
struct SqlSchemaOnce {
  std::mutex mu;
  bool done = false;
};

class SqlClient final : public Client {
 public:
  SqlClient(SqlOptions options, std::shared_ptr<SqlSchemaOnce> schema)
      : options_(std::move(options)), schema_(std::move(schema)) {}

  // Error: the primary cannot be reached, or creating the tables failed.
  Status Open(const ClusterInfo& cluster, const NodeInfo& node) override;
  Op Invoke(const Op& invoke) override;
  void Close() override;

 private:
  struct Endpoint {
    SqlEndpoint where;
    std::string node;   // node name for the completion
    bool standby = false;
    std::unique_ptr<SqlConn> conn;
  };
  // The endpoint's connection, (re)connected; null with `error` set when it
  // cannot connect.
  SqlConn* Conn(Endpoint& e, std::string* error);
  // The op's statements (between BEGIN and COMMIT): false with `error` or
  // `refusal` set when one failed or the op cannot go on.
  bool Body(SqlConn& c, Op& out, struct SqlTxnError* error);

  const SqlOptions options_;
  std::shared_ptr<SqlSchemaOnce> schema_;
  std::string workload_;
  bool per_account_reads_ = false;
  int64_t accounts_ = 0;
  Endpoint primary_;
  Endpoint reads_;  // used when replica reads are on and this worker's node is a replica
  bool separate_reads_ = false;
};

}  // namespace faultline
