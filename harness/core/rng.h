// Rng: the one seeded random source (TigerBeetle/FoundationDB style). Every
// random choice of a run derives from the run's seed, so `--seed N` replays the
// same schedule. xoshiro256** seeded through splitmix64; own distribution
// functions so results are identical across standard libraries.
// Not thread-safe: give each thread its own Rng (use Fork()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace faultline {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  // Uniform integer in [0, n); n > 0.
  uint64_t Below(uint64_t n);
  // Uniform integer in [lo, hi]; lo <= hi.
  int64_t Range(int64_t lo, int64_t hi);
  // Uniform double in [0, 1).
  double Unit();
  bool Chance(double p) { return Unit() < p; }
  // An independent generator derived from this one (advances this one).
  Rng Fork();
  template <typename T>
  const T& Pick(const std::vector<T>& items) { return items[Below(items.size())]; }
  template <typename T>
  void Shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[Below(i)]);
  }

 private:
  uint64_t s_[4];
};

}  // namespace faultline
