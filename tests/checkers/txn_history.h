// TxnHistory (tests only): hand-written transactional histories for the
// list-append and rw-register checker tests — events in the order given,
// index = position — and the two readers of a check's result they share.
// Not thread-safe.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "checkers/checker.h"
#include "harness/core/op.h"

namespace faultline::testing {

class TxnHistory {
 public:
  // `timed`: op times 1000 ns apart (else all 0).
  explicit TxnHistory(bool timed = true) : timed_(timed) {}
  TxnHistory& Invoke(int64_t p, json txn) {
    open_[p] = txn;
    return Push(p, OpType::kInvoke, std::move(txn));
  }
  // Completes p's open txn; `result` replaces nil reads when given.
  TxnHistory& Ok(int64_t p, json result) { return Push(p, OpType::kOk, std::move(result)); }
  // Fails p's open txn (with its invocation's value, or `txn`).
  TxnHistory& Fail(int64_t p) { return Push(p, OpType::kFail, open_[p]); }
  TxnHistory& Fail(int64_t p, json txn) { return Push(p, OpType::kFail, std::move(txn)); }
  TxnHistory& Info(int64_t p) { return Push(p, OpType::kInfo, nullptr); }
  // Invoke (reads nil) and ok at once.
  TxnHistory& Serial(int64_t p, json result) {
    json inv = result;
    for (auto& m : inv) {
      if (m[0] == "r") m[2] = nullptr;
    }
    Invoke(p, inv);
    return Ok(p, std::move(result));
  }
  const History& history() const { return h_; }

 private:
  TxnHistory& Push(int64_t p, OpType t, json v) {
    Op op;
    op.index = static_cast<int64_t>(h_.size());
    op.time = timed_ ? op.index * 1000 : 0;
    op.type = t;
    op.process = p;
    op.f = "txn";
    op.value = std::move(v);
    h_.push_back(std::move(op));
    return *this;
  }
  bool timed_;
  History h_;
  std::map<int64_t, json> open_;
};

// The anomaly types a check found.
inline std::vector<std::string> AnomalyTypes(const CheckResult& r) {
  return r.details["anomaly-types"].get<std::vector<std::string>>();
}

// The first cycle of `kind`: its steps' explanations, one per line.
inline std::string CycleSteps(const CheckResult& r, const std::string& kind) {
  std::string out;
  for (const auto& s : r.details["anomalies"][kind][0]["steps"]) out += s["why"].get<std::string>() + "\n";
  return out;
}

}  // namespace faultline::testing
