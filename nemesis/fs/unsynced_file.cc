#include "nemesis/fs/unsynced_file.h"

#include <algorithm>
#include <cstring>

namespace faultline::fs {

void UnsyncedFile::Write(off_t offset, std::string_view data) {
  if (data.empty()) return;
  has_last_ = true;
  last_offset_ = offset;
  last_data_.assign(data);
  off_t end = offset + static_cast<off_t>(data.size());
  // Merge with every extent that overlaps or touches [offset, end).
  auto it = extents_.upper_bound(offset);
  if (it != extents_.begin()) {
    auto prev = std::prev(it);
    if (prev->first + static_cast<off_t>(prev->second.size()) >= offset) it = prev;
  }
  off_t start = offset;
  std::string merged;
  if (it != extents_.end() && it->first < offset) {
    start = it->first;
    merged = it->second.substr(0, static_cast<size_t>(offset - it->first));
  }
  merged.append(data);
  while (it != extents_.end() && it->first <= end) {
    off_t e_end = it->first + static_cast<off_t>(it->second.size());
    if (e_end > end) merged.append(it->second, static_cast<size_t>(end - it->first), std::string::npos);
    it = extents_.erase(it);
  }
  extents_[start] = std::move(merged);
  size_ = std::max(size_, end);
}

void UnsyncedFile::Truncate(off_t size) {
  extents_.erase(extents_.lower_bound(size), extents_.end());
  if (!extents_.empty()) {
    auto& [at, bytes] = *extents_.rbegin();
    if (at + static_cast<off_t>(bytes.size()) > size) bytes.resize(static_cast<size_t>(size - at));
  }
  // The disk's bytes from here on are gone even if the file grows again.
  if (size < disk_size_) cut_ = cut_ < 0 ? size : std::min(cut_, size);
  size_ = size;
}

size_t UnsyncedFile::Read(off_t offset, char* buf, size_t len, size_t disk_len) const {
  if (offset >= size_) return 0;
  size_t n = static_cast<size_t>(std::min<off_t>(static_cast<off_t>(len), size_ - offset));
  // Disk bytes past the disk copy, or past a truncation not yet synced, are
  // zeros.
  off_t disk_valid = disk_size_;
  if (cut_ >= 0) disk_valid = std::min(disk_valid, cut_);
  size_t keep = disk_len;
  if (offset + static_cast<off_t>(keep) > disk_valid) keep = disk_valid > offset ? static_cast<size_t>(disk_valid - offset) : 0;
  if (keep < n) std::memset(buf + keep, 0, n - keep);
  off_t end = offset + static_cast<off_t>(n);
  auto it = extents_.upper_bound(offset);
  if (it != extents_.begin()) --it;
  for (; it != extents_.end() && it->first < end; ++it) {
    off_t from = std::max(offset, it->first);
    off_t to = std::min(end, it->first + static_cast<off_t>(it->second.size()));
    if (from >= to) continue;
    std::memcpy(buf + (from - offset), it->second.data() + (from - it->first), static_cast<size_t>(to - from));
  }
  return n;
}

size_t UnsyncedFile::unsynced_bytes() const {
  size_t n = 0;
  for (const auto& [at, bytes] : extents_) n += bytes.size();
  return n;
}

void UnsyncedFile::Synced() {
  extents_.clear();
  disk_size_ = size_;
  cut_ = -1;
  has_last_ = false;
}

void UnsyncedFile::Dropped() {
  extents_.clear();
  size_ = disk_size_;
  cut_ = -1;
  has_last_ = false;
}

}  // namespace faultline::fs
