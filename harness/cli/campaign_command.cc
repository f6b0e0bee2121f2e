// `faultline campaign FILE [--resume DIR] [--clusters a,b] [--only k=v,...]
// [--dry-run] [--store DIR]`: runs a matrix of tests (harness/run/campaign_spec.h,
// campaign_runner.h) and prints the matrix at the end. Exit: any run crashed
// 4; else any expectation not met 1; without expectations any invalid 1,
// else any unknown 2; else 0. A bad campaign file: 3, nothing run.
#include <sys/stat.h>

#include <cstdio>

#include "harness/cli/cli.h"
#include "harness/control/local_cluster.h"
#include "harness/run/campaign_runner.h"
#include "harness/run/campaign_spec.h"
#include "harness/core/split_commas.h"
#include "results/campaign_page.h"

namespace faultline {
namespace {

int RunCampaignCommand(const std::vector<std::string>& args) {
  Flags flags("campaign");
  std::string resume, clusters, only, store = "store";
  bool dry_run = false;
  flags.String("resume", &resume, "campaign directory of an interrupted campaign: run what is missing");
  flags.String("clusters", &clusters,
               "run on these local clusters (names) or node files, in parallel, one run per cluster "
               "at a time (default: the local cluster)", "LIST");
  flags.String("only", &only, "run only the runs whose spec has k=v (comma list: workload=set, seed=1, mode=paxos for a target option)", "K=V,...");
  flags.Bool("dry-run", &dry_run, "print the runs and the estimated time; run nothing");
  flags.String("store", &store, "results directory (default store); campaigns go to <store>/campaigns/");
  Status parsed = flags.Parse(args);
  if (!parsed.ok()) return BadInput("campaign", parsed.message());
  if (flags.help_requested()) {
    std::printf("usage: faultline campaign FILE [--resume DIR] [--clusters a,b] [--only k=v,...] [--dry-run]\n\n%s",
                flags.Usage().c_str());
    return kExitValid;
  }
  if (flags.positionals().size() != 1) return BadInput("campaign", "expected one campaign file");
  std::vector<std::pair<std::string, std::string>> filters;
  for (const auto& kv : SplitCommas(only)) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return BadInput("campaign", "--only: \"" + kv + "\" is not k=v");
    filters.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  auto campaign = LoadCampaign(flags.positionals()[0], filters);
  if (!campaign.ok()) return BadInput("campaign", campaign.status().message());

  CampaignOptions options;
  options.store = store;
  options.resume_dir = resume;
  for (const auto& c : SplitCommas(clusters)) {
    struct stat st {};
    if (c.find('/') != std::string::npos || ::stat(c.c_str(), &st) == 0) {
      if (::stat(c.c_str(), &st) != 0) return BadInput("campaign", "--clusters: no file " + c);
      // A local cluster's cluster.json, or a node file (one node per line).
      bool cluster_file = c.size() > 5 && c.compare(c.size() - 5, 5, ".json") == 0;
      options.clusters.push_back({c, {cluster_file ? "--cluster-file" : "--nodes-file", c}});
    } else {
      std::string file = ClusterFilePath(c);
      if (::stat(file.c_str(), &st) != 0) {
        return BadInput("campaign", "--clusters: no local cluster \"" + c + "\" (" + file +
                                        " is missing: faultline cluster up --name " + c + ")");
      }
      options.clusters.push_back({c, {"--cluster-file", file}});
    }
  }
  if (options.clusters.empty()) options.clusters.push_back({"local", {}});

  if (dry_run) {
    for (const auto& r : campaign->runs) {
      std::printf("%3zu  %s%s\n", r.index, r.key.c_str(),
                  r.not_applicable.empty() ? "" : ("  (not applicable: " + r.not_applicable + ")").c_str());
    }
    std::printf("%zu runs; about %.0f s on %zu cluster%s\n", campaign->runs.size(),
                EstimateSeconds(*campaign, options.clusters.size()), options.clusters.size(),
                options.clusters.size() == 1 ? "" : "s");
    return kExitValid;
  }
  auto outcome = RunCampaign(*campaign, options);
  if (!outcome.ok()) {
    std::fprintf(stderr, "faultline campaign: %s\n", outcome.status().message().c_str());
    return kExitInfra;
  }
  std::printf("\n%s\ncampaign: %s/campaign.json, %s/campaign.html — exit %d\n",
              CampaignMatrixText(outcome->record).c_str(), outcome->dir.c_str(), outcome->dir.c_str(),
              outcome->exit_code);
  return outcome->exit_code;
}

Registrar<CommandFn> kCampaignCommand("campaign", "run a matrix of tests (targets x workloads x faults x seeds), resumable",
                         &RunCampaignCommand);

}  // namespace
}  // namespace faultline
