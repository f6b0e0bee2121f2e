#include "checkers/search_cache.h"

#include <cstdlib>
#include <cstring>

namespace faultline {
namespace {

constexpr size_t kInitialCapacity = 1 << 10;      // table slots
constexpr size_t kInitialArenaBytes = 1 << 15;
constexpr size_t kChargeChunk = 1 << 20;          // charge the budget 1 MiB at a time

// Zeroed memory. Small blocks come from (and go back to) the malloc heap, so
// the many tiny searches of a partitioned history cost no system calls; big
// ones are mapped by malloc itself.
void* Map(size_t bytes) { return std::calloc(1, bytes); }

}  // namespace

SearchCache::SearchCache(size_t max_bytes, MemoryBudget* budget) : budget_(budget), max_bytes_(max_bytes) {
  MapInitial();
}

bool SearchCache::MapInitial() {
  arena_ = static_cast<uint64_t*>(Map(kInitialArenaBytes));
  table_ = static_cast<uint32_t*>(Map(kInitialCapacity * sizeof(uint32_t)));
  if (!arena_ || !table_) {
    Unmap();
    return false;
  }
  arena_bytes_ = kInitialArenaBytes;
  capacity_ = kInitialCapacity;
  return true;
}

void SearchCache::Unmap() {
  std::free(arena_);
  std::free(table_);
  arena_ = nullptr;
  table_ = nullptr;
  arena_bytes_ = capacity_ = 0;
}

SearchCache::~SearchCache() {
  Unmap();
  budget_->Release(charged_);
}

void SearchCache::Reset(size_t words) {
  words_ = words;
  count_ = 0;
  if (!arena_) return;
  if (capacity_ > (1u << 16) || arena_bytes_ > (16u << 20)) {
    // A big previous search: give its memory back rather than clear it.
    Unmap();
    budget_->Release(charged_);
    charged_ = 0;
    MapInitial();
  } else {
    std::memset(table_, 0, capacity_ * sizeof(uint32_t));
  }
}

bool SearchCache::ChargeUpTo(size_t bytes) {
  if (bytes > max_bytes_) return false;
  while (charged_ < bytes) {
    if (!budget_->Charge(kChargeChunk)) return false;
    charged_ += kChargeChunk;
  }
  return true;
}

bool SearchCache::GrowArena() {
  size_t bytes = arena_bytes_ * 2;
  if (!ChargeUpTo(bytes + capacity_ * sizeof(uint32_t))) return false;
  void* p = std::realloc(arena_, bytes);
  if (!p) return false;
  arena_ = static_cast<uint64_t*>(p);
  arena_bytes_ = bytes;
  return true;
}

bool SearchCache::GrowTable() {
  size_t new_capacity = capacity_ * 2;
  if (new_capacity > (1ull << 32)) return false;
  if (!ChargeUpTo(arena_bytes_ + (new_capacity + capacity_) * sizeof(uint32_t))) return false;
  uint32_t* dst = static_cast<uint32_t*>(Map(new_capacity * sizeof(uint32_t)));
  if (!dst) return false;
  size_t mask = new_capacity - 1;
  for (size_t i = 0; i < count_; ++i) {
    uint64_t h = arena_[i * (words_ + 1)];
    size_t slot = h & mask;
    while (dst[slot] != 0) slot = (slot + 1) & mask;
    dst[slot] = static_cast<uint32_t>(i + 1);
  }
  std::free(table_);
  table_ = dst;
  capacity_ = new_capacity;
  return true;
}

SearchCache::InsertResult SearchCache::Insert(uint64_t hash, const uint64_t* entry) {
  const size_t stride = words_ + 1;
  size_t mask = capacity_ - 1;
  size_t slot = hash & mask;
  while (uint32_t idx = table_[slot]) {
    const uint64_t* e = arena_ + (idx - 1) * stride;
    if (e[0] == hash && std::memcmp(e + 1, entry, words_ * sizeof(uint64_t)) == 0) return InsertResult::kSeen;
    slot = (slot + 1) & mask;
  }
  if (count_ + 1 >= (1ull << 32) - 1) return InsertResult::kFull;
  if ((count_ + 1) * stride * sizeof(uint64_t) > arena_bytes_ && !GrowArena()) return InsertResult::kFull;
  if (charged_ < arena_bytes_ && !ChargeUpTo(arena_bytes_ + capacity_ * sizeof(uint32_t))) {
    return InsertResult::kFull;
  }
  uint64_t* e = arena_ + count_ * stride;
  e[0] = hash;
  std::memcpy(e + 1, entry, words_ * sizeof(uint64_t));
  table_[slot] = static_cast<uint32_t>(++count_);
  if (count_ * 2 > capacity_ && !GrowTable()) return InsertResult::kFull;
  return InsertResult::kNew;
}

}  // namespace faultline
