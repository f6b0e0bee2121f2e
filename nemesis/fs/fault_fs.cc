#include "nemesis/fs/fault_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "nemesis/fs/fs_command.h"
#include "nemesis/fs/unsynced_file.h"

namespace faultline::fs {

using json = nlohmann::json;

namespace {
constexpr const char* kKeepDir = ".faultline-fs-keep";  // kept links, at the real root

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}
}  // namespace

class FaultFs {
 public:
  FaultFs(std::string root, uint64_t seed) : root_(std::move(root)), rng_(seed) {
    mkdir((root_ + "/" + kKeepDir).c_str(), 0700);
  }
  ~FaultFs() {
    for (auto& [ino, c] : cache_) close(c.fd);
  }

  static FaultFs* Self() { return static_cast<FaultFs*>(fuse_get_context()->private_data); }

  // "" for a null path (an unlinked file's call without fi): ENOENT, not root.
  std::string Real(const char* path) const { return path ? root_ + path : std::string(); }
  // With hard_remove, libfuse passes a null path for calls on an open file
  // that was unlinked (fi then names it): neither control nor hidden.
  static bool IsControl(const char* path) { return path && std::string(path) == std::string("/") + kControlName; }
  static bool IsHidden(const char* path) {
    if (!path) return false;
    std::string p(path);
    return p == std::string("/") + kControlName || p == std::string("/") + kKeepDir ||
           p.rfind(std::string("/") + kKeepDir + "/", 0) == 0;
  }

  // ---- faults ----
  // Sleeps for `slow` (outside the lock), then says whether this op fails
  // with EIO.
  bool Fault(uint8_t op) {
    int64_t ms = 0;
    bool eio = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (slow_ops_ & op) ms = slow_ms_;
      if (eio_ops_ & op) eio = std::uniform_real_distribution<double>(0, 1)(rng_) < eio_p_;
    }
    if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return eio;
  }
  bool Full() {
    std::lock_guard<std::mutex> l(mu_);
    return enospc_;
  }

  // ---- the page cache ----
  struct Cached {
    UnsyncedFile file;
    int fd;  // a descriptor of the real file, for sync and tearing
  };
  // The cache entry of the file open as `fd`, made on first use. mu_ held.
  Cached* CacheOf(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return nullptr;
    auto it = cache_.find(st.st_ino);
    if (it == cache_.end()) {
      int own = dup(fd);
      if (own < 0) return nullptr;
      it = cache_.emplace(st.st_ino, Cached{UnsyncedFile(st.st_size), own}).first;
    }
    return &it->second;
  }
  Cached* Find(ino_t ino) {
    auto it = cache_.find(ino);
    return it == cache_.end() ? nullptr : &it->second;
  }
  // Writes a cached file to its real file and fsyncs it. mu_ held.
  int SyncCached(ino_t ino, bool datasync) {
    Cached* c = Find(ino);
    if (!c) return 0;
    const UnsyncedFile& f = c->file;
    if (f.cut() >= 0 && ftruncate(c->fd, f.cut()) != 0) return -errno;
    for (const auto& [at, bytes] : f.extents()) {
      size_t done = 0;
      while (done < bytes.size()) {
        ssize_t n = pwrite(c->fd, bytes.data() + done, bytes.size() - done, at + static_cast<off_t>(done));
        if (n < 0) return -errno;
        done += static_cast<size_t>(n);
      }
    }
    struct stat st;
    if (fstat(c->fd, &st) == 0 && st.st_size != f.size() && ftruncate(c->fd, f.size()) != 0) return -errno;
    if ((datasync ? fdatasync(c->fd) : fsync(c->fd)) != 0) return -errno;
    close(c->fd);
    cache_.erase(ino);
    return 0;
  }
  void DropCached(ino_t ino) {
    if (Cached* c = Find(ino)) {
      close(c->fd);
      cache_.erase(ino);
    }
  }

  // ---- the directory journal ----
  struct DirOp {
    std::string kind;  // create, mkdir, unlink, rename
    std::string path, to;
    std::string kept;  // a kept link of what unlink/rename removed ("" none)
    ino_t ino = 0;
    bool path_parent_synced = false, to_parent_synced = false;
    // Some fsync (of any file or directory) came after it: durable on a
    // file system whose metadata journal commits at every fsync.
    bool journal_committed = false;
  };
  // A hard link of `real` kept in the hidden folder; "" if there is none.
  std::string Keep(const std::string& real) {
    struct stat st;
    if (lstat(real.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return "";
    std::string kept = root_ + "/" + kKeepDir + "/" + std::to_string(++kept_seq_);
    return link(real.c_str(), kept.c_str()) == 0 ? kept : "";
  }
  void Journal(DirOp op) {
    std::lock_guard<std::mutex> l(mu_);
    journal_.push_back(std::move(op));
  }
  // Some fsync succeeded: every op so far is in a committed journal
  // (lose-unfsynced dirs=journal). Called with mu_ held.
  void JournalCommitted() {
    for (DirOp& op : journal_) op.journal_committed = true;
  }
  // The directory `dir` (mount path) is fsynced: ops whose parents are all
  // synced are durable.
  void DirSynced(const std::string& dir) {
    std::lock_guard<std::mutex> l(mu_);
    JournalCommitted();
    std::vector<DirOp> left;
    for (DirOp& op : journal_) {
      if (Parent(op.path) == dir) op.path_parent_synced = true;
      if (op.kind == "rename" && Parent(op.to) == dir) op.to_parent_synced = true;
      bool durable = op.path_parent_synced && (op.kind != "rename" || op.to_parent_synced);
      if (durable) {
        if (!op.kept.empty()) unlink(op.kept.c_str());
      } else {
        left.push_back(std::move(op));
      }
    }
    journal_ = std::move(left);
  }

  // ---- commands ----
  std::string Run(const FsCommand& c) {
    std::lock_guard<std::mutex> l(mu_);
    json r;
    switch (c.kind) {
      case FsCommand::Kind::kLoseUnfsynced: r = LoseUnfsynced(c.tear, c.journal_dirs); break;
      case FsCommand::Kind::kCorrupt: r = Corrupt(c); break;
      case FsCommand::Kind::kEio:
        eio_p_ = c.p;
        eio_ops_ = c.ops;
        r = {{"eio", {{"p", c.p}, {"ops", OpsText(c.ops)}}}};
        break;
      case FsCommand::Kind::kEnospc:
        enospc_ = true;
        r = {{"enospc", true}};
        break;
      case FsCommand::Kind::kSlow:
        slow_ms_ = c.ms;
        slow_ops_ = c.ops;
        r = {{"slow", {{"ms", c.ms}, {"ops", OpsText(c.ops)}}}};
        break;
      case FsCommand::Kind::kClear:
        eio_ops_ = slow_ops_ = 0;
        enospc_ = false;
        r = {{"cleared", true}};
        break;
      case FsCommand::Kind::kFlush: r = Flush(); break;
      case FsCommand::Kind::kStatus: break;
    }
    size_t bytes = 0, files = 0;
    for (auto& [ino, cached] : cache_) {
      files += cached.file.dirty();
      bytes += cached.file.unsynced_bytes();
    }
    r["status"] = {{"unsynced_files", files}, {"unsynced_bytes", bytes}, {"journaled_dir_ops", journal_.size()},
                   {"eio", eio_ops_ ? json{{"p", eio_p_}, {"ops", OpsText(eio_ops_)}} : json(nullptr)},
                   {"enospc", enospc_},
                   {"slow", slow_ops_ ? json{{"ms", slow_ms_}, {"ops", OpsText(slow_ops_)}} : json(nullptr)}};
    return r.dump();
  }
  void SetResult(std::string r) {
    std::lock_guard<std::mutex> l(mu_);
    result_ = std::move(r) + "\n";
  }
  std::string Result() {
    std::lock_guard<std::mutex> l(mu_);
    return result_;
  }

  std::mutex mu_;

 private:
  static std::string OpsText(uint8_t ops) {
    std::string s;
    for (auto [bit, name] : {std::pair<uint8_t, const char*>{kOpRead, "read"}, {kOpWrite, "write"}, {kOpFsync, "fsync"}}) {
      if (ops & bit) s += (s.empty() ? "" : ",") + std::string(name);
    }
    return s;
  }

  json Flush() {
    size_t bytes = 0, files = 0;
    json errors = json::array();
    std::vector<ino_t> inos;
    for (auto& [ino, c] : cache_) inos.push_back(ino);
    for (ino_t ino : inos) {
      bytes += Find(ino)->file.unsynced_bytes();
      ++files;
      if (int rc = SyncCached(ino, false); rc != 0) errors.push_back(std::string("inode ") + std::to_string(ino) + ": " + std::strerror(-rc));
    }
    for (const DirOp& op : journal_) {
      if (!op.kept.empty()) unlink(op.kept.c_str());
    }
    size_t dir_ops = journal_.size();
    journal_.clear();
    sync();
    json r = {{"flushed", {{"files", files}, {"bytes", bytes}, {"dir_ops", dir_ops}}}};
    if (!errors.empty()) r["error"] = "flush: " + errors.dump();
    return r;
  }

  json LoseUnfsynced(bool tear, bool journal_dirs) {
    json r;
    size_t bytes = 0, files = 0;
    if (tear && last_ino_ && Find(last_ino_) && Find(last_ino_)->file.has_last_write()) {
      // A torn write: a random prefix of the last unsynced write made it.
      Cached* c = Find(last_ino_);
      const std::string& w = c->file.last_write();
      size_t keep = std::uniform_int_distribution<size_t>(0, w.size() - 1)(rng_);
      if (keep > 0 && pwrite(c->fd, w.data(), keep, c->file.last_write_offset()) >= 0) fsync(c->fd);
      r["torn"] = {{"offset", c->file.last_write_offset()}, {"kept", keep}, {"of", w.size()}};
    }
    for (auto& [ino, c] : cache_) {
      files += c.file.dirty();
      bytes += c.file.unsynced_bytes();
      close(c.fd);
    }
    cache_.clear();
    json undone = json::array();
    for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
      const DirOp& op = *it;
      if (journal_dirs && op.journal_committed) {
        if (!op.kept.empty()) unlink(op.kept.c_str());
        continue;
      }
      std::string real = root_ + op.path, to = root_ + op.to;
      struct stat st;
      if (op.kind == "create") {
        if (lstat(real.c_str(), &st) == 0 && st.st_ino == op.ino) unlink(real.c_str());
      } else if (op.kind == "mkdir") {
        rmdir(real.c_str());  // only when still empty
      } else if (op.kind == "unlink") {
        if (!op.kept.empty()) link(op.kept.c_str(), real.c_str());
      } else if (op.kind == "rename") {
        if (lstat(to.c_str(), &st) == 0 && st.st_ino == op.ino) rename(to.c_str(), real.c_str());
        if (!op.kept.empty()) link(op.kept.c_str(), to.c_str());
      }
      if (!op.kept.empty()) unlink(op.kept.c_str());
      undone.push_back(op.kind + " " + op.path + (op.to.empty() ? "" : " -> " + op.to));
    }
    journal_.clear();
    r["lost"] = {{"files", files}, {"bytes", bytes}, {"dir_ops_undone", undone}};
    return r;
  }

  // Regular files under the real root (not the hidden folder), relative.
  void Files(const std::string& rel, std::vector<std::string>* out) {
    DIR* d = opendir((root_ + rel).c_str());
    if (!d) return;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == ".." || (rel.empty() && name == kKeepDir)) continue;
      std::string path = rel + "/" + name;
      struct stat st;
      if (lstat((root_ + path).c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) Files(path, out);
      else if (S_ISREG(st.st_mode) && st.st_size > 0 && !Find(st.st_ino)) out->push_back(path);
    }
    closedir(d);
  }

  json Corrupt(const FsCommand& c) {
    std::string rel = c.file.empty() ? "" : "/" + c.file;
    if (rel.empty()) {
      std::vector<std::string> files;
      Files("", &files);
      std::sort(files.begin(), files.end());
      if (files.empty()) return {{"error", "corrupt: no file with synced bytes to corrupt"}};
      rel = files[std::uniform_int_distribution<size_t>(0, files.size() - 1)(rng_)];
    }
    std::string real = root_ + rel;
    int fd = open(real.c_str(), O_RDWR);
    if (fd < 0) return {{"error", "corrupt: " + rel.substr(1) + ": " + std::strerror(errno)}};
    struct stat st;
    fstat(fd, &st);
    if (Find(st.st_ino)) {
      close(fd);
      return {{"error", "corrupt: " + rel.substr(1) + " has unsynced bytes (lose-unfsynced or fsync it first)"}};
    }
    json r = {{"file", rel.substr(1)}};
    if (st.st_size == 0) {
      close(fd);
      return {{"error", "corrupt: " + rel.substr(1) + " is empty"}};
    }
    auto offset = [&](int64_t i) {
      if (c.offset) return std::min<int64_t>(*c.offset + i, st.st_size - 1);
      return static_cast<int64_t>(std::uniform_int_distribution<off_t>(0, st.st_size - 1)(rng_));
    };
    if (c.mode == CorruptMode::kTruncate) {
      int64_t at = c.offset ? std::min<int64_t>(*c.offset, st.st_size) : offset(0);
      ftruncate(fd, at);
      r["mode"] = "truncate";
      r["offset"] = at;
      r["bytes_removed"] = st.st_size - at;
    } else {
      json changed = json::array();
      for (int64_t i = 0; i < c.bytes; ++i) {
        int64_t at = offset(i);
        unsigned char old = 0;
        if (pread(fd, &old, 1, at) != 1) break;
        unsigned char now = c.mode == CorruptMode::kZero
                                ? 0
                                : static_cast<unsigned char>(old ^ (1u << std::uniform_int_distribution<int>(0, 7)(rng_)));
        pwrite(fd, &now, 1, at);
        changed.push_back({at, old, now});
      }
      r["mode"] = c.mode == CorruptMode::kZero ? "zero" : "bitflip";
      r["changed"] = changed;  // [offset, old byte, new byte]
    }
    fsync(fd);
    close(fd);
    return r;
  }

  std::string root_;
  std::mt19937_64 rng_;
  std::map<ino_t, Cached> cache_;
  std::vector<DirOp> journal_;
  std::atomic<uint64_t> kept_seq_{0};
  std::string result_ = "{}\n";
  double eio_p_ = 0;
  uint8_t eio_ops_ = 0, slow_ops_ = 0;
  int64_t slow_ms_ = 0;
  bool enospc_ = false;

 public:
  ino_t last_ino_ = 0;  // the file of the last write (for tear); mu_ held
};

namespace {

constexpr uint64_t kControlFh = ~uint64_t{0};

void* Init(fuse_conn_info* conn, fuse_config* cfg) {
  (void)conn;
  // No attribute or name caching in the kernel: sizes change behind its
  // back (lose-unfsynced, corrupt), and every lookup must see them.
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->hard_remove = 1;  // unlinked open files are not renamed to .fuse_hidden*
  cfg->use_ino = 1;
  return fuse_get_context()->private_data;
}

// faultline-fs runs as root, so what it creates is root's: a store that runs
// as its own user (postgres, mysql) must own the files and directories it
// makes, or it cannot open them once the mount is gone.
void OwnByCaller(const std::string& real, int fd = -1) {
  const fuse_context* c = fuse_get_context();
  if (c->uid == geteuid() && c->gid == getegid()) return;
  int rc = fd >= 0 ? fchown(fd, c->uid, c->gid) : lchown(real.c_str(), c->uid, c->gid);
  (void)rc;  // best effort: the file exists either way
}

int GetAttr(const char* path, struct stat* st, fuse_file_info* fi) {
  FaultFs* fs = FaultFs::Self();
  if (FaultFs::IsControl(path)) {
    std::memset(st, 0, sizeof *st);
    st->st_mode = S_IFREG | 0600;
    st->st_nlink = 1;
    st->st_size = static_cast<off_t>(fs->Result().size());
    return 0;
  }
  if (FaultFs::IsHidden(path)) return -ENOENT;
  int rc = fi && fi->fh != kControlFh ? fstat(static_cast<int>(fi->fh), st) : lstat(fs->Real(path).c_str(), st);
  if (rc != 0) return -errno;
  std::lock_guard<std::mutex> l(fs->mu_);
  if (auto* c = fs->Find(st->st_ino)) {
    st->st_size = c->file.size();
    st->st_blocks = (st->st_size + 511) / 512;
  }
  return 0;
}

int ReadLink(const char* path, char* buf, size_t size) {
  ssize_t n = readlink(FaultFs::Self()->Real(path).c_str(), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

int MkDir(const char* path, mode_t mode) {
  FaultFs* fs = FaultFs::Self();
  if (FaultFs::IsHidden(path)) return -EPERM;
  if (fs->Full()) return -ENOSPC;
  if (mkdir(fs->Real(path).c_str(), mode) != 0) return -errno;
  OwnByCaller(fs->Real(path));
  fs->Journal({"mkdir", path, "", "", 0});
  return 0;
}

int Unlink(const char* path) {
  FaultFs* fs = FaultFs::Self();
  if (FaultFs::IsHidden(path)) return -EPERM;
  std::string real = fs->Real(path);
  std::string kept = fs->Keep(real);
  if (unlink(real.c_str()) != 0) {
    int e = errno;
    if (!kept.empty()) unlink(kept.c_str());
    return -e;
  }
  fs->Journal({"unlink", path, "", kept, 0});
  return 0;
}

int RmDir(const char* path) {
  if (FaultFs::IsHidden(path)) return -EPERM;
  return rmdir(FaultFs::Self()->Real(path).c_str()) == 0 ? 0 : -errno;
}

int SymLink(const char* target, const char* path) {
  FaultFs* fs = FaultFs::Self();
  if (fs->Full()) return -ENOSPC;
  if (symlink(target, fs->Real(path).c_str()) != 0) return -errno;
  OwnByCaller(fs->Real(path));
  return 0;
}

int Rename(const char* from, const char* to, unsigned int flags) {
  FaultFs* fs = FaultFs::Self();
  if (FaultFs::IsHidden(from) || FaultFs::IsHidden(to)) return -EPERM;
  std::string rf = fs->Real(from), rt = fs->Real(to);
  struct stat st;
  if (lstat(rf.c_str(), &st) != 0) return -errno;
  std::string kept = fs->Keep(rt);  // what the rename replaces
  if (renameat2(AT_FDCWD, rf.c_str(), AT_FDCWD, rt.c_str(), flags) != 0) {
    int e = errno;
    if (!kept.empty()) unlink(kept.c_str());
    return -e;
  }
  FaultFs::DirOp op{"rename", from, to, kept, st.st_ino};
  fs->Journal(op);
  return 0;
}

int Link(const char* from, const char* to) {
  FaultFs* fs = FaultFs::Self();
  return link(fs->Real(from).c_str(), fs->Real(to).c_str()) == 0 ? 0 : -errno;
}

int ChMod(const char* path, mode_t mode, fuse_file_info* fi) {
  if (FaultFs::IsHidden(path)) return -EPERM;
  if (!path) return !fi ? -EBADF : fchmod(static_cast<int>(fi->fh), mode) == 0 ? 0 : -errno;
  return chmod(FaultFs::Self()->Real(path).c_str(), mode) == 0 ? 0 : -errno;
}

int ChOwn(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  if (FaultFs::IsHidden(path)) return -EPERM;
  if (!path) return !fi ? -EBADF : fchown(static_cast<int>(fi->fh), uid, gid) == 0 ? 0 : -errno;
  return lchown(FaultFs::Self()->Real(path).c_str(), uid, gid) == 0 ? 0 : -errno;
}

int Truncate(const char* path, off_t size, fuse_file_info* fi) {
  FaultFs* fs = FaultFs::Self();
  if (FaultFs::IsControl(path)) return 0;
  if (FaultFs::IsHidden(path)) return -EPERM;
  int fd = fi ? static_cast<int>(fi->fh) : open(fs->Real(path).c_str(), O_RDWR);
  if (fd < 0) return -errno;
  int rc = 0;
  {
    std::lock_guard<std::mutex> l(fs->mu_);
    FaultFs::Cached* c = fs->CacheOf(fd);
    if (!c) rc = -EIO;
    else c->file.Truncate(size);
  }
  if (!fi) close(fd);
  return rc;
}

int OpenReal(const char* path, fuse_file_info* fi, bool create, mode_t mode) {
  FaultFs* fs = FaultFs::Self();
  std::string real = fs->Real(path);
  struct stat before;
  bool existed = lstat(real.c_str(), &before) == 0;
  if (create && !existed && fs->Full()) return -ENOSPC;
  // O_TRUNC and O_APPEND are done here, on the cached file, not by the
  // real file (which changes only on fsync). O_DIRECT is dropped: the real
  // file is read into and written from unaligned buffers, and the cache
  // is what the store's direct I/O goes around anyway (as on a disk with a
  // volatile write cache, its data is durable at fsync).
  int flags = fi->flags & ~(O_TRUNC | O_APPEND | O_DIRECT);
  if ((flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~O_ACCMODE) | O_RDWR;  // reads fill the cache's gaps
  int fd = create ? open(real.c_str(), flags | O_CREAT, mode) : open(real.c_str(), flags);
  if (fd < 0) return -errno;
  fi->fh = static_cast<uint64_t>(fd);
  if (fi->flags & O_TRUNC) {
    std::lock_guard<std::mutex> l(fs->mu_);
    if (FaultFs::Cached* c = fs->CacheOf(fd)) c->file.Truncate(0);
  }
  if (create && !existed) {
    OwnByCaller(real, fd);
    struct stat st;
    fstat(fd, &st);
    fs->Journal({"create", path, "", "", st.st_ino});
  }
  return 0;
}

int Open(const char* path, fuse_file_info* fi) {
  if (FaultFs::IsControl(path)) {
    fi->fh = kControlFh;
    fi->direct_io = 1;  // every read asks for the latest result
    return 0;
  }
  if (FaultFs::IsHidden(path)) return -ENOENT;
  return OpenReal(path, fi, false, 0);
}

int Create(const char* path, mode_t mode, fuse_file_info* fi) {
  if (FaultFs::IsHidden(path)) return -EPERM;
  return OpenReal(path, fi, true, mode);
}

int Read(const char* path, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  FaultFs* fs = FaultFs::Self();
  if (fi->fh == kControlFh) {
    std::string r = fs->Result();
    if (offset >= static_cast<off_t>(r.size())) return 0;
    size_t n = std::min(size, r.size() - static_cast<size_t>(offset));
    std::memcpy(buf, r.data() + offset, n);
    return static_cast<int>(n);
  }
  if (fs->Fault(kOpRead)) return -EIO;
  int fd = static_cast<int>(fi->fh);
  std::lock_guard<std::mutex> l(fs->mu_);
  ssize_t disk = pread(fd, buf, size, offset);
  if (disk < 0) return -errno;
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  if (FaultFs::Cached* c = fs->Find(st.st_ino)) {
    return static_cast<int>(c->file.Read(offset, buf, size, static_cast<size_t>(disk)));
  }
  return static_cast<int>(disk);
}

int Write(const char* path, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  FaultFs* fs = FaultFs::Self();
  if (fi->fh == kControlFh) {
    std::string error;
    auto command = ParseFsCommand(std::string(buf, size), &error);
    if (!command) {
      fs->SetResult(json{{"error", error}}.dump());
      return -EINVAL;
    }
    fs->SetResult(fs->Run(*command));
    return static_cast<int>(size);
  }
  if (fs->Full()) return -ENOSPC;
  if (fs->Fault(kOpWrite)) return -EIO;
  std::lock_guard<std::mutex> l(fs->mu_);
  FaultFs::Cached* c = fs->CacheOf(static_cast<int>(fi->fh));
  if (!c) return -EIO;
  if (fi->flags & O_APPEND) offset = c->file.size();
  c->file.Write(offset, std::string_view(buf, size));
  struct stat st;
  if (fstat(c->fd, &st) == 0) fs->last_ino_ = st.st_ino;
  if (fi->flags & O_DSYNC) {  // O_SYNC / O_DSYNC: each write is its own fsync
    if (int rc = fs->SyncCached(st.st_ino, (fi->flags & O_SYNC) != O_SYNC); rc != 0) return rc;
    fs->JournalCommitted();
  }
  return static_cast<int>(size);
}

int StatFs(const char* path, struct statvfs* st) {
  FaultFs* fs = FaultFs::Self();
  if (statvfs(fs->Real("/").c_str(), st) != 0) return -errno;
  if (fs->Full()) st->f_bfree = st->f_bavail = 0;
  return 0;
}

int Release(const char* path, fuse_file_info* fi) {
  if (fi->fh != kControlFh) close(static_cast<int>(fi->fh));
  return 0;
}

int FSync(const char* path, int datasync, fuse_file_info* fi) {
  FaultFs* fs = FaultFs::Self();
  if (fi && fi->fh == kControlFh) return 0;
  bool eio = fs->Fault(kOpFsync);
  int fd = fi ? static_cast<int>(fi->fh) : open(fs->Real(path).c_str(), O_RDONLY);
  if (fd < 0) return -errno;
  struct stat st;
  int rc = fstat(fd, &st) == 0 ? 0 : -errno;
  if (rc == 0) {
    std::lock_guard<std::mutex> l(fs->mu_);
    if (eio) {
      fs->DropCached(st.st_ino);  // the failed writeback's pages are clean now
      rc = -EIO;
    } else {
      rc = fs->SyncCached(st.st_ino, datasync != 0);
      if (rc == 0 && (datasync ? fdatasync(fd) : fsync(fd)) != 0) rc = -errno;
      if (rc == 0) fs->JournalCommitted();
    }
  }
  if (!fi) close(fd);
  return rc;
}

int OpenDir(const char* path, fuse_file_info* fi) {
  if (FaultFs::IsHidden(path)) return -ENOENT;
  DIR* d = opendir(FaultFs::Self()->Real(path).c_str());
  if (!d) return -errno;
  fi->fh = reinterpret_cast<uint64_t>(d);
  return 0;
}

int ReadDir(const char* path, void* buf, fuse_fill_dir_t fill, off_t offset, fuse_file_info* fi,
            fuse_readdir_flags flags) {
  DIR* d = reinterpret_cast<DIR*>(fi->fh);
  rewinddir(d);
  bool root = std::string(path) == "/";
  while (dirent* e = readdir(d)) {
    if (root && (std::string(e->d_name) == kControlName || std::string(e->d_name) == kKeepDir)) continue;
    struct stat st;
    std::memset(&st, 0, sizeof st);
    st.st_ino = e->d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(e->d_type));
    if (fill(buf, e->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0))) break;
  }
  return 0;
}

int ReleaseDir(const char* path, fuse_file_info* fi) {
  closedir(reinterpret_cast<DIR*>(fi->fh));
  return 0;
}

int FSyncDir(const char* path, int datasync, fuse_file_info* fi) {
  FaultFs* fs = FaultFs::Self();
  if (fs->Fault(kOpFsync)) return -EIO;
  int fd = dirfd(reinterpret_cast<DIR*>(fi->fh));
  if (fsync(fd) != 0) return -errno;
  if (path) fs->DirSynced(path);  // a removed directory has no entries left to keep
  return 0;
}

int Access(const char* path, int mask) {
  if (FaultFs::IsControl(path)) return 0;
  if (FaultFs::IsHidden(path)) return -ENOENT;
  return access(FaultFs::Self()->Real(path).c_str(), mask) == 0 ? 0 : -errno;
}

int UTimeNs(const char* path, const timespec tv[2], fuse_file_info* fi) {
  if (FaultFs::IsControl(path)) return 0;
  if (!path) return !fi ? -EBADF : futimens(static_cast<int>(fi->fh), tv) == 0 ? 0 : -errno;
  return utimensat(AT_FDCWD, FaultFs::Self()->Real(path).c_str(), tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

fuse_operations MakeOperations() {
  fuse_operations o;
  std::memset(&o, 0, sizeof o);
  o.init = Init;
  o.getattr = GetAttr;
  o.readlink = ReadLink;
  o.mkdir = MkDir;
  o.unlink = Unlink;
  o.rmdir = RmDir;
  o.symlink = SymLink;
  o.rename = Rename;
  o.link = Link;
  o.chmod = ChMod;
  o.chown = ChOwn;
  o.truncate = Truncate;
  o.open = Open;
  o.create = Create;
  o.read = Read;
  o.write = Write;
  o.statfs = StatFs;
  o.release = Release;
  o.fsync = FSync;
  o.opendir = OpenDir;
  o.readdir = ReadDir;
  o.releasedir = ReleaseDir;
  o.fsyncdir = FSyncDir;
  o.access = Access;
  o.utimens = UTimeNs;
  return o;
}

}  // namespace

const fuse_operations* FaultFsOperations() {
  static const fuse_operations ops = MakeOperations();
  return &ops;
}

FaultFs* NewFaultFs(const std::string& real_root, uint64_t seed) { return new FaultFs(real_root, seed); }
void DeleteFaultFs(FaultFs* fs) { delete fs; }

}  // namespace faultline::fs
