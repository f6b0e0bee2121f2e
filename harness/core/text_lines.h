// Small text helpers for the ends of command output: error messages quote a
// failed command's last line or last few lines, without trailing blanks.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace faultline {

// `s` without trailing newlines, carriage returns and spaces.
std::string TrimTrailing(std::string s);

// `s` without leading and trailing spaces, tabs, newlines and carriage returns.
std::string Trim(const std::string& s);

// The last non-blank line of `text`, trailing blanks removed ("" for none).
std::string LastLine(const std::string& text);

// The last `n` lines of `text` (trailing newlines ignored), newline-separated.
std::string LastLines(const std::string& text, size_t n);

}  // namespace faultline
