#include "harness/control/child_fds.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace faultline {
namespace {

bool CloseRange(unsigned lo, unsigned hi) {
#ifdef SYS_close_range
  return lo > hi || ::syscall(SYS_close_range, lo, hi, 0) == 0;
#else
  return false;
#endif
}

bool ByCloseRange(int keep) {
  if (keep < 3) return CloseRange(3, ~0U);
  return CloseRange(3, static_cast<unsigned>(keep) - 1) && CloseRange(static_cast<unsigned>(keep) + 1, ~0U);
}

// The kernel's struct linux_dirent64.
struct Dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

// Closing entries while reading the directory may make it skip some, so the
// listing is read again from the start until a pass closes nothing.
bool ByProcSelfFd(int keep) {
  int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return false;
  alignas(8) char buf[4096];
  bool closed_any = true;
  while (closed_any) {
    closed_any = false;
    if (::lseek(dir, 0, SEEK_SET) != 0) break;
    for (;;) {
      long n = ::syscall(SYS_getdents64, dir, buf, sizeof buf);
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        const auto* d = reinterpret_cast<const Dirent64*>(buf + off);
        off += d->d_reclen;
        int fd = 0;
        bool number = d->d_name[0] != '\0';
        for (const char* c = d->d_name; *c; ++c) {
          if (*c < '0' || *c > '9') {
            number = false;
            break;
          }
          fd = fd * 10 + (*c - '0');
        }
        if (!number || fd < 3 || fd == keep || fd == dir) continue;
        ::close(fd);
        closed_any = true;
      }
    }
  }
  ::close(dir);
  return true;
}

void ByLoop(int keep) {
  struct rlimit rl {};
  long max = ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                 ? static_cast<long>(rl.rlim_cur)
                 : 65536;
  for (long fd = 3; fd < max; ++fd) {
    if (fd != keep) ::close(static_cast<int>(fd));
  }
}

}  // namespace

bool CloseInheritedFds(int keep, CloseFdsMethod method) noexcept {
  switch (method) {
    case CloseFdsMethod::kCloseRange:
      return ByCloseRange(keep);
    case CloseFdsMethod::kProcSelfFd:
      return ByProcSelfFd(keep);
    case CloseFdsMethod::kLoop:
      ByLoop(keep);
      return true;
    case CloseFdsMethod::kAuto:
      break;
  }
  if (ByCloseRange(keep) || ByProcSelfFd(keep)) return true;
  ByLoop(keep);
  return true;
}

int AddCloseInheritedFds(posix_spawn_file_actions_t* actions) {
  // glibc 2.34+: close_range in the child, with its own /proc fallback.
  return posix_spawn_file_actions_addclosefrom_np(actions, 3);
}

}  // namespace faultline
