// `faultline version` (also `faultline --version`, see cli.cc): prints
// "faultline <version>" (core/version.h) on stdout.
#include <cstdio>

#include "harness/cli/cli.h"
#include "harness/core/version.h"

namespace faultline {
namespace {

int RunVersion(const std::vector<std::string>& args) {
  Flags flags("version");
  Status st = flags.Parse(args);
  if (!st.ok()) return BadInput("version", st.message());
  if (flags.help_requested()) {
    std::printf("usage: faultline version   (or faultline --version)\n"
                "Prints \"faultline <version>\": the project version, +<git commit> when known.\n");
    return kExitValid;
  }
  if (!flags.positionals().empty()) return BadInput("version", "takes no arguments");
  std::printf("faultline %s\n", FaultlineVersion());
  return kExitValid;
}

Registrar<CommandFn> kVersionCommand("version", "print this build's version", &RunVersion);

}  // namespace
}  // namespace faultline
