#include "harness/history/history_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

namespace faultline {

Result<std::unique_ptr<HistoryWriter>> HistoryWriter::Open(const std::string& path,
                                                           int fsync_every) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(path + ": cannot open for writing: " + std::strerror(errno));
  return std::unique_ptr<HistoryWriter>(new HistoryWriter(fd, path, fsync_every));
}

HistoryWriter::HistoryWriter(int fd, std::string path, int fsync_every)
    : fd_(fd), path_(std::move(path)), fsync_every_(fsync_every < 1 ? 1 : fsync_every) {}

HistoryWriter::~HistoryWriter() { Close(); }

int64_t HistoryWriter::Append(const Op& op) {
  // Serialise without the index (unknown until we hold the lock), then
  // splice `"index":N,` in after the opening brace.
  std::string body;
  body.reserve(160);
  AppendOpJsonWithoutIndex(op, &body);
  std::unique_lock<std::mutex> lock(mu_);
  if (fd_ < 0 || !status_.ok()) return -1;
  const int64_t index = next_index_++;
  queued_ += "{\"index\":";
  queued_ += std::to_string(index);
  if (body.size() > 2) queued_ += ',';
  queued_.append(body, 1, std::string::npos);
  queued_ += '\n';
  ++queued_lines_;
  if (writing_) return index;  // the writing thread picks this line up
  writing_ = true;
  while (!queued_.empty()) {
    std::string batch;
    batch.swap(queued_);
    int64_t lines = queued_lines_;
    queued_lines_ = 0;
    lock.unlock();
    bool ok = WriteAll(batch);
    bool sync = false;
    lock.lock();
    if (!ok) break;
    since_fsync_ += static_cast<int>(lines);
    if (since_fsync_ >= fsync_every_) {
      since_fsync_ = 0;
      sync = true;
    }
    if (sync) {
      lock.unlock();
      ::fdatasync(fd_);
      lock.lock();
    }
  }
  writing_ = false;
  return status_.ok() ? index : -1;
}

bool HistoryWriter::WriteAll(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu_);
      status_ = Status::Error(path_ + ": write failed: " + std::strerror(errno));
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

Status HistoryWriter::Close() {
  std::unique_lock<std::mutex> lock(mu_);
  if (fd_ < 0) return status_;
  // Let a thread still in its write loop finish (it empties the queue).
  while (writing_) {
    lock.unlock();
    std::this_thread::yield();
    lock.lock();
  }
  if (fd_ < 0) return status_;
  if (::fsync(fd_) != 0 && status_.ok()) {
    status_ = Status::Error(path_ + ": fsync failed: " + std::strerror(errno));
  }
  ::close(fd_);
  fd_ = -1;
  return status_;
}

Status HistoryWriter::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

int64_t HistoryWriter::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_index_;
}

}  // namespace faultline
