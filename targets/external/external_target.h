// The "external" target: any store, without writing C++ — a target spec file
// (targets/external/external_spec.h) gives the shell commands of its Db
// (external_db.h) and the adapter program of its clients
// (external_client.h). `faultline test --target external --target-spec FILE`.
#pragma once

#include <string>

#include "targets/target.h"

namespace faultline {

// Loads the spec at `spec_file` and builds the target; `options` (the
// --target-opt settings) are passed to every command and adapter as
// FAULTLINE_OPT_* and in the init message, any key accepted. Errors: the
// spec's own (one line naming file and key), or a missing --target-spec.
Result<Target> MakeExternalTarget(const std::string& spec_file, const TargetOptions& options);

}  // namespace faultline
