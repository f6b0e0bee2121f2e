// The shaper's per-packet decisions (nemesis/shaper/release_schedule.h):
// delays within the uniform jitter's bounds and never negative, a normal
// distribution's mean and deviation, the duplicate and reorder fractions,
// and the same decisions for the same seed.
#include "nemesis/shaper/release_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

namespace faultline::shaper {
namespace {

TEST(ReleaseScheduleTest, UniformJitterStaysWithinBoundsAndCoversThem) {
  ReleaseSchedule s({100, 30, Distribution::kUniform, 0, 0}, 1);
  double lo = 1e9, hi = -1e9;
  for (int i = 0; i < 20000; ++i) {
    Release r = s.Next();
    EXPECT_FALSE(r.copy_delay_ms.has_value());
    lo = std::min(lo, r.delay_ms);
    hi = std::max(hi, r.delay_ms);
  }
  EXPECT_GE(lo, 70);
  EXPECT_LE(hi, 130);
  EXPECT_LT(lo, 71);
  EXPECT_GT(hi, 129);
}

TEST(ReleaseScheduleTest, NormalHasItsMeanAndDeviationAndIsNeverNegative) {
  ReleaseSchedule s({200, 50, Distribution::kNormal, 0, 0}, 2);
  double sum = 0, sq = 0;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    double d = s.Next().delay_ms;
    sum += d;
    sq += d * d;
  }
  double mean = sum / n, sd = std::sqrt(sq / n - mean * mean);
  EXPECT_NEAR(mean, 200, 2);
  EXPECT_NEAR(sd, 50, 2);
  ReleaseSchedule wide({10, 100, Distribution::kNormal, 0, 0}, 3);
  for (int i = 0; i < 10000; ++i) EXPECT_GE(wide.Next().delay_ms, 0);
}

TEST(ReleaseScheduleTest, DuplicateAndReorderFractions) {
  ReleaseSchedule s({50, 0, Distribution::kUniform, 0.25, 0.1}, 4);
  int copies = 0, at_once = 0;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    Release r = s.Next();
    copies += r.copy_delay_ms.has_value();
    at_once += r.delay_ms == 0;
    if (r.copy_delay_ms) {
      EXPECT_EQ(*r.copy_delay_ms, 50);
    }
    EXPECT_TRUE(r.delay_ms == 0 || r.delay_ms == 50);
  }
  EXPECT_NEAR(copies / double(n), 0.25, 0.01);
  EXPECT_NEAR(at_once / double(n), 0.1, 0.01);
}

TEST(ReleaseScheduleTest, SameSeedSameDecisions) {
  ShaperParams p{80, 40, Distribution::kNormal, 0.3, 0.2};
  ReleaseSchedule a(p, 7), b(p, 7), c(p, 8);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    Release x = a.Next(), y = b.Next(), z = c.Next();
    EXPECT_EQ(x.delay_ms, y.delay_ms);
    EXPECT_EQ(x.copy_delay_ms, y.copy_delay_ms);
    differs = differs || x.delay_ms != z.delay_ms;
  }
  EXPECT_TRUE(differs);
  EXPECT_EQ(ParseDistribution("normal"), Distribution::kNormal);
  EXPECT_FALSE(ParseDistribution("pareto").has_value());
}

}  // namespace
}  // namespace faultline::shaper
