// The version of this faultline build: `faultline --version` prints it and
// every run's test.json records it ("faultline_version"), so a stored run says
// which build produced its history and verdict. Thread-safe (a constant).
#pragma once

namespace faultline {

// "<project version>" or "<project version>+<git commit>", e.g. "0.1.0+393aa70":
// the version from CMake's project(... VERSION ...), and the short commit of
// the source tree when git could read it at configure time (absent otherwise,
// e.g. a source tarball). Never empty.
const char* FaultlineVersion();

}  // namespace faultline
