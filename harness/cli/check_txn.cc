#include "harness/cli/check_txn.h"

#include <cstdio>
#include <filesystem>
#include <set>

#include "checkers/list_append.h"
#include "checkers/model.h"
#include "checkers/rw_register.h"
#include "checkers/txn_load.h"
#include "harness/core/flags.h"
#include "nemesis/nemesis_support.h"
#include "results/run_store.h"
#include "results/txn_cycles_html.h"

namespace faultline {
namespace {

// results.json under `dir` (made as needed), written atomically and durably
// like a run's (results/run_store.h).
Status WriteResults(const std::string& dir, const json& out) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Error("cannot create directory " + dir + ": " + ec.message());
  return WriteJsonFile(dir + "/results.json", out);
}
}  // namespace

const std::vector<std::pair<std::string, std::string>>& TxnModels() {
  static const std::vector<std::pair<std::string, std::string>> models = {
      {"list-append", "transactions appending to and reading lists: isolation anomalies (Elle)"},
      {"rw-register", "transactions writing and reading registers: isolation anomalies (Elle)"},
  };
  return models;
}

std::string CheckModelNames() {
  std::set<std::string> names;
  for (const auto* e : ModelRegistry::Get().All()) names.insert(e->name);
  for (const auto& [name, summary] : TxnModels()) names.insert(name);
  std::string joined;
  for (const auto& n : names) joined += (joined.empty() ? "" : ", ") + n;
  return joined;
}

std::string SuggestTxnModel(const History& history) {
  bool txn = false, append = false, write = false;
  for (const Op& op : history) {
    if (op.f != "txn") continue;
    txn = true;
    if (!op.value.is_array()) continue;
    for (const auto& mop : op.value) {
      if (!mop.is_array() || mop.empty() || !mop[0].is_string()) continue;
      const std::string f = mop[0].get<std::string>();
      append |= f == "append";
      write |= f == "w";
    }
  }
  if (!txn) return "";
  if (append && !write) return "list-append";
  if (write && !append) return "rw-register";
  return "list-append or rw-register";
}

int CheckTxnFiles(const std::vector<std::string>& files, const TxnCheckFlags& flags) {
  ListAppendOptions options;
  options.consistency_models = SplitCommas(flags.consistency_models);
  options.time_limit_s = flags.time_limit_s;
  options.memory_limit_mb = flags.memory_limit_mb;
  if (auto c = MakeListAppendChecker(options); !c.ok()) {
    return BadInput("check", "--consistency-models: " + c.status().message());
  }
  txn::TxnModel model = flags.model == "rw-register" ? txn::TxnModel::kRwRegister : txn::TxnModel::kListAppend;
  bool any_bad = false, any_invalid = false, any_unknown = false;
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const std::string& file = files[fi];
    // Streamed into the compact form: never a whole History of json ops.
    auto history = txn::LoadTxnHistoryFile(file, flags.format, model);
    if (!history.ok()) {
      std::fprintf(stderr, "faultline check: %s\n", history.status().message().c_str());
      any_bad = true;
      continue;
    }
    auto result = model == txn::TxnModel::kRwRegister ? CheckRwRegister(*history, options)
                                                      : CheckListAppend(*history, options);
    if (!result.ok()) {
      std::fprintf(stderr, "faultline check: %s\n", result.status().message().c_str());
      any_bad = true;
      continue;
    }
    const CheckResult& r = *result;
    any_invalid |= r.valid == Validity::kInvalid;
    any_unknown |= r.valid == Validity::kUnknown;
    json out = {{"file", file}, {"valid", ValidityToJson(r.valid)}, {flags.model, r.details}};
    out[flags.model]["valid"] = ValidityToJson(r.valid);
    if (flags.json_out) {
      std::printf("%s\n", out.dump().c_str());
    } else {
      const json& t = r.details["txns"];
      size_t n = t["ok"].get<size_t>() + t["info"].get<size_t>() + t["fail"].get<size_t>();
      std::printf("%s: %s (%s, %zu txns, %.3f s)\n", file.c_str(), std::string(ValidityName(r.valid)).c_str(),
                  flags.model.c_str(), n, r.details["elapsed_s"].get<double>());
      std::string why = ExplainTxnCheck(r);
      size_t pos = 0;
      while (!why.empty() && pos <= why.size()) {
        size_t nl = why.find('\n', pos);
        if (nl == std::string::npos) nl = why.size();
        std::printf("  %s\n", why.substr(pos, nl - pos).c_str());
        pos = nl + 1;
      }
    }
    std::fflush(stdout);
    if (!flags.report_dir.empty()) {
      std::string dir = files.size() == 1 ? flags.report_dir : flags.report_dir + "/" + std::to_string(fi + 1);
      Status w = WriteResults(dir, out);
      // The anomalies drawn (each cycle as a figure), beside results.json.
      if (w.ok()) {
        w = WriteTextFile(dir + "/anomalies.html", TxnAnomaliesPage(out[flags.model], flags.model + " check of " + file));
      }
      if (!w.ok()) {
        std::fprintf(stderr, "faultline check: --report: %s\n", w.message().c_str());
        return kExitInfra;
      }
      if (!flags.json_out) std::printf("  report: %s/results.json, %s/anomalies.html\n", dir.c_str(), dir.c_str());
    }
  }
  if (any_bad) return kExitBadInput;
  if (any_invalid) return kExitInvalid;
  if (any_unknown) return kExitUnknown;
  return kExitValid;
}

}  // namespace faultline
