// libFuzzer target: the jepsen_log history reader (harness/history/history_reader.h,
// format kJepsenLog) on arbitrary bytes. Built by scripts/fuzz.sh.
#include "tests/fuzz/fuzz_finding.h"
#include "tests/fuzz/history_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  faultline::fuzz::AbortOnFinding(
      faultline::fuzz::ReadHistoryInput(data, size, faultline::HistoryFormat::kJepsenLog));
  return 0;
}
