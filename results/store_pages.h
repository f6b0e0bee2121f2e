// StorePages: what `faultline serve` shows (store_server.h), as pure-ish
// functions of the store: the run listing, the home page, a run's page and
// its live state. They read the runs index, directory names, and a run's own
// small files; they never write. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "harness/core/op.h"

namespace faultline {

// Seconds without a status.json update after which a "running" run is shown
// as "stale" (its controller may have died; the next run on its nodes heals
// what it left and marks it crashed).
inline constexpr double kStaleStatusS = 30;

// Every run of the store, newest first: the runs index's entries (runs_index.h)
// plus, for run directories the index does not know, {"run", "test",
// "started", "status": "unindexed"}. Reads the index and directory names only.
std::vector<json> ListRuns(const std::string& store_root);

// Every campaign of the store (<store>/campaigns/<name>/<stamp>/campaign.json,
// harness/run/campaign_runner.h), newest first: {"campaign": "<name>/<stamp>",
// "name", "stamp", "started", "finished", "exit_code", "counts": {outcome: n}}.
std::vector<json> ListCampaigns(const std::string& store_root);

// The state a run is shown in: "valid" / "invalid" / "unknown" (checked),
// "crashed", "running", "stale" (running without a status update for
// kStaleStatusS), "aborted" (ended without a check: a failed step, or a
// second interrupt), or "unindexed". `entry` is one of ListRuns; only running
// runs cost a read (their status.json); `now` is unix seconds.
std::string DisplayState(const std::string& store_root, const json& entry, double now);

// The home page: the campaigns (each linking to its campaign.html), then the
// runs. Filters: `test` keeps runs whose test name contains it;
// `verdict` (a DisplayState; "running" also matches "stale") keeps those;
// empty = all.
std::string HomePage(const std::string& store_root, const std::vector<json>& runs, const std::string& test,
                     const std::string& verdict, double now);

// The page of run `key` ("<test>/<stamp>", already checked to be a safe path
// to a run directory); `entry` is its ListRuns entry or null.
std::string RunPage(const std::string& store_root, const std::string& key, const json& entry, double now);

// {"state": DisplayState, "status": status.json or null} for /status/<key>.
json RunLiveState(const std::string& store_root, const std::string& key, const json& entry, double now);

}  // namespace faultline
