// Shared body of the history-reader fuzz targets: read the input as a
// history of one format, and when it is accepted, exercise what every caller
// does next with the ops (serialise each, print each). A crash, a sanitizer
// report, an escaping exception or a returned finding is a bug; an error
// Status is not. Also replayed over the corpora by corpus_replay_test.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/history/history_reader.h"

namespace faultline::fuzz {

// Returns "" or what is wrong (the fuzz target aborts on it).
inline std::string ReadHistoryInput(const uint8_t* data, size_t size, HistoryFormat format) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  HistoryReadInfo info;
  auto history = ReadHistoryText(text, "fuzz", HistoryReadOptions{format, IndependentMode::kAuto}, &info);
  if (!history.ok()) {
    // One line, always (the CLI prints it as is).
    if (history.status().message().find('\n') != std::string::npos) {
      return "a history error message spans lines: " + history.status().message();
    }
    return "";
  }
  std::string line;
  for (const Op& op : *history) {
    line.clear();
    AppendOpJsonWithoutIndex(op, &line);
    (void)OpToString(op);
  }
  // Forcing the split must never crash either, whatever it answers.
  (void)ReadHistoryText(text, "fuzz", HistoryReadOptions{format, IndependentMode::kYes}, nullptr);
  return "";
}

}  // namespace faultline::fuzz
