#include "harness/core/text_lines.h"

namespace faultline {

std::string TrimTrailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string LastLine(const std::string& text) {
  std::string t = TrimTrailing(text);
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

std::string LastLines(const std::string& text, size_t n) {
  if (n == 0) return "";
  std::string t = TrimTrailing(text);
  size_t pos = t.size();
  for (size_t seen = 0; seen < n; ++seen) {
    auto nl = pos == 0 ? std::string::npos : t.rfind('\n', pos - 1);
    if (nl == std::string::npos) return t;
    pos = nl;
  }
  return t.substr(pos + 1);
}

}  // namespace faultline
