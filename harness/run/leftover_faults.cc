#include "harness/run/leftover_faults.h"

#include "harness/core/utc_time.h"
#include "harness/run/fault_ledger.h"
#include "results/run_store.h"

namespace faultline {

std::string LeftoverHeal::FirstError() const {
  for (const auto& report : node_reports) {
    if (!report.errors.empty()) return report.node + ": " + report.errors[0];
  }
  return "";
}

Result<LeftoverHeal> HealLeftoverFaults(const std::string& store_root, const ClusterInfo& cluster,
                                        Db* db, const std::string& healer, bool refuse_live_runs) {
  LeftoverHeal out;
  auto live = FindLiveRuns(store_root, cluster);
  if (!live.ok()) return live.status();
  for (const auto& run : *live) {
    std::string what = "run " + run.run_dir + " (controller pid " + std::to_string(run.controller.pid) +
                       ", alive) is using these nodes";
    if (refuse_live_runs) {
      return Status::Error(what + ": wait for it to end, or stop it (kill " +
                           std::to_string(run.controller.pid) + ") and try again");
    }
    out.lines.push_back("warning: " + what + "; healing its faults too: " + DescribeFaults(run));
  }
  auto leftovers = FindLeftoverRuns(store_root, cluster);
  if (!leftovers.ok()) return leftovers.status();
  out.node_reports = HealNodes(cluster, db);
  for (const auto& report : out.node_reports) {
    if (!report.errors.empty()) return out;  // the ledger keeps its records for the next try
  }
  for (const auto& run : *leftovers) {
    std::string faults = DescribeFaults(run);
    if (run.manual) {
      if (!run.faults.empty()) {
        out.lines.push_back("healed faults started by hand (faultline fault start): " + faults);
      }
      continue;
    }
    if (run.exited) {
      out.lines.push_back("healed faults a previous run could not heal (" + run.run_dir + ": " +
                          run.heal_error + "): " + faults);
      continue;
    }
    out.lines.push_back("healed faults left by a crashed run (" + run.run_dir + "): " + faults);
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
