// HistoryWriter: streams a run's history to a JSON Lines file as ops happen.
//
// Each Append writes one complete line and flushes it to the kernel, so a
// process killed at any moment leaves a valid JSONL prefix; the file is
// fsynced every `fsync_every` appends and by Close. Append assigns op.index
// (0, 1, 2, ...) in append order. Thread-safe: Append may be called from many
// threads; lines never interleave.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "harness/op.h"
#include "harness/status.h"

namespace faultline {

class HistoryWriter {
 public:
  // Opens (truncates) `path`. Error names the path and the OS reason.
  static Result<std::unique_ptr<HistoryWriter>> Open(const std::string& path,
                                                     int fsync_every = 1000);
  ~HistoryWriter();  // Closes (fsync) if still open.

  // Records `op` with the next index and returns that index. After a write
  // error, later Appends return -1 and `status()` holds the error.
  int64_t Append(Op op);
  // Flushes and fsyncs; idempotent.
  Status Close();
  Status status() const;
  int64_t size() const;

 private:
  HistoryWriter(int fd, std::string path, int fsync_every);
  mutable std::mutex mu_;
  int fd_;
  std::string path_;
  int fsync_every_;
  int64_t next_index_ = 0;
  int since_fsync_ = 0;
  Status status_;
};

}  // namespace faultline
