#include "targets/ringstore/durable_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace faultline::ringstore {
namespace {

const std::array<uint32_t, 256>& CrcTable() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

uint32_t Crc32(std::string_view data) {
  const auto& t = CrcTable();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = t[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// fsync of the directory holding `path`, so a rename or create is durable.
bool SyncDir(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

constexpr uint32_t kMaxRecord = 64u << 20;

}  // namespace

void DurableLog::Frame(std::string_view payload, std::string* out) {
  PutU32(static_cast<uint32_t>(payload.size()), out);
  PutU32(Crc32(payload), out);
  out->append(payload);
}

Result<std::unique_ptr<DurableLog>> DurableLog::Open(const std::string& path, const ReplayFn& replay,
                                                     uint64_t compact_min_bytes, bool fsync) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(Errno("open " + path));
  std::string data;
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string e = Errno("read " + path);
      ::close(fd);
      return Status::Error(e);
    }
    if (n == 0) break;
    data.append(buf.data(), static_cast<size_t>(n));
  }
  size_t pos = 0;
  while (pos + 8 <= data.size()) {
    uint32_t len = GetU32(data.data() + pos);
    uint32_t crc = GetU32(data.data() + pos + 4);
    if (len <= kMaxRecord && pos + 8 + len > data.size()) break;  // a record cut short: the torn tail
    // Zeros to the end: the file grew but its last blocks never got their
    // data (a crash between the size and the data reaching the disk): a torn
    // tail too. No record is empty (payloads carry a version byte), so an
    // empty one followed by anything else is corruption.
    if (len == 0 && data.find_first_not_of('\0', pos) == std::string::npos) break;
    // A whole record whose checksum fails, or a length no record has, is
    // not what a crash leaves (a torn write is a prefix of the bytes
    // written): it is corruption, and everything from here on may include
    // promises and accepted values this node acknowledged. Starting without
    // them could break linearizability, so refuse to start.
    std::string_view payload(data.data() + pos + 8, len <= kMaxRecord ? len : 0);
    if (len == 0 || len > kMaxRecord || Crc32(payload) != crc) {
      ::close(fd);
      return Status::Error(path + " is corrupt at byte " + std::to_string(pos) + " of " + std::to_string(data.size()) +
                           (len == 0 ? " (an empty record before non-zero bytes)"
                           : len > kMaxRecord ? " (a record length of " + std::to_string(len) + " bytes)"
                                             : " (a record's checksum does not match)") +
                           ": refusing to start with less than this node acknowledged; repair or remove the "
                           "data directory to rejoin empty");
    }
    replay(payload);
    pos += 8 + len;
  }
  if (pos != data.size()) {
    // A torn tail: the write of these bytes never completed, so no reply
    // depended on them. Cut them off so new records follow intact ones.
    if (::ftruncate(fd, static_cast<off_t>(pos)) != 0 || ::fdatasync(fd) != 0) {
      std::string e = Errno("truncate torn tail of " + path);
      ::close(fd);
      return Status::Error(e);
    }
  }
  if (::lseek(fd, static_cast<off_t>(pos), SEEK_SET) < 0) {
    std::string e = Errno("seek " + path);
    ::close(fd);
    return Status::Error(e);
  }
  SyncDir(path);
  return std::unique_ptr<DurableLog>(new DurableLog(path, fd, pos, compact_min_bytes, fsync));
}

DurableLog::DurableLog(std::string path, int fd, uint64_t bytes, uint64_t compact_min_bytes, bool fsync)
    : path_(std::move(path)), compact_min_bytes_(compact_min_bytes), fsync_(fsync), fd_(fd) {
  file_bytes_ = bytes;
  snapshot_bytes_ = bytes;
  writer_ = std::thread([this] { WriterLoop(); });
}

DurableLog::~DurableLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  writer_.join();
  ::close(fd_);
}

uint64_t DurableLog::Append(std::string_view payload) {
  std::lock_guard<std::mutex> lock(mu_);
  Frame(payload, &pending_);
  uint64_t seq = ++last_seq_;
  work_cv_.notify_one();
  return seq;
}

bool DurableLog::WaitDurable(uint64_t seq) {
  std::unique_lock<std::mutex> lock(mu_);
  durable_cv_.wait(lock, [&] { return durable_seq_ >= seq || !error_.empty(); });
  return durable_seq_ >= seq;
}

uint64_t DurableLog::last_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_seq_;
}
uint64_t DurableLog::file_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return file_bytes_;
}
uint64_t DurableLog::fsyncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fsyncs_;
}
uint64_t DurableLog::compactions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return compactions_;
}
std::string DurableLog::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void DurableLog::SetSnapshotter(SnapshotFn fn) {
  std::lock_guard<std::mutex> lock(mu_);
  snapshotter_ = std::move(fn);
}

uint64_t DurableLog::MarkSnapshotLocked() {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.clear();
  snapshot_seq_ = last_seq_;
  return last_seq_;
}

void DurableLog::Fail(const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (error_.empty()) {
    error_ = what;
    // Once, on the store's log: after a failed write or fsync nothing is
    // acknowledged again (retrying an fsync could "succeed" over lost pages).
    std::fprintf(stderr, "durable log failed: %s: no write is acknowledged from now on (restart to recover)\n",
                 what.c_str());
  }
  durable_cv_.notify_all();
}

bool DurableLog::WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

void DurableLog::WriterLoop() {
  for (;;) {
    std::string batch;
    uint64_t batch_seq;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      if (pending_.empty() && stop_) return;
      batch.swap(pending_);
      batch_seq = last_seq_;
      if (!error_.empty()) continue;  // failed: never report anything durable again
    }
    if (!WriteAll(fd_, batch)) {
      Fail(Errno("write " + path_));
      continue;
    }
    // --fsync never: "durable" once written to the page cache, which a
    // power cut (faultline's lose-unfsynced) takes away.
    if (fsync_ && ::fdatasync(fd_) != 0) {
      Fail(Errno("fdatasync " + path_));
      continue;
    }
    bool compact;
    {
      std::lock_guard<std::mutex> lock(mu_);
      durable_seq_ = batch_seq;
      file_bytes_ += batch.size();
      fsyncs_ += fsync_;
      compact = snapshotter_ && file_bytes_ > std::max(compact_min_bytes_, 4 * snapshot_bytes_);
    }
    durable_cv_.notify_all();
    if (compact) Compact();
  }
}

void DurableLog::Compact() {
  SnapshotFn snap;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snap = snapshotter_;
  }
  // The snapshotter calls MarkSnapshotLocked: from here on the records it
  // covers live only in `image` until the rename below.
  std::string image = snap();
  std::string tmp = path_ + ".compact";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(Errno("open " + tmp));
  if (!WriteAll(fd, image) || (fsync_ && ::fdatasync(fd) != 0)) {
    ::close(fd);
    return Fail(Errno("write snapshot " + tmp));
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::close(fd);
    return Fail(Errno("rename " + tmp));
  }
  if (fsync_ && !SyncDir(path_)) {
    ::close(fd);
    return Fail(Errno("fsync directory of " + path_));
  }
  ::close(fd);
  int nfd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (nfd < 0) return Fail(Errno("reopen " + path_));
  std::lock_guard<std::mutex> lock(mu_);
  ::close(fd_);
  fd_ = nfd;
  file_bytes_ = image.size();
  snapshot_bytes_ = image.size();
  durable_seq_ = std::max(durable_seq_, snapshot_seq_);
  ++compactions_;
  durable_cv_.notify_all();
}

}  // namespace faultline::ringstore
