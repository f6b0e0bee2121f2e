// FaultLedger: the faults a run has applied to its nodes and not yet healed,
// kept on disk so that a controller that dies (kill -9, OOM, power loss)
// leaves a record the next `faultline test` or `faultline cluster heal`
// heals from.
//
// One file per results store, <store>/.active-faults.json:
//   {"runs": [{"run_dir": "store/t/20261202T...", "pid": 123, "start_time": 456,
//              "nodes": [{"name": "n1", "address": "10.77.0.11"}, ...],
//              "faults": {"partition": {"since": "2026-12-02T10:00:00Z", "value": ...}},
//              "exited": false, "heal_error": ""}]}
// Each change is a read-modify-write under flock(<file>.lock), written to a
// temporary file, fsynced and renamed (so a reader never sees half a file and
// runs sharing a store never lose each other's records).
//
// Write-ahead: a fault is recorded before the nemesis applies it and removed
// only after it healed, so the ledger never misses a fault that may be on the
// nodes (it may list one that was never applied; healing that is harmless).
//
// Thread-safe (the nemesis thread and the runner's thread both use it).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/control/subprocess.h"
#include "harness/core/status.h"
#include "harness/run/run_log.h"
#include "targets/target.h"

namespace faultline {

// <store>/.active-faults.json
std::string FaultLedgerPath(const std::string& store_root);

// One run's record, as read back. Faults started by hand (`faultline fault
// start`) are a record of their own per cluster: manual, no run directory, no
// controller (nothing alive heals them: every later run on those nodes does).
struct LedgerRun {
  std::string id;  // the run directory, or "by hand on <node addresses>"
  bool manual = false;
  std::string run_dir;
  ProcessId controller;
  std::vector<std::string> node_names;
  std::vector<std::string> node_addresses;
  nlohmann::json faults = nlohmann::json::object();  // fault name -> {"since", "value"}
  bool exited = false;     // the controller ended normally but could not heal
  std::string heal_error;  // why, when exited
};

// "partition on n1,n2,n3 {"kind":...}; pause on n2 {"nodes":["n2"]}": each
// fault on the nodes its value names (else the run's nodes), with its value
// (cut at 120 characters); "no faults" when there are none.
std::string DescribeFaults(const LedgerRun& run);

// The records that this cluster must heal: those whose controller is no
// longer alive (or ended without healing) and that share a node with
// `cluster` (by address, or by name where a node has no address). Records of
// live controllers and of other clusters are not returned. Read-only: the
// caller heals, then forgets them (so a failed heal loses no record).
Result<std::vector<LedgerRun>> FindLeftoverRuns(const std::string& store_root,
                                                const ClusterInfo& cluster);

// The records of runs whose controller is alive (and did not end) and that
// share a node with `cluster`: runs that may be applying faults right now.
Result<std::vector<LedgerRun>> FindLiveRuns(const std::string& store_root,
                                            const ClusterInfo& cluster);

// Removes the records of `runs` (by id) from the ledger.
Status ForgetRuns(const std::string& store_root, const std::vector<LedgerRun>& runs);

// Faults by hand. Record `fault` as started on `cluster` with `value` (null:
// about to be applied, the write-ahead entry; then the applied op's value).
Status RecordManualFault(const std::string& store_root, const ClusterInfo& cluster,
                         const std::string& fault, const nlohmann::json& value);
// The faults started by hand on `cluster` (a record with no faults when none).
Result<LedgerRun> FindManualFaults(const std::string& store_root, const ClusterInfo& cluster);
// `fault` stopped: it leaves the record (the record goes when it is empty).
Status ForgetManualFault(const std::string& store_root, const ClusterInfo& cluster,
                         const std::string& fault);

class FaultLedger {
 public:
  // Adds this process's record for `run_dir` with `cluster`'s nodes. Errors
  // (an unwritable store) are returned: a run without its ledger would not be
  // crash-safe. `log` (may be null) gets later write errors.
  static Result<std::unique_ptr<FaultLedger>> Open(const std::string& store_root,
                                                   const std::string& run_dir,
                                                   const ClusterInfo& cluster, RunLog* log);

  // Before a nemesis applies `fault` (e.g. "partition").
  void Starting(const std::string& fault);
  // After it applied it: the op's value (what it did) joins the record.
  void Applied(const std::string& fault, const nlohmann::json& value);
  // After `fault` healed: it leaves the record.
  void Healed(const std::string& fault);
  // Closes (removes the record) unless Close or CloseUnhealed ran: a run
  // that ends before any fault could be applied leaves nothing behind.
  ~FaultLedger() { Close(); }

  // The run ends with every fault healed: the record is removed.
  void Close();
  // The run ends but a heal failed: the record stays, marked as exited with
  // `error`, so the next run on these nodes heals it.
  void CloseUnhealed(const std::string& error);

 private:
  FaultLedger(std::string path, std::string run_dir, RunLog* log)
      : path_(std::move(path)), run_dir_(std::move(run_dir)), log_(log) {}
  // Applies `change` to this run's record (creating none) under the lock.
  void Update(const std::function<void(nlohmann::json& record)>& change);

  std::mutex mu_;
  std::string path_;
  std::string run_dir_;
  RunLog* log_;
  bool closed_ = false;
};

}  // namespace faultline
