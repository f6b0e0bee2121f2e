#include "harness/core/nice_numbers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace faultline {

double NiceStep(double span, int max_ticks) {
  if (!(span > 0) || !std::isfinite(span)) return 1;
  double raw = span / (max_ticks < 1 ? 1 : max_ticks);
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    // A little slack so that 1e-9 of rounding never picks the next step.
    if (raw <= m * power * (1 + 1e-9)) return m * power;
  }
  return 10 * power;
}

std::string TickLabel(double value, double step) {
  int decimals = 0;
  if (step > 0 && std::isfinite(step)) {
    while (decimals < 9) {
      double scaled = step * std::pow(10.0, decimals);
      if (std::fabs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) break;
      ++decimals;
    }
  }
  if (std::fabs(value) < step * 1e-6) value = 0;  // no "-0"
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string FormatDuration(double s) {
  if (!(s >= 0) || !std::isfinite(s)) return "?";
  char buf[64];
  auto three = [&](double v, const char* unit) {
    int decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2;
    // 99.96 ms rounds to "100.0": print it with the decimals of its rounded value.
    double rounded = std::round(v * std::pow(10.0, decimals)) / std::pow(10.0, decimals);
    if (rounded >= 100) decimals = 0;
    else if (rounded >= 10) decimals = std::min(decimals, 1);
    std::snprintf(buf, sizeof buf, "%.*f %s", decimals, v, unit);
    return std::string(buf);
  };
  if (s == 0) return "0 s";
  if (s < 1e-3) {
    std::string us = three(s * 1e6, "\u00b5s");
    return us == "1000 \u00b5s" ? "1.00 ms" : us;
  }
  if (s < 1) {
    std::string ms = three(s * 1e3, "ms");
    return ms == "1000 ms" ? "1.00 s" : ms;
  }
  if (s < 100) return three(s, "s");
  std::snprintf(buf, sizeof buf, "%.0f s", s);
  return buf;
}

}  // namespace faultline
