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

// A consumer of a history read op by op (StreamHistoryFile), for checkers
// that keep their own compact form instead of a whole History of json ops.
class HistorySink {
 public:
  virtual ~HistorySink() = default;
  // JSON Lines fast path only: the raw JSON text of a line's "value", offered
  // before the rest of the line is parsed. True = the sink parsed it into its
  // own scratch form: the op then arrives with a null value and `value_taken`
  // set. A line may still leave the fast path after this (its op then comes
  // with the value as json and `value_taken` false), so a taken value counts
  // only for the OnOp call that follows. `text` is valid during the call only.
  virtual bool TakeValue(std::string_view text) {
    (void)text;
    return false;
  }
  // JSON Lines only: now and then (every few MB of text), that `done` of the
  // text's `total` bytes have been read. A sink that stores what it is
  // handed can size its storage once from this (TxnLoader extrapolates)
  // instead of growing it by doubling, which copies and first-touches the
  // big arrays about twice.
  virtual void OnProgress(size_t done, size_t total) {
    (void)done;
    (void)total;
  }
  // Each op in file order (the sink may move from it), with "index" filled
  // in, and its 1-based source line. Error: the read stops and returns it.
  virtual Status OnOp(Op&& op, int line, bool value_taken) = 0;
};

// Reads `path` (or `text`, named `name` in errors) as ReadHistoryFile does —
// the same sniffing, UTF-8 check, parsers, process-model validation and
// error lines — but hands each op to `sink` instead of building a History,
// so memory stays that of one op. Independent-key tuples are never split
// (that needs the whole history). Errors, in the same order as
// ReadHistoryFile: a malformed line anywhere wins over a process-model
// violation, which is reported after the last op (the sink may have seen
// ops past it; its result is then to be dropped).
Status StreamHistoryFile(const std::string& path, HistoryFormat format, HistorySink* sink);
Status StreamHistoryText(std::string_view text, const std::string& name, HistoryFormat format,
                         HistorySink* sink);

// Checks the process model; `lines[i]` is the source line of history[i]
// (may be empty: then positions are reported as "event N").
Status ValidateHistory(const History& history, const std::vector<int>& lines,
                       const std::string& name);

// The format kAuto would pick for `text`; error when it cannot tell.
Result<HistoryFormat> SniffHistoryFormat(std::string_view text);

}  // namespace faultline
