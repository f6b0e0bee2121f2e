// Bank checker ("bank"): Jepsen's bank checker for the bank workload
// (workloads/bank.h). Every ok `read-balances` (value {"<account>": balance})
// must name exactly the accounts 0..accounts-1, hold integer balances whose
// total is the initial total (money is neither made nor lost by transfers),
// and, unless negative balances are allowed, no negative balance. Each read
// breaking a rule is an error: wrong-accounts, wrong-total, negative-balance
// (one read may have several). No ok read at all => unknown.
//
// details: {"reads", "transfers": {"ok","fail","info"}, "expected_total",
//   "error_count", "error_counts": {type: n}, "errors": [{"index","time_s",
//   "type","total","balances"}] (first 100), "totals": [[time_s, total], ...]
//   (the ok reads' totals in history order: every wrong one, up to 5000,
//   and the right ones sampled evenly to about 5000),
//   "min_total", "max_total", "message" (invalid: one line, e.g. "12 of 212
//   balance reads wrong: wrong-total (12); totals 94..106, expected 100")}.
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "checkers/checker.h"

namespace faultline {

struct BankCheckOptions {
  int64_t accounts = 8;
  int64_t total = 100;
  bool negative_balances = false;  // true: a negative balance is no error
};

std::unique_ptr<Checker> MakeBankChecker(const BankCheckOptions& options);

}  // namespace faultline
