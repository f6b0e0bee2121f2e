#include "workloads/txn_workload.h"


#include "harness/core/split_commas.h"
#include "workloads/key_pool.h"

namespace faultline {
namespace {

struct TxnGenOptions {
  int64_t keys = 8, max_txn_length = 4, max_writes_per_key = 32, read_percent = 50;
};

class TxnWorkload : public Workload {
 public:
  TxnWorkload(TxnWorkloadModel model, TxnGenOptions gen, TxnCheckOptions check)
      : model_(std::move(model)), gen_(gen), check_(std::move(check)) {}

  GenPtr Generator() override {
    return FromFn([pool = KeyPool(gen_.keys, gen_.max_writes_per_key), gen = gen_, write = model_.write_mop](
                      Rng& rng, const Context&) mutable -> std::optional<Op> {
      Op op;
      op.f = "txn";
      op.value = json::array();
      const uint64_t length = 1 + rng.Below(static_cast<uint64_t>(gen.max_txn_length));
      for (uint64_t i = 0; i < length; ++i) {
        const size_t slot = pool.Pick(rng);
        const int64_t key = pool.Key(slot);
        if (static_cast<int64_t>(rng.Below(100)) < gen.read_percent) {
          op.value.push_back(json::array({"r", key, nullptr}));
        } else {
          // Only writes count toward retiring a key; their values 1, 2, ... are unique per key.
          op.value.push_back(json::array({write, key, pool.Use(slot)}));
        }
      }
      return op;
    });
  }

  GenPtr FinalGenerator() override { return nullptr; }

  Result<std::unique_ptr<Checker>> MakeChecker() override { return model_.make_checker(check_); }

  std::set<std::string> RequiredFs() const override {
    if (gen_.max_txn_length == 1) return {"txn-single"};
    return {"txn-single", "txn"};
  }

 private:
  TxnWorkloadModel model_;
  TxnGenOptions gen_;
  TxnCheckOptions check_;
};

}  // namespace

const char* const kTxnWorkloadOptionsHelp =
    "options of list-append and rw-register (--workload-opt KEY=VALUE):\n"
    "  keys=N                  keys in use at once (default 8): fewer keys, more txns meet on one\n"
    "                          key (more contention, more anomalies); more keys, less contention\n"
    "  max-txn-length=N        micro-ops per txn, 1..N (default 4): multi-key anomalies (write skew,\n"
    "                          read skew) need 2 or more; 1 for stores without transactions\n"
    "  max-writes-per-key=N    writes before a key is retired for a fresh one (list-append 32,\n"
    "                          rw-register 4): list-append reads whole version orders, so long\n"
    "                          lists cost little; rw-register orders versions only where a txn\n"
    "                          reads one and overwrites it, so young keys (reads of the initial nil)\n"
    "                          find far more (write skew on PostgreSQL's REPEATABLE READ: none in\n"
    "                          20 s at 32, dozens at 4); larger values check faster but find less\n"
    "  read-fraction=PERCENT   reads among micro-ops (default 50): reads are what reveal anomalies,\n"
    "                          writes what create them\n"
    "  consistency-models=a,b  models to judge by (default strict-serializable), as\n"
    "                          --consistency-models\n";

Result<std::unique_ptr<Workload>> MakeTxnWorkload(const TxnWorkloadModel& model, const WorkloadOptions& options) {
  const std::string& name = model.name;
  Status s = CheckWorkloadOptionKeys(
      name, options, {"keys", "max-txn-length", "max-writes-per-key", "read-fraction", "consistency-models"});
  if (!s.ok()) return s;
  TxnGenOptions gen;
  gen.max_writes_per_key = model.default_max_writes_per_key;
  struct IntOption {
    const char* key;
    int64_t* out;
    int64_t min, max;
  };
  for (const IntOption& o : {IntOption{"keys", &gen.keys, 1, 100000},
                             IntOption{"max-txn-length", &gen.max_txn_length, 1, 1000},
                             IntOption{"max-writes-per-key", &gen.max_writes_per_key, 1, 1000000000},
                             IntOption{"read-fraction", &gen.read_percent, 0, 100}}) {
    auto v = WorkloadIntOption(name, options, o.key, *o.out, o.min, o.max);
    if (!v.ok()) return v.status();
    *o.out = *v;
  }
  TxnCheckOptions check;
  if (auto it = options.opts.find("consistency-models"); it != options.opts.end()) {
    check.consistency_models = SplitCommas(it->second);
  }
  // Refuse an unknown model now, before any node is touched.
  if (auto c = model.make_checker(check); !c.ok()) {
    return Status::Error("workload " + name + ": option consistency-models: " + c.status().message());
  }
  return std::unique_ptr<Workload>(new TxnWorkload(model, gen, std::move(check)));
}

}  // namespace faultline
