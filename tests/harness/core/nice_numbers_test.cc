#include "harness/core/nice_numbers.h"

#include <gtest/gtest.h>

#include <cmath>

namespace faultline {
namespace {

// Steps are 1, 2 or 5 x 10^k, the smallest that keeps to max_ticks: never
// the 21.5 that made a throughput axis read 22 / 43 / 64 / 86.
TEST(NiceNumbersTest, StepsAreOneTwoOrFiveTimesAPowerOfTen) {
  EXPECT_DOUBLE_EQ(NiceStep(86, 4), 50);
  EXPECT_DOUBLE_EQ(NiceStep(86, 5), 20);
  EXPECT_DOUBLE_EQ(NiceStep(12, 10), 2);
  EXPECT_DOUBLE_EQ(NiceStep(10, 10), 1);
  EXPECT_DOUBLE_EQ(NiceStep(0.0123, 10), 0.002);
  EXPECT_DOUBLE_EQ(NiceStep(2573, 3), 1000);
  EXPECT_DOUBLE_EQ(NiceStep(0, 10), 1);
  EXPECT_DOUBLE_EQ(NiceStep(-5, 10), 1);
  for (double span : {0.7, 3.3, 17.0, 86.0, 999.0, 12345.0}) {
    for (int ticks : {3, 5, 10}) {
      double step = NiceStep(span, ticks);
      EXPECT_LE(span / step, ticks * (1 + 1e-9)) << span << " " << ticks;
      double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
      EXPECT_TRUE(std::fabs(mantissa - 1) < 1e-9 || std::fabs(mantissa - 2) < 1e-9 || std::fabs(mantissa - 5) < 1e-9)
          << span << " " << ticks << " -> " << step;
    }
  }
}

TEST(NiceNumbersTest, TickLabelsHaveTheDecimalsOfTheStep) {
  EXPECT_EQ(TickLabel(40, 20), "40");
  EXPECT_EQ(TickLabel(0.25, 0.05), "0.25");
  EXPECT_EQ(TickLabel(0.6000000000000001, 0.2), "0.6");
  EXPECT_EQ(TickLabel(-1e-17, 0.5), "0.0");
  EXPECT_EQ(TickLabel(3000, 1000), "3000");
}

// Durations read like durations: three significant digits in a fitting unit,
// not "0.005558901 s" (the linearizability page's "checked in").
TEST(NiceNumbersTest, DurationsHaveThreeSignificantDigitsInAFittingUnit) {
  EXPECT_EQ(FormatDuration(0.005558901), "5.56 ms");
  EXPECT_EQ(FormatDuration(0.0556), "55.6 ms");
  EXPECT_EQ(FormatDuration(0.556), "556 ms");
  EXPECT_EQ(FormatDuration(0.00085), "850 \u00b5s");
  EXPECT_EQ(FormatDuration(1.2345), "1.23 s");
  EXPECT_EQ(FormatDuration(12.345), "12.3 s");
  EXPECT_EQ(FormatDuration(754.2), "754 s");
  EXPECT_EQ(FormatDuration(0.99996), "1.00 s");
  EXPECT_EQ(FormatDuration(0), "0 s");
  EXPECT_EQ(FormatDuration(-1), "?");
}

}  // namespace
}  // namespace faultline
