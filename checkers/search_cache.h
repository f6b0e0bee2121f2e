// SearchCache: the set of visited search configurations (bitset of linearized
// ops + model state) of the linearizability search, with a strong 64-bit hash.
//
// An Insert copies the entry into a flat arena and an index into an
// open-addressing table; nothing is allocated per entry. Both double when
// full, so a search of n configurations allocates O(log n) times in all and
// never per step. Bytes in use
// are charged to a MemoryBudget shared by all searches of one check; when the
// budget is exhausted Insert answers kFull and the search reports unknown.
// Not thread-safe: one cache per search thread (the budget is atomic).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace faultline {

// Bytes shared by the parallel searches of one check.
struct MemoryBudget {
  explicit MemoryBudget(size_t limit) : limit_bytes(limit) {}
  const size_t limit_bytes;
  std::atomic<size_t> used{0};
  // Charges `bytes`; false (and nothing charged) when over the limit.
  bool Charge(size_t bytes) {
    size_t now = used.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    if (now > limit_bytes) {
      used.fetch_sub(bytes, std::memory_order_relaxed);
      return false;
    }
    return true;
  }
  void Release(size_t bytes) { used.fetch_sub(bytes, std::memory_order_relaxed); }
};

class SearchCache {
 public:
  enum class InsertResult { kNew, kSeen, kFull };

  // A cache of at most `max_bytes` of entries and table.
  // ok() is false when the first mapping failed.
  SearchCache(size_t max_bytes, MemoryBudget* budget);
  ~SearchCache();
  SearchCache(const SearchCache&) = delete;
  SearchCache& operator=(const SearchCache&) = delete;
  bool ok() const { return arena_ != nullptr; }

  // Empties the cache for entries of `words` words (bitset + state).
  void Reset(size_t words);
  // Adds the entry (hash, words) unless present.
  InsertResult Insert(uint64_t hash, const uint64_t* entry);

  size_t size() const { return count_; }
  // The i-th entry's words (0 <= i < size()).
  const uint64_t* entry(size_t i) const { return arena_ + i * (words_ + 1) + 1; }
  size_t bytes_in_use() const { return charged_; }

 private:
  bool GrowTable();
  bool GrowArena();
  bool ChargeUpTo(size_t bytes);
  void Unmap();
  bool MapInitial();

  MemoryBudget* budget_;
  size_t max_bytes_;
  uint64_t* arena_ = nullptr;     // entries: [hash, words...]
  size_t arena_bytes_ = 0;
  uint32_t* table_ = nullptr;
  size_t capacity_ = 0;           // table slots (power of two)
  size_t words_ = 0;
  size_t count_ = 0;
  size_t charged_ = 0;            // bytes charged to the budget
};

}  // namespace faultline
