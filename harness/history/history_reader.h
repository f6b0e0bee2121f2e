// harness/history — histories on disk: the readers (JSONL, EDN, Jepsen logs)
// and the streaming writer. Depends only on harness/core.
//
// Reading histories from disk: faultline's JSON Lines, Jepsen/Knossos EDN and
// Jepsen text logs, with validation of the process model.
//
// Every reader returns either a complete, validated History or ONE error line
// "path:line: reason" (never a crash, never a silently skipped line).
// Validation (the process model of DESIGN.md §1): a client process has at most
// one open operation; every completion (ok/fail/info) follows an invoke of the
// same process with the same f; a process whose op ended with info never
// invokes again. Nemesis events are not validated. Invocations still open at
// the end of the file are kept as they are: checkers treat them like info
// (indeterminate, pending forever). Ops without an "index" get their 0-based
// position in the file. Stateless functions; safe to call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"
#include "harness/history/independent_keys.h"
#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

enum class HistoryFormat { kAuto, kJsonl, kEdn, kJepsenLog };

// "auto" | "jsonl" | "edn" | "jepsen-log"; the error lists the known names.
Result<HistoryFormat> ParseHistoryFormat(const std::string& name);
std::string_view HistoryFormatName(HistoryFormat format);

struct HistoryReadOptions {
  HistoryFormat format = HistoryFormat::kAuto;
  // Independent-key tuples (harness/history/independent_keys.h): kAuto splits them
  // for EDN and Jepsen logs when the history looks like one; kYes for any
  // format (error naming the op that does not fit); kNo never.
  IndependentMode independent = IndependentMode::kAuto;
};

// What the reader found out while reading (for the verdict line).
struct HistoryReadInfo {
  HistoryFormat format = HistoryFormat::kAuto;  // the format actually read
  bool independent = false;                     // read as independent keys
  size_t keys = 0;                              // distinct keys when independent
  std::vector<int> lines;                       // 1-based source line of each op read
};

// Reads and validates the history in `path`. kAuto sniffs the content:
// JSON objects per line -> jsonl; EDN collection/maps -> edn; lines with
// "<process> :invoke|:ok|:fail|:info :f value" -> jepsen-log.
Result<History> ReadHistoryFile(const std::string& path, HistoryFormat format = HistoryFormat::kAuto);

// Same, for text already in memory; `name` is used in error messages.
Result<History> ReadHistoryText(std::string_view text, const std::string& name,
                                HistoryFormat format = HistoryFormat::kAuto);

// The same with options; `info` (may be null) says what was found.
Result<History> ReadHistoryFile(const std::string& path, const HistoryReadOptions& options,
                                HistoryReadInfo* info);
Result<History> ReadHistoryText(std::string_view text, const std::string& name,
                                const HistoryReadOptions& options, HistoryReadInfo* info);

// Checks the process model; `lines[i]` is the source line of history[i]
// (may be empty: then positions are reported as "event N").
Status ValidateHistory(const History& history, const std::vector<int>& lines,
                       const std::string& name);

// The format kAuto would pick for `text`; error when it cannot tell.
Result<HistoryFormat> SniffHistoryFormat(std::string_view text);

}  // namespace faultline
