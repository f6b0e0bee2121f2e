#include "harness/run/fault_ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/core/bounded_json.h"
#include "harness/core/utc_time.h"
#include "results/run_store.h"

namespace faultline {

using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {


// Holds flock(<ledger>.lock) for its lifetime.
class LedgerLock {
 public:
  explicit LedgerLock(const std::string& ledger_path) {
    std::string lock_path = ledger_path + ".lock";
    fd_ = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      error_ = lock_path + ": cannot open (" + std::strerror(errno) + ")";
      return;
    }
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;  // a SIGINT to the run must not lose the write
      error_ = lock_path + ": cannot lock (" + std::strerror(errno) + ")";
      return;
    }
  }
  ~LedgerLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  LedgerLock(const LedgerLock&) = delete;
  LedgerLock& operator=(const LedgerLock&) = delete;
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  std::string error_;
};

// The ledger's content ({"runs": [...]}; an absent file is an empty ledger).
Result<json> ReadLedger(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return json{{"runs", json::array()}};
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return Status::Error(path + ": cannot read");
  auto parsed = ParseBoundedJson(text.str());
  if (!parsed.ok()) return Status::Error(path + ": " + parsed.status().message());
  if (!parsed->is_object() || !(*parsed)["runs"].is_array()) {
    return Status::Error(path + ": not a fault ledger (expected {\"runs\": [...]})");
  }
  return std::move(*parsed);
}

// Under the lock: read, let `change` edit, write back when it returns true.
Status Modify(const std::string& path, const std::function<bool(json& ledger)>& change) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  LedgerLock lock(path);
  if (!lock.error().empty()) return Status::Error(lock.error());
  auto ledger = ReadLedger(path);
  if (!ledger.ok()) return ledger.status();
  try {
    if (!change(*ledger)) return Status::Ok();
  } catch (const json::exception& e) {
    return Status::Error(path + ": malformed record (" + e.what() + ")");
  }
  return WriteJsonFile(path, *ledger);
}

LedgerRun RunFromJson(const json& r) {
  LedgerRun run;
  run.run_dir = r.value("run_dir", "");
  run.id = r.value("id", run.run_dir);
  run.manual = r.value("manual", false);
  run.controller.pid = r.value("pid", 0);
  run.controller.start_time = r.value("start_time", 0ULL);
  if (r.contains("nodes") && r["nodes"].is_array()) {
    for (const auto& n : r["nodes"]) {
      if (!n.is_object()) continue;
      run.node_names.push_back(n.value("name", ""));
      run.node_addresses.push_back(n.value("address", ""));
    }
  }
  if (r.contains("faults") && r["faults"].is_object()) run.faults = r["faults"];
  run.exited = r.value("exited", false);
  run.heal_error = r.value("heal_error", "");
  return run;
}

bool SharesANode(const LedgerRun& run, const ClusterInfo& cluster) {
  for (size_t i = 0; i < run.node_names.size(); ++i) {
    for (const auto& n : cluster.nodes) {
      const std::string& address = run.node_addresses[i];
      if (!address.empty() ? address == n.address : run.node_names[i] == n.name) return true;
    }
  }
  return false;
}

}  // namespace

std::string FaultLedgerPath(const std::string& store_root) {
  return store_root + "/.active-faults.json";
}

std::string DescribeFaults(const LedgerRun& run) {
  std::string all_nodes;
  for (const auto& n : run.node_names) all_nodes += (all_nodes.empty() ? "" : ",") + n;
  std::string out;
  for (const auto& [fault, entry] : run.faults.items()) {
    const json& value = entry.is_object() && entry.contains("value") ? entry["value"] : json();
    // The nodes the fault was applied to, when its value says (kill n2);
    // else the run's nodes (it may have been on any of them).
    std::string nodes;
    if (value.is_object() && value.contains("nodes") && value["nodes"].is_array()) {
      for (const auto& n : value["nodes"]) {
        if (n.is_string()) nodes += (nodes.empty() ? "" : ",") + n.get<std::string>();
      }
    }
    out += (out.empty() ? "" : "; ") + fault + " on " + (nodes.empty() ? all_nodes : nodes);
    if (!value.is_null() && !value.empty()) {
      std::string v = value.dump(-1, ' ', false, json::error_handler_t::replace);
      if (v.size() > 120) v = v.substr(0, 117) + "...";
      out += " " + v;
    }
  }
  return out.empty() ? "no faults" : out;
}

namespace {

// The records sharing a node with `cluster` whose controller is dead or ended
// (want_live false), or alive and running (want_live true).
Result<std::vector<LedgerRun>> FindRuns(const std::string& store_root, const ClusterInfo& cluster,
                                        bool want_live) {
  std::vector<LedgerRun> found;
  Status s = Modify(FaultLedgerPath(store_root), [&](json& ledger) {
    for (const auto& r : ledger["runs"]) {
      LedgerRun run = RunFromJson(r);
      bool live = !run.manual && !run.exited && ProcessAlive(run.controller);
      if (live == want_live && SharesANode(run, cluster)) found.push_back(std::move(run));
    }
    return false;  // read-only
  });
  if (!s.ok()) return s;
  return found;
}

}  // namespace

Result<std::vector<LedgerRun>> FindLeftoverRuns(const std::string& store_root,
                                                const ClusterInfo& cluster) {
  return FindRuns(store_root, cluster, false);
}

Result<std::vector<LedgerRun>> FindLiveRuns(const std::string& store_root,
                                            const ClusterInfo& cluster) {
  return FindRuns(store_root, cluster, true);
}

Status ForgetRuns(const std::string& store_root, const std::vector<LedgerRun>& runs) {
  if (runs.empty()) return Status::Ok();
  return Modify(FaultLedgerPath(store_root), [&](json& ledger) {
    json kept = json::array();
    for (const auto& r : ledger["runs"]) {
      std::string id = RunFromJson(r).id;
      bool forget = false;
      for (const auto& run : runs) forget = forget || run.id == id;
      if (!forget) kept.push_back(r);
    }
    bool changed = kept.size() != ledger["runs"].size();
    ledger["runs"] = std::move(kept);
    return changed;
  });
}

namespace {

std::string ManualId(const ClusterInfo& cluster) {
  std::string id = "by hand on";
  for (const auto& n : cluster.nodes) id += " " + (n.address.empty() ? n.name : n.address);
  return id;
}

json NodesJson(const ClusterInfo& cluster) {
  json nodes = json::array();
  for (const auto& n : cluster.nodes) nodes.push_back({{"name", n.name}, {"address", n.address}});
  return nodes;
}

}  // namespace

Status RecordManualFault(const std::string& store_root, const ClusterInfo& cluster,
                         const std::string& fault, const json& value) {
  const std::string id = ManualId(cluster);
  const std::string since = UtcNowIso8601();
  return Modify(FaultLedgerPath(store_root), [&](json& ledger) {
    json* record = nullptr;
    for (auto& r : ledger["runs"]) {
      if (r.value("id", std::string()) == id) record = &r;
    }
    if (!record) {
      ledger["runs"].push_back({{"id", id},
                                {"manual", true},
                                {"run_dir", ""},
                                {"pid", 0},
                                {"start_time", 0},
                                {"nodes", NodesJson(cluster)},
                                {"faults", json::object()},
                                {"exited", false}});
      record = &ledger["runs"].back();
    }
    json& entry = (*record)["faults"][fault];
    if (!entry.is_object() || value.is_null()) entry = {{"since", since}, {"value", nullptr}};
    if (!value.is_null()) entry["value"] = value;
    return true;
  });
}

Result<LedgerRun> FindManualFaults(const std::string& store_root, const ClusterInfo& cluster) {
  const std::string id = ManualId(cluster);
  LedgerRun found;
  found.id = id;
  found.manual = true;
  for (const auto& n : cluster.nodes) {
    found.node_names.push_back(n.name);
    found.node_addresses.push_back(n.address);
  }
  Status s = Modify(FaultLedgerPath(store_root), [&](json& ledger) {
    for (const auto& r : ledger["runs"]) {
      if (r.value("id", std::string()) == id) found = RunFromJson(r);
    }
    return false;  // read-only
  });
  if (!s.ok()) return s;
  return found;
}

Status ForgetManualFault(const std::string& store_root, const ClusterInfo& cluster,
                         const std::string& fault) {
  const std::string id = ManualId(cluster);
  return Modify(FaultLedgerPath(store_root), [&](json& ledger) {
    json kept = json::array();
    bool changed = false;
    for (auto& r : ledger["runs"]) {
      if (r.value("id", std::string()) == id && r["faults"].is_object()) {
        changed = r["faults"].erase(fault) > 0 || changed;
        if (r["faults"].empty()) {
          changed = true;
          continue;  // nothing left by hand on this cluster
        }
      }
      kept.push_back(r);
    }
    ledger["runs"] = std::move(kept);
    return changed;
  });
}

Result<std::unique_ptr<FaultLedger>> FaultLedger::Open(const std::string& store_root,
                                                       const std::string& run_dir,
                                                       const ClusterInfo& cluster, RunLog* log) {
  ProcessId self = IdentifyProcess(::getpid());
  json record = {{"id", run_dir},
                 {"run_dir", run_dir},
                 {"pid", self.pid},
                 {"start_time", self.start_time},
                 {"nodes", NodesJson(cluster)},
                 {"faults", json::object()},
                 {"exited", false}};
  std::string path = FaultLedgerPath(store_root);
  Status s = Modify(path, [&](json& ledger) {
    ledger["runs"].push_back(record);
    return true;
  });
  if (!s.ok()) return s.Prefixed("fault ledger");
  return std::unique_ptr<FaultLedger>(new FaultLedger(path, run_dir, log));
}

void FaultLedger::Update(const std::function<void(json& record)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  Status s = Modify(path_, [&](json& ledger) {
    for (auto& r : ledger["runs"]) {
      if (r.value("run_dir", "") == run_dir_) {
        change(r);
        return true;
      }
    }
    return false;  // removed by hand: nothing to record into
  });
  if (!s.ok() && log_) log_->Line("fault ledger: " + s.message() + " (a crash now may leave faults unrecorded)");
}

void FaultLedger::Starting(const std::string& fault) {
  std::string since = UtcNowIso8601();
  Update([&](json& r) { r["faults"][fault] = {{"since", since}, {"value", nullptr}}; });
}

void FaultLedger::Applied(const std::string& fault, const json& value) {
  Update([&](json& r) { r["faults"][fault]["value"] = value; });
}

void FaultLedger::Healed(const std::string& fault) {
  Update([&](json& r) { r["faults"].erase(fault); });
}

void FaultLedger::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  Status s = Modify(path_, [&](json& ledger) {
    json kept = json::array();
    for (const auto& r : ledger["runs"]) {
      if (r.value("run_dir", "") != run_dir_) kept.push_back(r);
    }
    bool changed = kept.size() != ledger["runs"].size();
    ledger["runs"] = std::move(kept);
    return changed;
  });
  if (!s.ok() && log_) log_->Line("fault ledger: " + s.message());
}

void FaultLedger::CloseUnhealed(const std::string& error) {
  Update([&](json& r) {
    r["exited"] = true;
    r["heal_error"] = error;
  });
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
}

}  // namespace faultline
