#include "harness/core/text_lines.h"

namespace faultline {

std::string TrimTrailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string Trim(const std::string& s) {
  const char* blanks = " \t\r\n";
  size_t start = s.find_first_not_of(blanks);
  if (start == std::string::npos) return "";
  return s.substr(start, s.find_last_not_of(blanks) - start + 1);
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
