#include "harness/run/run_scopes.h"

#include <exception>
#include <string>
#include <thread>

namespace faultline {

Status ForEachNode(const ClusterInfo& cluster, const std::function<Status(const NodeInfo&)>& fn) {
  std::vector<Status> results(cluster.nodes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < cluster.nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        results[i] = fn(cluster.nodes[i]);
      } catch (const std::exception& e) {
        results[i] = Status::Error(std::string("threw: ") + e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) return results[i].Prefixed(cluster.nodes[i].name);
  }
  return Status::Ok();
}

void DbScope::Teardown() {
  if (!db_ || done_) return;
  done_ = true;
  if (leave_running_) {
    log_->Line("leaving the db running (--leave-db-running)");
    return;
  }
  log_->Line("tearing down the db");
  Status s = ForEachNode(*cluster_, [&](const NodeInfo& n) { return db_->Teardown(*cluster_, n); });
  if (!s.ok()) log_->Line("teardown: " + s.message());
}

Status HealScope::HealAll() {
  Status first = Status::Ok();
  for (auto& n : *nemeses_) {
    Status s = Status::Ok();
    try {
      s = n->Heal().Prefixed("heal " + n->name());
    } catch (const std::exception& e) {
      s = Status::Error("heal " + n->name() + " threw: " + e.what());
    }
    if (s.ok()) continue;
    log_->Line(s.message());
    if (first.ok()) first = s;
  }
  return first;
}

HealScope::~HealScope() {
  Status healed = HealAll();
  if (!ledger_) return;
  if (healed.ok()) {
    ledger_->Close();
  } else {
    ledger_->CloseUnhealed(healed.message());
  }
}

}  // namespace faultline
