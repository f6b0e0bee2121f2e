// libFuzzer target: ringstore's request handling in-process (the input format
// and what counts as a finding: ringstore_request_fuzz.h). Built by scripts/fuzz.sh.
#include "tests/fuzz/fuzz_finding.h"
#include "tests/fuzz/ringstore_request_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  faultline::fuzz::AbortOnFinding(faultline::fuzz::RingstoreRequestInput(data, size));
  return 0;
}
