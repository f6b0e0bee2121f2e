#include "nemesis/shaper/release_schedule.h"

#include <algorithm>

namespace faultline::shaper {

std::optional<Distribution> ParseDistribution(const std::string& text) {
  if (text == "uniform") return Distribution::kUniform;
  if (text == "normal") return Distribution::kNormal;
  return std::nullopt;
}

double ReleaseSchedule::DrawDelay() {
  double d = params_.delay_ms;
  if (params_.jitter_ms > 0) {
    if (params_.distribution == Distribution::kNormal) {
      d += std::normal_distribution<double>(0.0, params_.jitter_ms)(rng_);
    } else {
      d += (2 * unit_(rng_) - 1) * params_.jitter_ms;
    }
  }
  return std::max(0.0, d);
}

Release ReleaseSchedule::Next() {
  Release r;
  r.delay_ms = params_.reorder > 0 && unit_(rng_) < params_.reorder ? 0.0 : DrawDelay();
  if (params_.duplicate > 0 && unit_(rng_) < params_.duplicate) r.copy_delay_ms = DrawDelay();
  return r;
}

}  // namespace faultline::shaper
