// libFuzzer target: the test-spec parser (what it checks: test_spec_fuzz.h).
// Built by scripts/fuzz.sh.
#include "tests/fuzz/fuzz_finding.h"
#include "tests/fuzz/test_spec_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  faultline::fuzz::AbortOnFinding(faultline::fuzz::TestSpecInput(data, size));
  return 0;
}
