// `faultline check --model list-append|rw-register`: the transactional branch of the check
// command (check_command.cc parses the flags and calls this). Kept apart so the
// linearizability path stays as it was.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "harness/history/history_reader.h"

namespace faultline {

// The transactional models `check --model` takes besides the registered
// linearizability models (ModelRegistry), each with a one-line summary.
const std::vector<std::pair<std::string, std::string>>& TxnModels();

// Every model `check --model` accepts, sorted, ", "-joined (for errors).
std::string CheckModelNames();

// For a history checked as kv that holds transactions (ops with f "txn"):
// the model to check it with — "list-append" when a micro-op appends,
// "rw-register" when one writes ("w"), "list-append or rw-register" when
// they only read — or "" when there is no txn op.
std::string SuggestTxnModel(const History& history);

struct TxnCheckFlags {
  std::string model = "list-append";  // or "rw-register"
  std::string consistency_models = "strict-serializable";
  HistoryFormat format = HistoryFormat::kAuto;
  double time_limit_s = 0;
  size_t memory_limit_mb = 0;
  bool json_out = false;
  std::string report_dir;  // results.json and anomalies.html (results/txn_cycles_html.h) per file when set
};

// Checks each file; prints one verdict line (or JSON object) per file, and
// for anomalies their explanation. Returns the check command's exit code:
// 0 all valid, 1 any invalid, 2 any unknown, 3 bad input (one line on stderr
// naming the file and line), 4 when the report cannot be written.
// With a report_dir, each file's results.json and anomalies.html (every
// anomaly, cycles drawn) go to report_dir, or report_dir/N for the Nth file
// of several.
int CheckTxnFiles(const std::vector<std::string>& files, const TxnCheckFlags& flags);

}  // namespace faultline
