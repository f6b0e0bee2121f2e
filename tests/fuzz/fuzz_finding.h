// How a fuzz target reports a finding its entry function returned (a broken
// contract that is not a crash): print it and abort, which libFuzzer records
// as a crash with the input saved. corpus_replay_test.cc fails the test instead.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace faultline::fuzz {

inline void AbortOnFinding(const std::string& finding) {
  if (finding.empty()) return;
  std::fprintf(stderr, "fuzz finding: %s\n", finding.c_str());
  std::abort();
}

}  // namespace faultline::fuzz
