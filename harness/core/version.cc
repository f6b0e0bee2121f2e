#include "harness/core/version.h"

// Defined by CMakeLists.txt on this file alone, so a new commit recompiles
// one file. The fallback keeps other builds (tests/fuzz) compiling.
#ifndef FAULTLINE_VERSION
#define FAULTLINE_VERSION "unknown"
#endif

namespace faultline {

const char* FaultlineVersion() { return FAULTLINE_VERSION; }

}  // namespace faultline
