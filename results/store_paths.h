// StorePaths: turning a path from a URL into a file under the results store,
// safely (for `faultline serve`, store_server.h).
//
// A relative path is accepted only when every '/'-separated segment is a
// plain name: not empty (so no leading '/', i.e. no absolute path, and no
// "//"), not "." or "..", not hidden (".x": the store's own .runs-index.jsonl
// and .active-faults.json stay private), and free of '%' (an encoded byte
// left after the one decoding the HTTP layer does: "%2e%2e" arrives as ".."
// and is caught, "%252e" arrives as "%2e" and is caught here), '\\' and
// control characters. Then the real path (every symlink resolved) must lie
// under the store's real path: a symlink leading out of the store is
// refused, one inside it (`latest`) is followed. Pure apart from reading the
// file system; thread-safe.
#pragma once

#include <string>

#include "harness/core/status.h"

namespace faultline {

// True when `rel` passes the segment rules above (no file system access).
bool IsSafeRelativePath(const std::string& rel);

// The real path of `rel` under `store_root` when it is safe and exists and
// stays inside the store; an error (to answer 404) otherwise.
Result<std::string> ResolveStorePath(const std::string& store_root, const std::string& rel);

}  // namespace faultline
