#include "harness/history_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

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

int64_t HistoryWriter::Append(Op op) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0 || !status_.ok()) return -1;
  op.index = next_index_;
  std::string line = OpToJson(op).dump(-1, ' ', false, json::error_handler_t::replace);
  line.push_back('\n');
  // One write() per line: a reader (or a crash) sees whole lines only.
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      status_ = Status::Error(path_ + ": write failed: " + std::strerror(errno));
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  if (++since_fsync_ >= fsync_every_) {
    ::fdatasync(fd_);
    since_fsync_ = 0;
  }
  return next_index_++;
}

Status HistoryWriter::Close() {
  std::lock_guard<std::mutex> lock(mu_);
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
