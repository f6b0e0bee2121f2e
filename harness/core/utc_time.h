// UtcNowIso8601: the wall clock as "2026-12-03T08:25:18Z", the one timestamp
// format of faultline.log lines and the on-disk records (fault ledger,
// crashed.json). Thread-safe.
#pragma once

#include <string>

namespace faultline {

std::string UtcNowIso8601();

}  // namespace faultline
