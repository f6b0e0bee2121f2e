// UnsyncedFile: what a kernel's page cache holds of one file that is not on
// disk yet — the bytes written and the size set since the file's last
// fsync — for faultline-fs (fs_main.cc), which keeps them in memory and
// hands them to the real file only on fsync, so that a "power cut"
// (lose-unfsynced) can drop exactly them, as LazyFS does.
//
// The model: the visible file is the disk's bytes, cut or zero-extended to
// size(), with the unsynced extents laid over them. Write and Truncate
// change only this object; Sync says what to write to disk (Extents(), then
// the size) and forgets it. Extents never overlap (a write over an older
// one replaces those bytes) and never reach past size(). Pure (no I/O), not
// thread-safe: faultline-fs holds one lock around all of them.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace faultline::fs {

class UnsyncedFile {
 public:
  // A file whose disk copy holds `disk_size` bytes, nothing unsynced.
  explicit UnsyncedFile(off_t disk_size) : size_(disk_size), disk_size_(disk_size) {}

  // write(2) at `offset` (the file grows to cover it; a gap reads as zeros).
  void Write(off_t offset, std::string_view data);
  // ftruncate(2): bytes past `size` are gone, a longer file reads zeros.
  void Truncate(off_t size);
  // The file as a reader sees it: `buf` holds `disk_len` bytes read from
  // the disk copy at `offset`; lays the unsynced bytes over them, zero-fills
  // past the disk copy, and returns how many of `len` bytes exist.
  size_t Read(off_t offset, char* buf, size_t len, size_t disk_len) const;

  off_t size() const { return size_; }
  // What the disk holds (as far as this object knows: set by Synced).
  off_t disk_size() const { return disk_size_; }
  bool dirty() const { return !extents_.empty() || size_ != disk_size_ || cut_ >= 0; }
  // -1, or the size the disk copy is first cut to on sync (a truncation
  // below the disk's size: its old bytes past it read as zeros after).
  off_t cut() const { return cut_; }
  size_t unsynced_bytes() const;
  // Offset -> bytes, to be written to disk after the cut, before the size
  // is set.
  const std::map<off_t, std::string>& extents() const { return extents_; }
  // The disk now holds what extents() and size() said: nothing is unsynced.
  void Synced();
  // The last Write since the last Synced/Dropped, for tearing it.
  bool has_last_write() const { return has_last_; }
  off_t last_write_offset() const { return last_offset_; }
  const std::string& last_write() const { return last_data_; }
  // Forgets every unsynced byte and size change (what a crash does).
  void Dropped();

 private:
  std::map<off_t, std::string> extents_;
  off_t size_;
  off_t disk_size_;
  off_t cut_ = -1;
  bool has_last_ = false;
  off_t last_offset_ = 0;
  std::string last_data_;
};

}  // namespace faultline::fs
