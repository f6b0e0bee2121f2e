// Huge pages for big arrays: a hint to the kernel (madvise MADV_HUGEPAGE)
// that a large vector's storage be backed by transparent huge pages before it
// is first touched. With 4 KB pages, first touching the hundreds of MB of a
// 1,000,000-txn history's arrays costs about a quarter of loading or checking
// it in page faults; where the kernel ignores or refuses the hint (THP off),
// nothing else changes. Header-only; thread-safe (touches only its argument).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace faultline {

// Advises [data, data + bytes) for huge pages when it spans at least one
// (2 MB); smaller ranges are left alone.
inline void AdviseHugePages(const void* data, size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr size_t kAdviseFrom = size_t{2} << 20;
  if (bytes < kAdviseFrom) return;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t at = reinterpret_cast<uintptr_t>(data);
  uintptr_t begin = (at + page - 1) & ~(page - 1);
  uintptr_t end = (at + bytes) & ~(page - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

// v->reserve(n), its new storage advised for huge pages before anything is
// written to it. Call on an empty vector, or before growing one by hand.
template <typename T>
void ReserveHuge(std::vector<T>* v, size_t n) {
  if (n <= v->capacity()) return;
  std::vector<T> grown;
  grown.reserve(n);
  AdviseHugePages(grown.data(), grown.capacity() * sizeof(T));
  grown.insert(grown.end(), v->begin(), v->end());
  v->swap(grown);
}

// `n` copies of `value`, in storage advised for huge pages.
template <typename T>
void AssignHuge(std::vector<T>* v, size_t n, const T& value) {
  v->clear();
  ReserveHuge(v, n);
  v->assign(n, value);
}

}  // namespace faultline
