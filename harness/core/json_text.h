// Pieces of JSON text scanning for the fast paths of the history readers and
// the txn loader, which read the usual line shapes without building json
// values. Each refuses what it does not handle plainly (the caller then
// takes its slow path, which words any error). Pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace faultline {

// The text of a JSON integer ("-42") as int64: at most 18 characters (so it
// fits with no overflow check); a sign without digits or any other
// character is refused.
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

// A JSON string without escapes or control characters: `*i` is just past its
// opening quote; on success `*out` is its contents and `*i` is just past its
// closing quote. False (with `*i` somewhere inside) for an escape, a control
// character or no closing quote.
inline bool ScanPlainJsonString(std::string_view s, size_t* i, std::string_view* out) {
  const size_t start = *i;
  while (*i < s.size() && s[*i] != '"') {
    if (s[*i] == '\\' || static_cast<unsigned char>(s[*i]) < 0x20) return false;
    ++*i;
  }
  if (*i >= s.size()) return false;
  *out = s.substr(start, *i - start);
  ++*i;
  return true;
}

}  // namespace faultline
