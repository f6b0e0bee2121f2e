// FaultFs: faultline-fs's file system — a FUSE passthrough (libfuse3's
// high-level API) of a real directory that behaves like a disk behind a
// page cache, and breaks like one on command (fs_command.h).
//
// What is durable, as on a real file system after a power cut:
// - A file's bytes and size are kept in memory (UnsyncedFile) from write or
//   truncate until the file's fsync/fdatasync, which writes them to the
//   real file and fsyncs it. Readers see them at once. A file opened with
//   O_SYNC or O_DSYNC is written through at each write; O_DIRECT is
//   accepted and treated as cached I/O (a disk's volatile write cache).
// - A create, mkdir, unlink or rename is made in the real directory at once
//   (so the passthrough stays simple) but journaled until its parent
//   directories are fsynced; lose-unfsynced undoes the journal newest first
//   (a created file is removed, a renamed one gets its old name back, an
//   unlinked or replaced one returns: they are kept as hard links in a
//   hidden folder until then). rmdir, link, symlink and attribute changes
//   are durable at once.
// - An fsync that fails (eio on fsync) loses that file's unsynced bytes,
//   as Linux marks the pages clean after a failed writeback ("fsyncgate"):
//   a store that retries the fsync and acks has lost data.
// - Unmounting drops what was never fsynced (nothing is written back).
//
// Files a caller other than root creates (mkdir, create, symlink) are
// chowned to it: stores that run as their own user keep owning their files.
// An open file that was unlinked keeps working through its descriptor
// (libfuse passes a null path then: read, write, fsync, ftruncate), except
// fstat, lseek(SEEK_END), fchmod, fchown and futimens, which fail with
// ESTALE: the kernel sends them by inode with no file handle, and the
// high-level API has no path left to give.
//
// The control file (kControlName, at the root, absent from readdir) takes
// one command per write and reads back the last result as JSON. The hidden
// folder of kept links is absent from readdir too. One lock serializes
// every operation (stores under test are not throughput-bound here);
// delays of `slow` are slept outside it.
#pragma once

#define FUSE_USE_VERSION 312
#include <fuse3/fuse.h>

#include <cstdint>
#include <string>

namespace faultline::fs {

// The callbacks; private_data (fuse_main's user_data) must be a FaultFs*.
const fuse_operations* FaultFsOperations();

class FaultFs;
// A file system over `real_root` (an existing directory), with random
// choices (eio, corrupt, tear) drawn from `seed`.
FaultFs* NewFaultFs(const std::string& real_root, uint64_t seed);
void DeleteFaultFs(FaultFs* fs);

}  // namespace faultline::fs
