// ParseJsonInt: the text of a JSON integer ("-42") as int64, for the fast
// paths of the history readers and the txn loader, which scan JSON text
// without building json values. At most 18 characters (so it fits int64
// with no overflow check); anything longer, a sign without digits or any
// other character is refused, and the caller takes its slow path, which
// words the error. Pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace faultline {

inline bool ParseJsonInt(std::string_view t, int64_t* out) {
  if (t.empty() || t.size() > 18) return false;
  const bool negative = t[0] == '-';
  size_t i = negative ? 1 : 0;
  if (i == t.size()) return false;
  int64_t v = 0;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
    v = v * 10 + (t[i] - '0');
  }
  *out = negative ? -v : v;
  return true;
}

}  // namespace faultline
