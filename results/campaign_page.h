// The campaign's matrix (harness/run/campaign_runner.h writes campaign.json):
// rows are every dimension but the last (e.g. target x workload), columns the
// last (e.g. nemesis); each cell holds its seeds' runs coloured as Jepsen does
// (valid blue, invalid pink, unknown orange; crashed grey, not applicable
// dashed), each linking to its run's report, and the cell's detection rate
// ("invalid 3/3"). As a self-contained page and as text for the terminal.
// Pure functions of the record; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace faultline {

// campaign.html; links are relative to `campaign_dir` (where the page goes).
std::string CampaignPageHtml(const nlohmann::json& record, const std::string& campaign_dir);

// The same matrix as aligned text, one line per row, then the totals.
std::string CampaignMatrixText(const nlohmann::json& record);

}  // namespace faultline
