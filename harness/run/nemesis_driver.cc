#include "harness/run/nemesis_driver.h"


namespace faultline {

void FaultBoard::Starting(const std::string& fault) {
  if (ledger_) ledger_->Starting(fault);
}

void FaultBoard::Started(const std::string& fault, const json& value) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_.insert(fault);
  }
  if (ledger_) ledger_->Applied(fault, value);
}

void FaultBoard::Stopped(const std::string& fault, bool healed) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_.erase(fault);
  }
  if (ledger_ && healed) ledger_->Healed(fault);
}

std::set<std::string> FaultBoard::Active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}

NemesisExecutor::NemesisExecutor(const std::vector<Nemesis*>& nemeses, uint64_t seed,
                                 FaultBoard* board)
    : rng_(seed), board_(board) {
  for (Nemesis* n : nemeses) {
    for (const auto& pair : n->Faults()) {
      by_f_[pair.start] = n;
      by_f_[pair.stop] = n;
    }
  }
}

Op NemesisExecutor::Execute(const Op& invoke) {
  auto it = by_f_.find(invoke.f);
  if (it == by_f_.end()) {
    Op out = invoke;
    out.type = OpType::kInfo;
    out.error = "no nemesis handles \"" + invoke.f + "\"";
    return out;
  }
  const std::string& f = invoke.f;
  const bool start = f.rfind("start-", 0) == 0, stop = f.rfind("stop-", 0) == 0;
  if (start) board_->Starting(f.substr(6));
  Op out = it->second->Invoke(invoke, rng_);
  out.type = OpType::kInfo;
  out.process = kNemesisProcess;
  if (start) board_->Started(f.substr(6), out.value);
  if (stop) board_->Stopped(f.substr(5), out.error.empty());
  return out;
}

}  // namespace faultline
