// KeyPool: the keys a workload uses at once, each retired after `limit` uses
// for a fresh one (the next integer), so per-key histories stay short however
// long the run: the linearizability search stays cheap (register), lists stay
// short (list-append). Keys are 0, 1, 2, ...; a workload names them as it
// likes ("k7", or 7 itself). Not thread-safe: the generator's thread owns it.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/core/rng.h"

namespace faultline {

class KeyPool {
 public:
  // `size` keys in use at once (>= 1), each used at most `limit` times (>= 1).
  KeyPool(int64_t size, int64_t limit) : limit_(limit) {
    for (int64_t i = 0; i < size; ++i) slots_.push_back({next_key_++, 0});
  }
  // A random slot.
  size_t Pick(Rng& rng) const { return rng.Below(slots_.size()); }
  // The key in `slot` now.
  int64_t Key(size_t slot) const { return slots_[slot].key; }
  // Counts one use of the slot's key and returns its number (1 for the first);
  // the limit-th use retires the key and a fresh one takes the slot.
  int64_t Use(size_t slot) {
    Slot& s = slots_[slot];
    const int64_t n = ++s.uses;
    if (n >= limit_) s = {next_key_++, 0};
    return n;
  }

 private:
  struct Slot {
    int64_t key;
    int64_t uses;
  };
  int64_t limit_;
  int64_t next_key_ = 0;
  std::vector<Slot> slots_;
};

}  // namespace faultline
