// Target "memory": an in-process store that is obviously linearizable (every
// op runs under one mutex, so its linearization point is inside Invoke). It
// lets the runner, workloads and checkers be tested without any cluster, and
// with `stale-reads=true` it deliberately serves stale reads, so a correct
// checker must call its histories invalid.
//
// Ops (keyed by op.key; any JSON key):
//   read (-> value, null if unset), write v, cas [expected, new] (fail if the
//   value differs), set-add e, set-read (-> elements in insertion order),
//   counter-add d, counter-read (-> number, 0 if unset),
//   txn [[mop, k, v] ...] with micro-ops ["append", k, e] (k's list, absent =
//   empty, gets e at its end), ["w", k, v] and ["r", k, null] (-> the list or
//   value; null if unset), all under the one mutex: serializable, and strict
//   (fs "txn" and "txn-single": any length, any keys).
// Options (--target-opt): stale-reads=true|false (default false): reads return
//   the state before the most recent change of that key (in txns too);
//   latency-ms=N (default
//   0): each op sleeps N ms outside the lock; ops=f1,f2,... (default all):
//   the only ops the client claims to support (to emulate a store with fewer
//   operations); drop-adds=N (default 0 = never): every Nth set-add and
//   every Nth counter-add is acknowledged (ok) but not applied — a store that
//   loses acknowledged writes, which the set and counter checkers must catch.
//   Unknown options are rejected.
// Thread-safe: clients of one target share one store.
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "targets/target.h"

namespace faultline {
namespace {

class MemoryStore {
 public:
  MemoryStore(bool stale_reads, int64_t drop_adds)
      : stale_reads_(stale_reads), drop_adds_(drop_adds) {}

  Op Apply(const Op& invoke) {
    Op out = invoke;
    out.type = OpType::kOk;
    const std::string key = invoke.key.dump();
    std::lock_guard<std::mutex> lock(mu_);
    Entry& e = entries_[key];
    const std::string& f = invoke.f;
    if (f == "read") {
      out.value = stale_reads_ ? e.previous : e.value;
    } else if (f == "write") {
      e.previous = e.value;
      e.value = invoke.value;
    } else if (f == "cas") {
      if (!invoke.value.is_array() || invoke.value.size() != 2) {
        return Failed(out, "cas value must be [expected, new]");
      }
      if (e.value != invoke.value[0]) {
        out.type = OpType::kFail;
        out.error = "precondition failed";
      } else {
        e.previous = e.value;
        e.value = invoke.value[1];
      }
    } else if (f == "set-add") {
      if (!DropThis(&set_adds_)) e.elements.push_back(invoke.value);
    } else if (f == "set-read") {
      size_t n = e.elements.size();
      if (stale_reads_ && n > 0) --n;  // miss the latest add
      out.value = json::array();
      for (size_t i = 0; i < n; ++i) out.value.push_back(e.elements[i]);
    } else if (f == "counter-add") {
      if (!invoke.value.is_number_integer()) return Failed(out, "counter-add value must be an integer");
      if (!DropThis(&counter_adds_)) {
        e.previous_count = e.count;
        e.count += invoke.value.get<int64_t>();
      }
    } else if (f == "counter-read") {
      out.value = stale_reads_ ? e.previous_count : e.count;
    } else if (f == "txn") {
      return ApplyTxn(std::move(out));
    } else {
      return Failed(out, "unsupported op \"" + f + "\"");
    }
    return out;
  }

 private:
  struct Entry {
    json value;             // register value
    json previous;          // value before the last change (stale reads)
    std::vector<json> elements;
    int64_t count = 0;
    int64_t previous_count = 0;
  };
  // A txn's micro-ops in order (lock held); a malformed one fails the whole
  // txn before any of it applies. Txn keys live apart from the other ops'.
  Op ApplyTxn(Op out) {
    if (!out.value.is_array()) return Failed(out, "txn value must be a list of micro-ops");
    for (const json& m : out.value) {
      if (!m.is_array() || m.size() != 3 || !m[0].is_string() ||
          (m[0] != "append" && m[0] != "w" && m[0] != "r")) {
        return Failed(out, "bad micro-op " + m.dump() + " (want [\"append\"|\"w\"|\"r\", k, v])");
      }
    }
    for (json& m : out.value) {
      Entry& e = entries_["txn:" + m[1].dump()];
      if (m[0] == "r") {
        m[2] = stale_reads_ ? e.previous : e.value;
        continue;
      }
      e.previous = e.value;
      if (m[0] == "w") {
        e.value = m[2];
      } else {
        if (!e.value.is_array()) e.value = json::array();
        e.value.push_back(m[2]);
      }
    }
    return out;
  }
  // With drop-adds=N: true for every Nth add counted by `*seen` (lock held).
  bool DropThis(int64_t* seen) { return drop_adds_ > 0 && ++*seen % drop_adds_ == 0; }
  static Op Failed(Op out, std::string error) {
    out.type = OpType::kFail;
    out.error = std::move(error);
    return out;
  }
  std::mutex mu_;
  const bool stale_reads_;
  const int64_t drop_adds_;
  int64_t set_adds_ = 0, counter_adds_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

class MemoryClient : public Client {
 public:
  MemoryClient(std::shared_ptr<MemoryStore> store, int latency_ms)
      : store_(std::move(store)), latency_ms_(latency_ms) {}
  Status Open(const ClusterInfo&, const NodeInfo& node) override {
    node_ = node.name;
    return Status::Ok();
  }
  Op Invoke(const Op& invoke) override {
    if (latency_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms_));
    Op out = store_->Apply(invoke);
    out.node = node_;
    return out;
  }
  void Close() override {}

 private:
  std::shared_ptr<MemoryStore> store_;
  int latency_ms_;
  std::string node_;
};

// An integer option in [0, max]; error names the option and the bad text.
Result<int64_t> ParseInt(const std::string& key, const std::string& value, int64_t max) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || v < 0 || v > max) {
    return Status::Error("target memory: " + key + "=\"" + value + "\" must be an integer in [0, " +
                         std::to_string(max) + "]");
  }
  return static_cast<int64_t>(v);
}

Result<Target> MakeMemoryTarget(const TargetOptions& options) {
  bool stale = false;
  int latency_ms = 0;
  int64_t drop_adds = 0;
  const std::set<std::string> all = {"read",        "write",        "cas", "set-add",   "set-read",
                                     "counter-add", "counter-read", "txn", "txn-single"};
  std::set<std::string> fs = all;
  for (const auto& [key, value] : options) {
    if (key == "stale-reads") {
      if (value != "true" && value != "false") {
        return Status::Error("target memory: stale-reads=\"" + value + "\" must be true or false");
      }
      stale = value == "true";
    } else if (key == "latency-ms") {
      auto v = ParseInt(key, value, 60000);
      if (!v.ok()) return v.status();
      latency_ms = static_cast<int>(*v);
    } else if (key == "drop-adds") {
      auto v = ParseInt(key, value, 1000000000);
      if (!v.ok()) return v.status();
      drop_adds = *v;
    } else if (key == "ops") {
      fs.clear();
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string f = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!f.empty()) {
          if (!all.count(f)) return Status::Error("target memory: ops: unknown op \"" + f + "\"");
          fs.insert(f);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      return Status::Error("target memory: unknown option \"" + key +
                           "\" (known: drop-adds, latency-ms, ops, stale-reads)");
    }
  }
  auto store = std::make_shared<MemoryStore>(stale, drop_adds);
  Target t;
  t.name = "memory";
  t.new_client = [store, latency_ms] { return std::make_unique<MemoryClient>(store, latency_ms); };
  t.fs = fs;
  t.needs_nodes = false;
  return t;
}

Registrar<TargetFactory> kMemoryTarget("memory",
                             "in-process linearizable store for self-tests (stale-reads=true breaks it)",
                             &MakeMemoryTarget);

}  // namespace
}  // namespace faultline
