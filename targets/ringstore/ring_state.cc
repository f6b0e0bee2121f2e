#include "targets/ringstore/ring_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace faultline::ringstore {
namespace {

Status WriteFileDurably(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error("cannot write " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string e = std::strerror(errno);
      ::close(fd);
      return Status::Error("cannot write " + tmp + ": " + e);
    }
    off += static_cast<size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    std::string e = std::strerror(errno);
    ::close(fd);
    return Status::Error("cannot fsync " + tmp + ": " + e);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::Error("cannot rename " + tmp + ": " + std::strerror(errno));
  // The rename itself must survive a crash: fsync the directory.
  std::string dir = path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<RingState>> RingState::Open(const std::string& data_dir, RingConfig initial, PeerSet* peers,
                                                   bool provisional) {
  std::unique_ptr<RingState> s(new RingState(data_dir + "/ring.json", peers));
  std::ifstream in(s->path_);
  s->provisional_ = provisional && !in;
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
    if (j.is_discarded()) return Status::Error(s->path_ + " is not JSON");
    auto c = RingConfig::FromJson(j);
    if (!c.ok()) return Status::Error(s->path_ + ": " + c.status().message());
    initial = std::move(*c);
  }
  for (const Peer& p : initial.members()) peers->Ensure(p);
  s->digest_ = initial.Digest();
  s->current_ = std::make_shared<const RingConfig>(std::move(initial));
  return s;
}

std::shared_ptr<const RingConfig> RingState::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

bool RingState::provisional() const {
  std::lock_guard<std::mutex> lock(mu_);
  return provisional_;
}

uint64_t RingState::digest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return digest_;
}

Result<bool> RingState::Adopt(const RingConfig& config, bool tie_break) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t digest = config.Digest();
  const bool newer = config.epoch() > current_->epoch() ||
                     (tie_break && config.epoch() == current_->epoch() && digest > digest_);
  if (!newer && !provisional_) return false;
  Status written = WriteFileDurably(path_, config.ToJson().dump());
  if (!written.ok()) return written;
  for (const Peer& p : config.members()) peers_->Ensure(p);
  current_ = std::make_shared<const RingConfig>(config);
  digest_ = digest;
  provisional_ = false;
  return true;
}

std::vector<int> RingState::PeerIndexes(const std::vector<std::string>& ids) const {
  std::vector<int> out;
  for (const std::string& id : ids) {
    int i = peers_->IndexOf(id);
    if (i >= 0) out.push_back(i);
  }
  return out;
}

void RingState::SetTransfer(nlohmann::json transfer) {
  std::lock_guard<std::mutex> lock(mu_);
  transfer_ = std::move(transfer);
}

nlohmann::json RingState::Transfer() const {
  std::lock_guard<std::mutex> lock(mu_);
  return transfer_;
}

}  // namespace faultline::ringstore
