#include "checkers/stats_checker.h"

#include <map>

#include "checkers/op_pairs.h"

namespace faultline {
namespace {

struct Counts {
  int64_t ok = 0, fail = 0, info = 0, pending = 0;
  void Add(OpType t) {
    switch (t) {
      case OpType::kOk: ++ok; break;
      case OpType::kFail: ++fail; break;
      case OpType::kInfo: ++info; break;
      case OpType::kInvoke: ++pending; break;
    }
  }
  json ToJson() const {
    return {{"count", ok + fail + info}, {"ok", ok}, {"fail", fail}, {"info", info},
            {"pending", pending}};
  }
};

class StatsChecker : public Checker {
 public:
  std::string name() const override { return "stats"; }

  CheckResult Check(const TestInfo&, const History& history) override {
    PairedOps paired = PairClientOps(history);
    Counts all;
    std::map<std::string, Counts> by_f;
    for (const OpPair& p : paired.pairs) {
      OpType t = PairOutcome(history, p);
      all.Add(t);
      by_f[history[p.invoke].f].Add(t);
    }
    CheckResult r;
    r.details = all.ToJson();
    r.details["by_f"] = json::object();
    json never_ok = json::array();
    for (const auto& [f, c] : by_f) {
      json j = c.ToJson();
      j["valid"] = c.ok > 0;
      if (c.ok == 0) never_ok.push_back(f);
      r.details["by_f"][f] = j;
    }
    r.details["never_ok"] = never_ok;
    if (paired.malformed > 0) r.details["malformed_ops"] = paired.malformed;
    if (by_f.empty()) {
      r.valid = Validity::kUnknown;
      r.details["error"] = "no client operations in the history";
    } else if (!never_ok.empty()) {
      r.valid = Validity::kInvalid;
      r.details["error"] = "some operation kinds never succeeded: " + never_ok.dump();
    } else {
      r.valid = Validity::kValid;
    }
    return r;
  }
};

}  // namespace

std::unique_ptr<Checker> MakeStatsChecker(const StatsOptions&) {
  return std::make_unique<StatsChecker>();
}

}  // namespace faultline
