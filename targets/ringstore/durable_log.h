// DurableLog: an append-only, checksummed record log with group commit.
//
// Records are framed as [u32 length][u32 crc32][payload] (little endian). A
// single writer thread takes everything appended since its last write, writes
// it and fdatasyncs once: one fsync serves every request that arrived while the
// previous one ran, so concurrent requests share the cost of durability.
//
// Callers that need the log order to equal their state-change order call
// Append under their own state lock, then (after releasing it) WaitDurable on
// the returned sequence number before replying to anyone.
//
// Compaction: when the file outgrows max(compact_min_bytes, 4 x the last
// snapshot), the writer thread asks the snapshotter for the full state. The
// snapshotter must, while holding the same lock it holds around Append, frame
// every live record with Frame() and call MarkSnapshotLocked(), which drops the
// not-yet-written records (the snapshot already contains their effect) and
// returns the sequence the snapshot covers. The snapshot is written to a
// temporary file, fsynced and renamed over the log (then the directory is
// fsynced), so a crash at any point leaves either the old or the new log.
//
// Open() replays every intact record; a torn tail (a record cut short, or
// zeros to the end: a crash in the middle of a write) is truncated away. A
// whole record whose checksum fails, an impossible length, or an empty
// record before non-zero bytes is corruption, not a crash: Open
// fails rather than forget what the records after it may hold (acked
// promises and values).
//
// fsync = false (ringstore --fsync never, a deliberately unsafe mode): a
// batch counts as durable once written, without fdatasync — what a store
// that fsyncs every few minutes risks, for faultline's disk nemesis to show.
//
// Thread safety: Append, WaitDurable, MarkSnapshotLocked and the accessors are
// safe from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "harness/core/status.h"

namespace faultline::ringstore {

class DurableLog {
 public:
  using ReplayFn = std::function<void(std::string_view payload)>;
  using SnapshotFn = std::function<std::string()>;

  // Opens (creating if needed) the log at `path`, calling `replay` for each
  // intact record in order. Error: the file cannot be opened/read/truncated,
  // or it is corrupt before its tail (the message says where).
  static Result<std::unique_ptr<DurableLog>> Open(const std::string& path, const ReplayFn& replay,
                                                 uint64_t compact_min_bytes = 32ull << 20, bool fsync = true);
  ~DurableLog();

  // Queues one record; returns its sequence number (1, 2, ...).
  uint64_t Append(std::string_view payload);
  // Blocks until record `seq` (and all before it) is on disk. False when the
  // log has failed (I/O error): the caller must not report success.
  bool WaitDurable(uint64_t seq);
  // The sequence number of the newest appended record.
  uint64_t last_seq() const;

  // Installs the compaction snapshotter (see the header comment). Call once,
  // before concurrent use.
  void SetSnapshotter(SnapshotFn fn);
  // Appends the framed `payload` to `out` (for snapshots).
  static void Frame(std::string_view payload, std::string* out);
  // See the header comment. Returns the sequence the snapshot covers.
  uint64_t MarkSnapshotLocked();

  uint64_t file_bytes() const;
  uint64_t fsyncs() const;
  uint64_t compactions() const;
  // The error that failed the log, empty while healthy.
  std::string error() const;

 private:
  DurableLog(std::string path, int fd, uint64_t bytes, uint64_t compact_min_bytes, bool fsync);
  void WriterLoop();
  bool WriteAll(int fd, const std::string& data);
  void Compact();
  void Fail(const std::string& what);

  const std::string path_;
  const uint64_t compact_min_bytes_;
  const bool fsync_;
  int fd_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;     // writer waits for records
  std::condition_variable durable_cv_;  // callers wait for fsync
  std::string pending_;                 // framed, not yet written
  uint64_t last_seq_ = 0;
  uint64_t durable_seq_ = 0;
  uint64_t file_bytes_ = 0;
  uint64_t snapshot_bytes_ = 0;
  uint64_t snapshot_seq_ = 0;  // the sequence the newest snapshot covers
  uint64_t fsyncs_ = 0;
  uint64_t compactions_ = 0;
  std::string error_;
  bool stop_ = false;
  SnapshotFn snapshotter_;
  std::thread writer_;
};

}  // namespace faultline::ringstore
