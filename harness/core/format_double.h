// printf formatting of one double into a std::string ("%.1f", "%g"): the
// pages, plots and fault commands print numbers this way.
// Pure; thread-safe.
#pragma once

#include <string>

namespace faultline {

// `printf_format` must take exactly one double; the result is cut at 63 chars.
std::string FormatDouble(const char* printf_format, double v);

}  // namespace faultline
