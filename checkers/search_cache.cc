#include "checkers/search_cache.h"

#include <sys/mman.h>

#include <cstring>

namespace faultline {
namespace {

constexpr size_t kInitialCapacity = 1 << 12;
constexpr size_t kChargeChunk = 1 << 20;  // charge the budget 1 MiB at a time

void* Reserve(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

SearchCache::SearchCache(size_t max_bytes, MemoryBudget* budget) : budget_(budget), max_bytes_(max_bytes) {
  arena_ = static_cast<uint64_t*>(Reserve(max_bytes_));
  tables_[0] = static_cast<uint32_t*>(Reserve(max_bytes_));
  tables_[1] = static_cast<uint32_t*>(Reserve(max_bytes_));
  if (!arena_ || !tables_[0] || !tables_[1]) {
    if (arena_) munmap(arena_, max_bytes_);
    if (tables_[0]) munmap(tables_[0], max_bytes_);
    if (tables_[1]) munmap(tables_[1], max_bytes_);
    arena_ = nullptr;
  }
}

SearchCache::~SearchCache() {
  if (arena_) {
    munmap(arena_, max_bytes_);
    munmap(tables_[0], max_bytes_);
    munmap(tables_[1], max_bytes_);
  }
  budget_->Release(charged_);
}

void SearchCache::Reset(size_t words) {
  words_ = words;
  count_ = 0;
  max_entries_ = max_bytes_ / ((words_ + 1) * sizeof(uint64_t));
  if (capacity_ > (1u << 16)) {
    // A big previous search: give its pages back instead of clearing them.
    madvise(tables_[0], max_bytes_, MADV_DONTNEED);
    madvise(tables_[1], max_bytes_, MADV_DONTNEED);
    madvise(arena_, max_bytes_, MADV_DONTNEED);
    budget_->Release(charged_);
    charged_ = 0;
    touched_table_bytes_ = 0;
    capacity_ = 0;
  }
  if (capacity_ == 0) {
    capacity_ = kInitialCapacity;
    current_ = 0;
  } else {
    std::memset(tables_[current_], 0, capacity_ * sizeof(uint32_t));
  }
}

bool SearchCache::ChargeUpTo(size_t bytes) {
  while (charged_ < bytes) {
    if (!budget_->Charge(kChargeChunk)) return false;
    charged_ += kChargeChunk;
  }
  return true;
}

bool SearchCache::Grow() {
  size_t new_capacity = capacity_ * 2;
  if (new_capacity * sizeof(uint32_t) > max_bytes_ || new_capacity > (1ull << 31)) return false;
  size_t arena_bytes = count_ * (words_ + 1) * sizeof(uint64_t);
  size_t table_bytes = new_capacity * sizeof(uint32_t) + capacity_ * sizeof(uint32_t);
  if (!ChargeUpTo(arena_bytes + table_bytes)) return false;
  int next = 1 - current_;
  uint32_t* dst = tables_[next];
  std::memset(dst, 0, new_capacity * sizeof(uint32_t));
  size_t mask = new_capacity - 1;
  for (size_t i = 0; i < count_; ++i) {
    uint64_t h = arena_[i * (words_ + 1)];
    size_t slot = h & mask;
    while (dst[slot] != 0) slot = (slot + 1) & mask;
    dst[slot] = static_cast<uint32_t>(i + 1);
  }
  // The old table's pages are returned; growth happens O(log n) times.
  madvise(tables_[current_], capacity_ * sizeof(uint32_t), MADV_DONTNEED);
  current_ = next;
  capacity_ = new_capacity;
  return true;
}

SearchCache::InsertResult SearchCache::Insert(uint64_t hash, const uint64_t* entry) {
  size_t mask = capacity_ - 1;
  uint32_t* table = tables_[current_];
  size_t slot = hash & mask;
  const size_t stride = words_ + 1;
  while (uint32_t idx = table[slot]) {
    const uint64_t* e = arena_ + (idx - 1) * stride;
    if (e[0] == hash && std::memcmp(e + 1, entry, words_ * sizeof(uint64_t)) == 0) return InsertResult::kSeen;
    slot = (slot + 1) & mask;
  }
  if (count_ + 1 >= max_entries_ || count_ + 1 >= (1ull << 32) - 1) return InsertResult::kFull;
  size_t need = (count_ + 1) * stride * sizeof(uint64_t) + capacity_ * sizeof(uint32_t);
  if (need > charged_ && !ChargeUpTo(need)) return InsertResult::kFull;
  uint64_t* e = arena_ + count_ * stride;
  e[0] = hash;
  std::memcpy(e + 1, entry, words_ * sizeof(uint64_t));
  table[slot] = static_cast<uint32_t>(++count_);
  if (count_ * 2 > capacity_ && !Grow()) return InsertResult::kFull;
  return InsertResult::kNew;
}

}  // namespace faultline
