// HistoryWriter: streams a run's history to a JSON Lines file as ops happen.
//
// Each Append hands one complete line to the kernel before it returns, or —
// when another thread is writing at that moment — to that thread's write
// loop, which writes it (with every other queued line, in index order, in one
// write()) before it stops (group commit: one syscall for many ops when many
// threads record at once). So a process killed at any moment leaves a valid
// JSONL prefix. The file is fsynced every `fsync_every` appends and by Close.
// Append assigns op.index (0, 1, 2, ...) in append order; serialisation
// happens outside the lock. Thread-safe: Append may be called from many
// threads; lines never interleave.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

class HistoryWriter {
 public:
  // Opens (truncates) `path`. Error names the path and the OS reason.
  static Result<std::unique_ptr<HistoryWriter>> Open(const std::string& path,
                                                     int fsync_every = 1000);
  ~HistoryWriter();  // Closes (fsync) if still open.

  // Records `op` with the next index and returns that index. After a write
  // error, later Appends return -1 and `status()` holds the error.
  int64_t Append(const Op& op);
  // Flushes and fsyncs; idempotent.
  Status Close();
  Status status() const;
  int64_t size() const;

 private:
  HistoryWriter(int fd, std::string path, int fsync_every);
  // Writes `data` fully; false (and status_ set) on error. Called without mu_.
  bool WriteAll(const std::string& data);
  mutable std::mutex mu_;
  std::string queued_;     // lines waiting for the writing thread
  bool writing_ = false;   // a thread is in the write loop
  int64_t queued_lines_ = 0;
  int fd_;
  std::string path_;
  int fsync_every_;
  int64_t next_index_ = 0;
  int since_fsync_ = 0;
  Status status_;
};

}  // namespace faultline
