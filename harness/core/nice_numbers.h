// Nice numbers for people reading charts and pages: axis steps of 1, 2 or 5
// times a power of ten (ticks read 0, 20, 40, ..., never 22, 43, 64), tick
// labels with only the decimals the step needs, and durations with three
// significant digits in a fitting unit ("5.56 ms", not "0.005558901 s").
// Pure; thread-safe.
#pragma once

#include <string>

namespace faultline {

// The smallest step of 1, 2 or 5 x 10^k that divides `span` into at most
// `max_ticks` steps (`span` <= 0 or not finite: 1; `max_ticks` < 1 counts as 1).
double NiceStep(double span, int max_ticks);

// `value` (a multiple of `step`, from NiceStep) with as many decimals as the
// step has: (0.25 step 0.05) "0.25", (40 step 20) "40", (-0 step 1) "0".
std::string TickLabel(double value, double step);

// A duration in seconds: under 1 ms in µs ("850 µs"), under 1 s in ms
// ("5.56 ms", "556 ms"), under 100 s in s ("1.23 s", "12.3 s"), else whole
// seconds ("754 s"); three significant digits. Negative or not finite: "?".
std::string FormatDuration(double seconds);

}  // namespace faultline
