// RunCampaign: runs a campaign's runs (campaign_spec.h) as real `faultline
// test` processes — one after another, or on several clusters at once (one
// run per cluster at a time) — and records each in
// <store>/campaigns/<name>/<timestamp>/campaign.json (rewritten atomically
// after every run, so an interrupted campaign keeps what it did), with
// campaign.html beside it (results/campaign_page.h).
//
// Per run: specs/<n>.json (its test.json), logs/<n>.log (the test's output),
// and in campaign.json its status — "done" (a verdict), "crashed" (exit 4 or
// no verdict: with its log tail), "interrupted", "not applicable" (with the
// reason) — cluster, run directory, verdict, whether the expectation held,
// availability (by ops, and the healthy/fault time split), ops/s, latency
// p50/p99, and the verdict line.
// The first SIGINT/SIGTERM is passed to the running tests (they heal, save and
// stop) and no new run starts; `resume_dir` reuses a campaign directory,
// keeping its done, crashed and not-applicable runs and running the rest.
// Thread-safe internally; call once per process.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/run/campaign_spec.h"

namespace faultline {

// Where a run goes: a local cluster name ("default", "c2") or a node file.
struct CampaignCluster {
  std::string name;                  // shown in the progress line and campaign.json
  std::vector<std::string> flags;    // --cluster-file F, or --nodes-file F
};

struct CampaignOptions {
  std::string store = "store";
  std::string resume_dir;                  // "" = a new campaign directory
  std::vector<CampaignCluster> clusters;   // at least one (the default local cluster)
  std::vector<std::string> extra_flags;    // passed to every `faultline test` (e.g. SSH flags)
};

struct CampaignOutcome {
  std::string dir;      // the campaign directory
  nlohmann::json record;  // campaign.json as written last
  int exit_code = 0;    // any crashed: 4; else any expectation missed: 1; without
                        // expectations any invalid 1, else any unknown 2; else 0
};

// Seconds the campaign will take: each run's time limit plus ~10 s of setup,
// checking and teardown, spread over the clusters.
double EstimateSeconds(const CampaignSpec& campaign, size_t clusters);

Result<CampaignOutcome> RunCampaign(const CampaignSpec& campaign, const CampaignOptions& options);

}  // namespace faultline
