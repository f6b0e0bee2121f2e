// `faultline check`: checks history files for linearizability.
//
//   faultline check [--model M] [--format F] [--initial JSON] [--strict-reads]
//                   [--no-partition] [--time-limit S] [--memory-limit MB]
//                   [--independent yes|no|auto]
//                   [--json] [--report DIR] FILE...
//   faultline check --model list-append|rw-register [--consistency-models M,...] FILE...
//
// --model list-append / rw-register check transactional histories (check_txn.h) instead of
// linearizability; --consistency-models applies only to them.
// Jepsen independent-key histories ([k v] tuples) are split into keys (auto
// for EDN and Jepsen logs); the verdict line then says so.
// One verdict line per file; invalid files get a short explanation. Exit 0 all
// valid, 1 any invalid, 2 any unknown (none invalid), 3 bad input (a flag, the
// model, or a file that cannot be read: one line naming the place).
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "checkers/linearizable.h"
#include "checkers/model.h"
#include "harness/cli/check_txn.h"
#include "harness/cli/cli.h"
#include "harness/history/edn.h"
#include "harness/history/history_reader.h"

namespace faultline {
namespace {

constexpr const char* kCmd = "check";

Status MakeDirs(const std::string& dir) {
  std::string path;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!path.empty() && mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        return Status::Error("cannot create directory " + path + ": " + std::strerror(errno));
      }
    }
    if (i < dir.size()) path += dir[i];
  }
  return Status::Ok();
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::Error("cannot write " + path);
  return Status::Ok();
}

std::string Basename(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string b = slash == std::string::npos ? path : path.substr(slash + 1);
  return b.empty() ? "history" : b;
}

int RunCheck(const std::vector<std::string>& args) {
  Flags flags(kCmd);
  std::string model = "kv", format_name = "auto", initial_text, report_dir, independent_name = "auto";
  std::string consistency_models = "strict-serializable";
  bool strict = false, no_partition = false, json_out = false;
  double time_limit = 0;
  long long memory_limit = 0;
  flags.String("model", &model,
               "model: " + CheckModelNames() + " (list-append and rw-register: transactions; default kv)");
  flags.String("consistency-models", &consistency_models,
               "with --model list-append or rw-register: models to check, comma-separated (default strict-serializable)", "LIST");
  flags.String("format", &format_name, "history format: auto|jsonl|edn|jepsen-log (default auto)");
  flags.String("independent", &independent_name,
               "values are jepsen.independent [key value] tuples: yes|no|auto (default auto: EDN and Jepsen "
               "logs whose every client op has one)", "MODE");
  flags.String("initial", &initial_text, "initial state as JSON (or EDN), e.g. 0 or '{\"x\":0,\"y\":0}'", "JSON");
  flags.Bool("strict-reads", &strict, "an ok read of null must match null (default: matches anything)");
  flags.Bool("no-partition", &no_partition, "check all keys as one search (diagnoses the search)");
  flags.Double("time-limit", &time_limit, "seconds per file before answering unknown (default none)");
  flags.Int("memory-limit", &memory_limit, "MB of search memory before answering unknown (default 3/4 of RAM)", "MB");
  flags.Bool("json", &json_out, "print one JSON object per file instead of text");
  flags.String("report", &report_dir, "write results.json and linearizability.html (list-append, rw-register: anomalies.html) to DIR");
  Status s = flags.Parse(args);
  if (!s.ok()) return BadInput(kCmd, s.message());
  if (flags.help_requested()) {
    std::printf("usage: faultline check [flags] FILE...\n\nChecks histories (JSONL, EDN, Jepsen logs) for "
                "linearizability,\nor with --model list-append / rw-register for transactional isolation.\nExit: 0 all valid, 1 any invalid, 2 any unknown, 3 bad input.\n\n%s",
                flags.Usage().c_str());
    return kExitValid;
  }
  if (flags.positionals().empty()) return BadInput(kCmd, "no history file given (usage: faultline check [flags] FILE...)");
  auto format = ParseHistoryFormat(format_name);
  if (!format.ok()) return BadInput(kCmd, "--format: " + format.status().message());
  auto independent = ParseIndependentMode(independent_name);
  if (!independent.ok()) return BadInput(kCmd, "--independent: " + independent.status().message());
  HistoryReadOptions read_options;
  read_options.format = *format;
  read_options.independent = *independent;
  if (time_limit < 0) return BadInput(kCmd, "--time-limit: must be >= 0");
  if (memory_limit < 0) return BadInput(kCmd, "--memory-limit: must be >= 0");
  if (model == "list-append" || model == "rw-register") {
    TxnCheckFlags txn;
    txn.model = model;
    txn.consistency_models = consistency_models;
    txn.format = *format;
    txn.time_limit_s = time_limit;
    txn.memory_limit_mb = static_cast<size_t>(memory_limit);
    txn.json_out = json_out;
    txn.report_dir = report_dir;
    return CheckTxnFiles(flags.positionals(), txn);
  }
  if (flags.WasSet("consistency-models")) {
    return BadInput(kCmd, "--consistency-models applies only to --model list-append and rw-register");
  }
  if (ModelRegistry::Get().Find(model) == nullptr) {
    return BadInput(kCmd, "--model: unknown model \"" + model + "\" (known: " + CheckModelNames() + ")");
  }
  LinearizableOptions options;
  options.model = model;
  options.strict_reads = strict;
  options.partition = !no_partition;
  options.time_limit_s = time_limit;
  options.memory_limit_mb = static_cast<size_t>(memory_limit);
  if (flags.WasSet("initial")) {
    try {
      options.initial = json::parse(initial_text);
    } catch (const json::parse_error&) {
      auto edn = ParseEdn(initial_text);
      if (!edn.ok()) return BadInput(kCmd, "--initial: \"" + initial_text + "\" is neither JSON nor EDN");
      options.initial = *edn;
    }
    if (options.initial.is_null()) options.initial = nullptr;
  }
  const auto& files = flags.positionals();
  bool any_bad = false, any_invalid = false, any_unknown = false;
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const std::string& file = files[fi];
    struct stat st;
    if (stat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      std::fprintf(stderr, "faultline check: %s: is a directory, not a history file\n", file.c_str());
      any_bad = true;
      continue;
    }
    HistoryReadInfo read_info;
    auto history = ReadHistoryFile(file, read_options, &read_info);
    if (!history.ok()) {
      std::fprintf(stderr, "faultline check: %s\n", history.status().message().c_str());
      any_bad = true;
      continue;
    }
    auto result = CheckLinearizable(*history, options);
    if (!result.ok()) {
      std::string hint;
      if (std::string txn = SuggestTxnModel(*history); !txn.empty()) {
        hint = "; its ops are transactions: check them with --model " +
               (txn.find(' ') == std::string::npos ? txn : "list-append or --model rw-register");
      }
      std::fprintf(stderr, "faultline check: %s: %s%s\n", file.c_str(), result.status().message().c_str(),
                   hint.c_str());
      any_bad = true;
      continue;
    }
    const CheckResult& r = *result;
    any_invalid |= r.valid == Validity::kInvalid;
    any_unknown |= r.valid == Validity::kUnknown;
    json out = {{"file", file}, {"valid", ValidityToJson(r.valid)}, {"linearizable", r.details}};
    out["linearizable"]["valid"] = ValidityToJson(r.valid);
    if (read_info.independent) out["independent_keys"] = read_info.keys;
    if (json_out) {
      std::printf("%s\n", out.dump().c_str());
    } else {
      char line[256];
      std::snprintf(line, sizeof line, " (%zu ops, %.3f s)", r.details["ops"].get<size_t>(),
                    r.details["elapsed_s"].get<double>());
      std::string suffix = read_info.independent
                               ? ", read as independent keys (" + std::to_string(read_info.keys) + " keys)"
                               : "";
      std::printf("%s: %s%s%s\n", file.c_str(), std::string(ValidityName(r.valid)).c_str(), line,
                  suffix.c_str());
      std::string why = ExplainLinearizable(r);
      if (!why.empty()) {
        size_t pos = 0;
        while (pos <= why.size()) {
          size_t nl = why.find('\n', pos);
          if (nl == std::string::npos) nl = why.size();
          std::printf("  %s\n", why.substr(pos, nl - pos).c_str());
          pos = nl + 1;
        }
      }
    }
    std::fflush(stdout);
    if (!report_dir.empty()) {
      std::string dir = files.size() == 1 ? report_dir
                                          : report_dir + "/" + std::to_string(fi + 1) + "-" + Basename(file);
      Status w = MakeDirs(dir);
      if (w.ok()) w = WriteFile(dir + "/results.json", out.dump(2) + "\n");
      if (w.ok()) w = WriteLinearizabilityHtml(r, *history, file, dir + "/linearizability.html");
      if (!w.ok()) {
        std::fprintf(stderr, "faultline check: --report: %s\n", w.message().c_str());
        return kExitInfra;
      }
      if (!json_out) std::printf("  report: %s/linearizability.html\n", dir.c_str());
    }
  }
  if (any_bad) return kExitBadInput;
  if (any_invalid) return kExitInvalid;
  if (any_unknown) return kExitUnknown;
  return kExitValid;
}

const Registrar<CommandFn> kRegisterCheck("check",
                                          "check history files for linearizability or transactional isolation "
                                          "(JSONL, EDN, Jepsen logs)",
                                          &RunCheck);

}  // namespace
}  // namespace faultline
