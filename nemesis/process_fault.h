// ProcessFault: the shared shape of the "kill" and "pause" nemeses — a fault
// applied to the store's process on some target nodes and undone on exactly
// those nodes (never by process name: the Db's capabilities use pid files).
//
// start-X picks targets ("targets" option: one|minority|majority|all or a
// role, leader|primaries|non-leader, asked of the Db's HasRoles at that
// moment; a comma list to pick from; default the four counts) unless op.value
// is {"nodes": [...]} or {"targets": "leader"} (one start's own spec),
// applies the fault to them in parallel and returns {"nodes", "targets"}
// (+ "why": how a role was found).
// stop-X undoes it on the nodes still faulted and returns {"nodes"}. Heal
// undoes it wherever it is still applied. Calls are serialised by a mutex.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "nemesis/nemesis.h"

namespace faultline {

class ProcessFault : public Nemesis {
 public:
  // `fault` is the op suffix ("kill" -> start-kill/stop-kill).
  ProcessFault(std::string fault, std::vector<std::string> targets)
      : fault_(std::move(fault)), targets_(std::move(targets)) {}

  std::string name() const override { return fault_; }
  std::vector<FaultPair> Faults() const override {
    return {{"start-" + fault_, "stop-" + fault_}};
  }
  Status Setup(const ClusterInfo& cluster, Db* db) override;
  Status CheckTarget(Db* db) override;
  // The Db signals its store by pid (SIGKILL, SIGSTOP/SIGCONT).
  std::vector<NodeNeed> NodeNeeds() const override { return {NodeNeed::kSignals}; }
  Op Invoke(const Op& op, Rng& rng) override;
  Status Heal() override;
  // Marks start_value["nodes"] as faulted, so stop/Heal undo them there.
  Status Adopt(const nlohmann::json& start_value) override;

 protected:
  // Finds the capability in `db`; error (naming it) when the Db lacks it.
  virtual Status Bind(Db* db) = 0;
  virtual Status Apply(const ClusterInfo& cluster, const NodeInfo& node) = 0;
  virtual Status Undo(const ClusterInfo& cluster, const NodeInfo& node) = 0;

 private:
  // Undoes the fault on every node in faulted_; keeps those that failed.
  Status UndoAll();

  std::mutex mu_;
  const std::string fault_;
  const std::vector<std::string> targets_;
  ClusterInfo cluster_;
  HasRoles* roles_ = nullptr;
  std::mutex faulted_mu_;
  std::set<std::string> faulted_;  // nodes where the fault is applied
};

}  // namespace faultline
