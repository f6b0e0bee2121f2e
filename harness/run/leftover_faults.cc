#include "harness/run/leftover_faults.h"

#include "harness/core/utc_time.h"
#include "harness/run/fault_ledger.h"
#include "results/run_store.h"

namespace faultline {

Result<LeftoverHeal> HealLeftoverFaults(const std::string& store_root, const ClusterInfo& cluster,
                                        Db* db, const std::string& healer) {
  auto leftovers = FindLeftoverRuns(store_root, cluster);
  if (!leftovers.ok()) return leftovers.status();
  LeftoverHeal out;
  if (leftovers->empty()) return out;
  out.node_reports = HealNodes(cluster, db);
  for (const auto& report : out.node_reports) {
    if (!report.errors.empty()) {
      return Status::Error("healing faults left by " + (*leftovers)[0].run_dir + ": " + report.node +
                           ": " + report.errors[0]);
    }
  }
  for (const auto& run : *leftovers) {
    std::string faults = DescribeFaults(run);
    if (run.exited) {
      out.lines.push_back("healed faults a previous run could not heal (" + run.run_dir + ": " +
                          run.heal_error + "): " + faults);
      continue;
    }
    out.lines.push_back("healed faults left by a crashed run (" + run.run_dir + "; controller pid " +
                        std::to_string(run.controller.pid) + " died): " + faults);
    nlohmann::json info = {{"detected_at", UtcNowIso8601()},
                           {"healed_by", healer},
                           {"controller_pid", run.controller.pid},
                           {"faults", faults},
                           {"active_faults", run.faults}};
    Status marked = MarkRunCrashed(run.run_dir, info);
    if (!marked.ok()) out.lines.push_back("could not mark it crashed: " + marked.message());
  }
  Status forgot = ForgetRuns(store_root, *leftovers);
  if (!forgot.ok()) return forgot;
  return out;
}

}  // namespace faultline
