// ChildFds: what a child process of the controller inherits — exactly its
// stdin, stdout and stderr (DESIGN.md §3: "every child process gets only fds
// 0-2"). O_CLOEXEC on our own descriptors is not enough: libraries (libssh's
// sockets, a std::ofstream log) open theirs without it, and a pipe made by
// another thread can be inherited in the instant before its close-on-exec
// flag is set. So every spawn site closes whatever is above 2 in the child,
// between fork and exec:
//
//   - a fork/exec child calls CloseInheritedFds() (async-signal-safe);
//   - a posix_spawn caller adds AddCloseInheritedFds(&actions) last.
//
// Both are safe to use from any thread; CloseInheritedFds only in a child
// between fork and exec (it closes descriptors the parent's other threads
// may be using, which in the child are copies).
#pragma once

#include <spawn.h>

namespace faultline {

// How CloseInheritedFds closes: close_range(2) (Linux 5.9+), else by the
// entries of /proc/self/fd (read with getdents64, no allocation), else every
// number below RLIMIT_NOFILE. kAuto tries them in that order; the others
// exist so tests can prove each fallback.
enum class CloseFdsMethod { kAuto, kCloseRange, kProcSelfFd, kLoop };

// Closes every descriptor >= 3 except `keep` (-1: none), in the calling
// process. Async-signal-safe (only raw syscalls, no allocation). Returns
// false only when the chosen method is unavailable (kCloseRange on an old
// kernel, kProcSelfFd without /proc); kAuto always succeeds.
bool CloseInheritedFds(int keep = -1, CloseFdsMethod method = CloseFdsMethod::kAuto) noexcept;

// Adds "close every descriptor >= 3" to a posix_spawn file actions list
// (after the dup2s onto 0-2, which it does not undo). Returns posix_spawn's
// error code (0 on success).
int AddCloseInheritedFds(posix_spawn_file_actions_t* actions);

}  // namespace faultline
