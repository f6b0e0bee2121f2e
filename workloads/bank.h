// The bank workload's settings (workloads/bank.cc), shared with the targets
// that lay out its accounts (a SQL target creates the accounts table with
// BankInitialBalances when the run's workload is "bank"). Pure; thread-safe.
//
// Op vocabulary:
//   transfer       value {"from": a, "to": b, "amount": n} (a != b, 1 <= n <=
//                  max-transfer) -> ok: n moved from a to b in one txn; fail:
//                  not moved (a's balance was below n: "insufficient funds",
//                  or the txn aborted)
//   read-balances  value null -> ok: {"0": balance, "1": balance, ...}, every
//                  account's balance read in one txn
// Options (--workload-opt): accounts=N (default 8), total=N (the sum of all
// balances, default 100, spread evenly at the start), max-transfer=N
// (default 5), read-fraction=PERCENT (default 50), negative-balances=true
// (a negative balance is then no error; default false), balance-reads=
// txn|per-account (how a target reads the balances: one SELECT of every
// account, default, or one statement per account — the weaker way, which
// shows read skew under read committed).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace faultline {

struct BankOptions {
  int64_t accounts = 8;
  int64_t total = 100;
  int64_t max_transfer = 5;
  int64_t read_fraction = 50;
  bool negative_balances = false;
  bool per_account_reads = false;
};

// Error: an unknown key or a bad value, one line naming it ("workload bank: ...").
Result<BankOptions> ParseBankOptions(const std::map<std::string, std::string>& opts);

// Account i's balance at the start: total / accounts each, the remainder to
// the first ones (one more each).
std::vector<int64_t> BankInitialBalances(const BankOptions& options);

}  // namespace faultline
