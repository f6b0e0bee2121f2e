// libFuzzer target: the test-spec parser (harness/run/test_spec.h) on arbitrary
// bytes: the spec file's text -> JSON -> TestSpec -> resolved parts. An
// accepted spec must survive the round trip through test.json (SpecToJson)
// unchanged; anything else a spec file holds must be an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "harness/run/test_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultline;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = ParseSpecText(text, "fuzz.json");
  if (!j.ok()) return 0;
  auto spec = SpecFromJson(*j);
  if (!spec.ok()) return 0;
  json stored = SpecToJson(*spec);
  auto again = SpecFromJson(stored);
  if (!again.ok() || SpecToJson(*again) != stored) std::abort();  // test.json must read back
  (void)ResolveSpec(*spec);
  return 0;
}
