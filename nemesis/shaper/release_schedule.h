// ReleaseSchedule: when the packet shaper (faultline-shaper) lets each queued
// packet go, and whether it sends a copy — the netem-like part of the shaper,
// kept pure (no sockets) so its distributions can be tested.
//
// Per packet: with probability `reorder` it is released at once (it overtakes
// the packets held before it, as netem's reorder does); otherwise after
// `delay_ms` plus jitter: uniform in [-jitter, +jitter] or normal with
// deviation `jitter_ms` (never below 0). With probability `duplicate` a copy
// is sent too, after a delay drawn the same way (so the copy may arrive
// first). Deterministic for a seed. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace faultline::shaper {

enum class Distribution { kUniform, kNormal };

struct ShaperParams {
  double delay_ms = 0;
  double jitter_ms = 0;
  Distribution distribution = Distribution::kUniform;
  double duplicate = 0;  // fraction 0..1 of packets that also get a copy
  double reorder = 0;    // fraction 0..1 released at once
};

// "uniform" / "normal"; nullopt otherwise.
std::optional<Distribution> ParseDistribution(const std::string& text);

struct Release {
  double delay_ms = 0;                    // after arrival
  std::optional<double> copy_delay_ms;    // set when a duplicate is sent
};

class ReleaseSchedule {
 public:
  ReleaseSchedule(const ShaperParams& params, uint64_t seed) : params_(params), rng_(seed) {}
  Release Next();

 private:
  double DrawDelay();
  ShaperParams params_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

}  // namespace faultline::shaper
