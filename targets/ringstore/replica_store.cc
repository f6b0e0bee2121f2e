#include "targets/ringstore/replica_store.h"

#include <cstring>

namespace faultline::ringstore {
namespace {

void PutU64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutString(std::string_view s, std::string* out) {
  PutU64(s.size(), out);
  out->append(s);
}

// A bounds-checked reader over one record.
struct Reader {
  std::string_view data;
  size_t pos = 0;
  bool ok = true;
  uint64_t U64() {
    if (pos + 8 > data.size()) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(data[pos + i])) << (8 * i);
    pos += 8;
    return v;
  }
  std::string String() {
    uint64_t n = U64();
    if (!ok || n > data.size() - pos) {
      ok = false;
      return {};
    }
    std::string s(data.substr(pos, n));
    pos += n;
    return s;
  }
};

constexpr char kRecordVersion = 1;

}  // namespace

std::string ReplicaStore::Encode(const std::string& key, const KeyState& s) {
  std::string out;
  out.push_back(kRecordVersion);
  PutString(key, &out);
  PutU64(s.promised.counter, &out);
  PutString(s.promised.node, &out);
  PutU64(s.accepted.counter, &out);
  PutString(s.accepted.node, &out);
  PutString(s.value.dump(), &out);
  return out;
}

bool ReplicaStore::Decode(std::string_view payload, std::string* key, KeyState* s) {
  if (payload.empty() || payload[0] != kRecordVersion) return false;
  Reader r{payload, 1};
  *key = r.String();
  s->promised.counter = r.U64();
  s->promised.node = r.String();
  s->accepted.counter = r.U64();
  s->accepted.node = r.String();
  std::string value = r.String();
  if (!r.ok) return false;
  s->value = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  return !s->value.is_discarded();
}

Result<std::unique_ptr<ReplicaStore>> ReplicaStore::Open(const std::string& dir, uint64_t compact_min_bytes,
                                                         bool fsync) {
  std::unique_ptr<ReplicaStore> store(new ReplicaStore());
  ReplicaStore* raw = store.get();
  size_t bad = 0;
  auto log = DurableLog::Open(
      dir + "/replica.log",
      [&](std::string_view payload) {
        std::string key;
        KeyState s;
        if (!Decode(payload, &key, &s)) {
          ++bad;  // checksummed but undecodable: a newer format; skip it
          return;
        }
        raw->max_counter_ = std::max({raw->max_counter_, s.promised.counter, s.accepted.counter});
        raw->state_[key] = std::move(s);
      },
      compact_min_bytes, fsync);
  if (!log.ok()) return log.status();
  store->log_ = std::move(log.value());
  store->log_->SetSnapshotter([raw] { return raw->Snapshot(); });
  return store;
}

std::string ReplicaStore::Snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string image;
  for (const auto& [key, s] : state_) DurableLog::Frame(Encode(key, s), &image);
  log_->MarkSnapshotLocked();
  return image;
}

uint64_t ReplicaStore::LogLocked(const std::string& key, const KeyState& s) {
  return log_->Append(Encode(key, s));
}

Status ReplicaStore::Durable(uint64_t seq) {
  if (log_->WaitDurable(seq)) return Status::Ok();
  return Status::Error("replica log failed: " + log_->error());
}

Result<PrepareReply> ReplicaStore::Prepare(const std::string& key, const Ballot& ballot) {
  PrepareReply reply;
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    KeyState& s = state_[key];
    max_counter_ = std::max(max_counter_, ballot.counter);
    if (ballot > s.promised) {
      s.promised = ballot;
      reply.ok = true;
      reply.accepted = s.accepted;
      reply.value = s.value;
      seq = LogLocked(key, s);
    } else {
      seq = log_->last_seq();  // reveal only durable state
    }
    reply.promised = s.promised;
  }
  Status st = Durable(seq);
  if (!st.ok()) return st;
  return reply;
}

Result<AcceptReply> ReplicaStore::Accept(const std::string& key, const Ballot& ballot,
                                         const nlohmann::json& value, const Ballot* next_promise) {
  AcceptReply reply;
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    KeyState& s = state_[key];
    max_counter_ = std::max(max_counter_, ballot.counter);
    if (ballot >= s.promised) {
      s.promised = next_promise && *next_promise > ballot ? *next_promise : ballot;
      max_counter_ = std::max(max_counter_, s.promised.counter);
      s.accepted = ballot;
      s.value = value;
      reply.ok = true;
      seq = LogLocked(key, s);
    } else {
      seq = log_->last_seq();
    }
    reply.promised = s.promised;
  }
  Status st = Durable(seq);
  if (!st.ok()) return st;
  return reply;
}

Result<Stamped> ReplicaStore::Read(const std::string& key) {
  Stamped out;
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = state_.find(key);
    if (it != state_.end()) {
      out.stamp = it->second.accepted;
      out.value = it->second.value;
    }
    seq = log_->last_seq();
  }
  Status st = Durable(seq);
  if (!st.ok()) return st;
  return out;
}

Result<bool> ReplicaStore::WriteIfNewer(const std::string& key, const Ballot& stamp,
                                        const nlohmann::json& value) {
  bool applied = false;
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    KeyState& s = state_[key];
    if (stamp > s.accepted) {
      s.accepted = stamp;
      s.value = value;
      applied = true;
      seq = LogLocked(key, s);
    } else {
      seq = log_->last_seq();
    }
  }
  Status st = Durable(seq);
  if (!st.ok()) return st;
  return applied;
}

Result<size_t> ReplicaStore::WriteAllIfNewer(const std::vector<StampedEntry>& entries) {
  size_t applied = 0;
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = log_->last_seq();
    for (const StampedEntry& e : entries) {
      KeyState& s = state_[e.key];
      if (!(e.stamp > s.accepted)) continue;
      s.accepted = e.stamp;
      s.value = e.value;
      ++applied;
      seq = LogLocked(e.key, s);
    }
  }
  Status st = Durable(seq);
  if (!st.ok()) return st;
  return applied;
}

uint64_t ReplicaStore::MaxCounter() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_counter_;
}

size_t ReplicaStore::keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.size();
}

std::vector<std::string> ReplicaStore::KeyList() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  out.reserve(state_.size());
  for (const auto& [key, s] : state_) out.push_back(key);
  return out;
}

}  // namespace faultline::ringstore
