#include "harness/core/format_double.h"

#include <cstdio>

namespace faultline {

std::string FormatDouble(const char* printf_format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, printf_format, v);
  return buf;
}

}  // namespace faultline
