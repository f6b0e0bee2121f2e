// Body of the test_spec fuzz target: the test-spec parser
// (harness/run/test_spec.h) on arbitrary bytes: the spec file's text -> JSON ->
// TestSpec -> resolved parts. An accepted spec must survive the round trip
// through test.json (SpecToJson) unchanged; anything else a spec file holds
// must be an error, never a crash. Also replayed over the corpus by
// corpus_replay_test.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/run/test_spec.h"

namespace faultline::fuzz {

// Returns "" or what is wrong (the fuzz target aborts on it).
inline std::string TestSpecInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = ParseSpecText(text, "fuzz.json");
  if (!j.ok()) return "";
  auto spec = SpecFromJson(*j);
  if (!spec.ok()) return "";
  json stored = SpecToJson(*spec);
  auto again = SpecFromJson(stored);
  if (!again.ok()) return "test.json does not read back: " + again.status().message();
  if (SpecToJson(*again) != stored) return "test.json reads back different: " + stored.dump();
  (void)ResolveSpec(*spec);
  return "";
}

}  // namespace faultline::fuzz
