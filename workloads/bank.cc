// Workload "bank": Jepsen's bank test — transfers between accounts in
// transactions, and reads of every balance; each read's total must be the
// initial total and (unless negative-balances=true) no balance negative
// (checkers/bank_checker.h). Ops and options: workloads/bank.h. The target
// creates the accounts with BankInitialBalances (it reads the run's
// workload options from ClusterInfo). No final phase.
#include "workloads/bank.h"

#include "checkers/bank_checker.h"
#include "workloads/workload.h"

namespace faultline {

Result<BankOptions> ParseBankOptions(const std::map<std::string, std::string>& opts) {
  static constexpr char kName[] = "bank";
  WorkloadOptions w;
  w.opts = opts;
  Status s = CheckWorkloadOptionKeys(
      kName, w, {"accounts", "total", "max-transfer", "read-fraction", "negative-balances", "balance-reads"});
  if (!s.ok()) return s;
  BankOptions o;
  auto accounts = WorkloadIntOption(kName, w, "accounts", 8, 2, 1000);
  if (!accounts.ok()) return accounts.status();
  auto total = WorkloadIntOption(kName, w, "total", 100, 0, 1000000000000LL);
  if (!total.ok()) return total.status();
  auto max_transfer = WorkloadIntOption(kName, w, "max-transfer", 5, 1, 1000000000);
  if (!max_transfer.ok()) return max_transfer.status();
  auto reads = WorkloadIntOption(kName, w, "read-fraction", 50, 0, 100);
  if (!reads.ok()) return reads.status();
  auto negative = WorkloadBoolOption(kName, w, "negative-balances", false);
  if (!negative.ok()) return negative.status();
  auto it = opts.find("balance-reads");
  if (it != opts.end() && it->second != "txn" && it->second != "per-account") {
    return Status::Error("workload bank: option balance-reads=\"" + it->second + "\" must be txn or per-account");
  }
  o.accounts = *accounts;
  o.total = *total;
  o.max_transfer = *max_transfer;
  o.read_fraction = *reads;
  o.negative_balances = *negative;
  o.per_account_reads = it != opts.end() && it->second == "per-account";
  return o;
}

std::vector<int64_t> BankInitialBalances(const BankOptions& options) {
  std::vector<int64_t> out(static_cast<size_t>(options.accounts), options.total / options.accounts);
  for (int64_t i = 0; i < options.total % options.accounts; ++i) ++out[static_cast<size_t>(i)];
  return out;
}

namespace {

class BankWorkload : public Workload {
 public:
  explicit BankWorkload(BankOptions o) : o_(o) {}

  GenPtr Generator() override {
    return FromFn([o = o_](Rng& rng, const Context&) -> std::optional<Op> {
      Op op;
      if (static_cast<int64_t>(rng.Below(100)) < o.read_fraction) {
        op.f = "read-balances";
        return op;
      }
      op.f = "transfer";
      int64_t from = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(o.accounts)));
      int64_t to = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(o.accounts - 1)));
      if (to >= from) ++to;
      int64_t amount = 1 + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(o.max_transfer)));
      op.value = {{"from", from}, {"to", to}, {"amount", amount}};
      return op;
    });
  }

  GenPtr FinalGenerator() override { return nullptr; }

  Result<std::unique_ptr<Checker>> MakeChecker() override {
    BankCheckOptions c;
    c.accounts = o_.accounts;
    c.total = o_.total;
    c.negative_balances = o_.negative_balances;
    return MakeBankChecker(c);
  }

  std::set<std::string> RequiredFs() const override { return {"transfer", "read-balances"}; }

 private:
  const BankOptions o_;
};

Result<std::unique_ptr<Workload>> MakeBank(const WorkloadOptions& options) {
  auto o = ParseBankOptions(options.opts);
  if (!o.ok()) return o.status();
  return std::unique_ptr<Workload>(new BankWorkload(*o));
}

Registrar<WorkloadFactory> kBankWorkload("bank",
                               "Jepsen's bank: transfers between accounts in txns + reads of all balances; "
                               "every read's total must be the initial total, no balance negative",
                               &MakeBank);

}  // namespace
}  // namespace faultline
