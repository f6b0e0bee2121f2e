// "kill": SIGKILLs the store's process on target nodes and restarts it on
// stop-kill, through the Db's Killable capability (pid files, never by name).
// See nemesis/process_fault.h for ops, values and targets.
#include "nemesis/nemesis_support.h"
#include "nemesis/node_selection.h"
#include "nemesis/process_fault.h"

namespace faultline {
namespace {

class KillNemesis : public ProcessFault {
 public:
  using ProcessFault::ProcessFault;

 protected:
  Status Bind(Db* db) override {
    killable_ = dynamic_cast<Killable*>(db);
    if (killable_ == nullptr) {
      return Status::Error("kill: the target's Db cannot kill and restart its process (not Killable)");
    }
    return Status::Ok();
  }
  Status Apply(const ClusterInfo& cluster, const NodeInfo& node) override {
    return killable_->Kill(cluster, node);
  }
  Status Undo(const ClusterInfo& cluster, const NodeInfo& node) override {
    return killable_->Start(cluster, node);
  }

 private:
  Killable* killable_ = nullptr;
};

Result<std::unique_ptr<Nemesis>> MakeKill(const NemesisOptions& options) {
  auto targets = ParseTargetSpecs(StringOption(options, "targets", ""));
  if (!targets.ok()) return targets.status().Prefixed("--fault-targets");
  return std::unique_ptr<Nemesis>(new KillNemesis("kill", *targets));
}

Registrar<NemesisFactory> kKillNemesis("kill",
                              "crash (SIGKILL by pid file) the store on one/minority/majority/all "
                              "nodes, restart it on stop",
                              &MakeKill);

}  // namespace
}  // namespace faultline
