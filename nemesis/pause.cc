// "pause": SIGSTOPs the store's process on target nodes and SIGCONTs it on
// stop-pause, through the Db's Pausable capability (pid files, never by name).
// See nemesis/process_fault.h for ops, values and targets.
#include "nemesis/nemesis_support.h"
#include "nemesis/node_selection.h"
#include "nemesis/process_fault.h"

namespace faultline {
namespace {

class PauseNemesis : public ProcessFault {
 public:
  using ProcessFault::ProcessFault;

 protected:
  Status Bind(Db* db) override {
    pausable_ = dynamic_cast<Pausable*>(db);
    if (pausable_ == nullptr) {
      return Status::Error("pause: the target's Db cannot pause its process (not Pausable)");
    }
    return Status::Ok();
  }
  Status Apply(const ClusterInfo& cluster, const NodeInfo& node) override {
    return pausable_->Pause(cluster, node);
  }
  Status Undo(const ClusterInfo& cluster, const NodeInfo& node) override {
    return pausable_->Resume(cluster, node);
  }

 private:
  Pausable* pausable_ = nullptr;
};

Result<std::unique_ptr<Nemesis>> MakePause(const NemesisOptions& options) {
  auto targets = ParseTargetSpecs(StringOption(options, "targets", ""));
  if (!targets.ok()) return targets.status().Prefixed("--fault-targets");
  return std::unique_ptr<Nemesis>(new PauseNemesis("pause", *targets));
}

Registrar<NemesisFactory> kPauseNemesis("pause",
                              "pause (SIGSTOP by pid file) the store on one/minority/majority/all "
                              "nodes, resume (SIGCONT) on stop",
                              &MakePause);

}  // namespace
}  // namespace faultline
