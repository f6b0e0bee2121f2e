// FsCommand: the control language of faultline-fs. The controller writes
// one command per write(2) to the control file at the mount's root
// (kControlName; invisible to readdir) and reads the control file for the
// last command's result, one JSON line.
//
//   lose-unfsynced [tear] [dirs=posix|journal]
//                             drop every byte and size change not fsynced,
//                             and undo creates and renames whose directory
//                             was not fsynced since (a power cut); with
//                             `tear`, a random prefix of the last unsynced
//                             write reaches the disk first (a torn write);
//                             with dirs=journal, any fsync made every
//                             earlier directory op durable, as ext4's and
//                             XFS's metadata journals do (posix, the
//                             default: only its directory's fsync does)
//   corrupt [file=REL] [mode=bitflip|truncate|zero] [offset=N] [bytes=N]
//                             on disk: flip one bit in each of `bytes` bytes
//                             (default 1), cut the file at `offset`, or zero
//                             `bytes` bytes; file and offset random (seeded)
//                             when not given
//   eio [p=F] [ops=read,write,fsync]   fail that fraction (default 1) of those
//                             operations (default all three) with EIO
//   enospc                    writes, creates and growth fail with ENOSPC
//   slow ms=N [ops=all|fsync|read|write]  delay those operations by N ms
//   clear                     end eio, enospc and slow
//   flush                     write every unsynced byte to disk and fsync it,
//                             make journaled directory ops durable (the
//                             writeback of a clean shutdown: nothing lost)
//   status                    unsynced bytes and files, active faults
//
// Parse is pure; errors are one line naming the word that is wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace faultline::fs {

inline constexpr const char* kControlName = ".faultline-fs";

// Operation classes a fault applies to (bits).
enum FsOp : uint8_t { kOpRead = 1, kOpWrite = 2, kOpFsync = 4, kOpAll = 7 };

enum class CorruptMode { kBitflip, kTruncate, kZero };

struct FsCommand {
  enum class Kind { kLoseUnfsynced, kCorrupt, kEio, kEnospc, kSlow, kClear, kFlush, kStatus } kind = Kind::kStatus;
  bool tear = false;                 // lose-unfsynced
  bool journal_dirs = false;         // lose-unfsynced dirs=journal
  std::string file;                  // corrupt: relative path, "" = random
  CorruptMode mode = CorruptMode::kBitflip;
  std::optional<int64_t> offset;     // corrupt: nullopt = random
  int64_t bytes = 1;                 // corrupt: bitflip / zero count
  double p = 1.0;                    // eio
  uint8_t ops = kOpAll;              // eio, slow
  int64_t ms = 0;                    // slow
};

// Parses one command line (trailing newline and spaces ignored). Returns
// nullopt and sets *error ("unknown command \"foo\"", "eio: p=2 is not a
// fraction in [0, 1]") when it is not one.
std::optional<FsCommand> ParseFsCommand(const std::string& line, std::string* error);

}  // namespace faultline::fs
