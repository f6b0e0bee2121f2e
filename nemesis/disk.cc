// "disk": storage faults through faultline-fs (nemesis/fs, StorageMount).
//
// Setup deploys faultline-fs and, node by node, stops the store, mounts its
// data directory (the Db's HasDataDir) through faultline-fs in place and
// starts it again. From then on the store's unsynced bytes live in
// faultline-fs's memory, as in a page cache. Each start-disk picks one kind
// (option "disk-faults", a comma list to pick from; default all five):
//   lose-unfsynced  the store is killed and every byte it did not fsync is
//                   dropped on the target nodes (a power cut; with
//                   "disk-tear" true, a random prefix of the last unsynced
//                   write survives though earlier unsynced bytes of its file
//                   do not, as when the kernel wrote back a later page
//                   first); stop-disk restarts it. A create, rename or
//                   unlink is lost unless its directory was fsynced
//                   ("disk-dir-sync" posix, the default) or, with
//                   "disk-dir-sync" journal, unless any fsync followed it
//                   (ext4's and XFS's journals commit all metadata then)
//   corrupt         the store is killed and one bit is flipped at a random
//                   offset of a random data file (at most one node at a
//                   time); stop-disk restarts it — a store that detects the
//                   damage and refuses to start is recorded as "refused"
//                   with its log's tail, the flipped bits are then put back
//                   and it is started again (so one refusal costs one fault
//                   window, not the rest of the run)
//   eio             a fraction ("disk-eio-p", default 1) of the calls in
//                   "disk-eio-ops" (default fsync) fail with EIO
//   enospc          writes fail with ENOSPC (the disk is full)
//   slow            calls in "disk-slow-ops" (default all) are delayed by
//                   "disk-slow-ms" (default 100)
// until stop-disk. Targets: option "targets" as for kill (roles too; a
// start's value may name its own {"targets"} or {"nodes"}). Op values record
// the kind, nodes and what each node's faultline-fs reported (bytes and
// files lost, torn write, the bytes changed).
//
// Heal: ends any active fault, restarts stopped stores, and unmounts: each
// store is stopped, faultline-fs writes back what is cached (as a clean
// shutdown does: nothing is lost by healing), the mount is removed and the
// store starts on its real directory. Faults by hand (Adopt) unmount on
// stop. Calls are serialised by a mutex.
#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "nemesis/nemesis.h"
#include "nemesis/nemesis_support.h"
#include "nemesis/node_selection.h"
#include "nemesis/role_targets.h"
#include "nemesis/storage_mount.h"

namespace faultline {
namespace {

const std::vector<std::string> kDiskKinds = {"lose-unfsynced", "corrupt", "eio", "enospc", "slow"};

struct DiskSettings {
  std::vector<std::string> kinds;
  std::vector<std::string> targets;
  bool tear = false;
  std::string dir_sync = "posix";  // or "journal" (fs_command.h)
  double eio_p = 1;
  std::string eio_ops = "fsync";
  int slow_ms = 100;
  std::string slow_ops = "all";
};

class DiskNemesis : public Nemesis {
 public:
  explicit DiskNemesis(DiskSettings s) : s_(std::move(s)) {}

  std::string name() const override { return "disk"; }
  std::vector<FaultPair> Faults() const override { return {{"start-disk", "stop-disk"}}; }

  Status CheckTarget(Db* db) override {
    if (!dynamic_cast<HasDataDir*>(db)) {
      return Status::Error("disk: the target's Db does not name its data directory (not HasDataDir)");
    }
    if (!dynamic_cast<Killable*>(db)) {
      return Status::Error("disk: the target's Db cannot stop and restart its store (not Killable)");
    }
    return CheckRolesAvailable(s_.targets, db, "disk: --fault-targets");
  }

  // faultline-fs bind-mounts the data directory and mounts FUSE over it; the
  // store is stopped and restarted around that by pid.
  std::vector<NodeNeed> NodeNeeds() const override {
    return {NodeNeed::kFuse, NodeNeed::kMount, NodeNeed::kSignals};
  }

  Status Setup(const ClusterInfo& cluster, Db* db) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (Status s = CheckTarget(db); !s.ok()) return s;
    if (Status s = RequireRemotes(cluster, "disk"); !s.ok()) return s;
    cluster_ = cluster;
    data_ = dynamic_cast<HasDataDir*>(db);
    killable_ = dynamic_cast<Killable*>(db);
    roles_ = dynamic_cast<HasRoles*>(db);
    std::string binary = LocalFaultFsBinary();
    if (binary.empty()) return Status::Error("disk: faultline-fs is not built next to faultline (build it: scripts/build.sh)");
    return ForEachNode(AllNodes(cluster_), [&](const NodeInfo& n) -> Status {
      auto mounted = FaultFsMounted(*n.remote, data_->DataDir(n));
      if (!mounted.ok()) return mounted.status();
      if (*mounted) {  // a fault by hand left it mounted: keep it, and the store on it
        Mark(n.name);
        return Status::Ok();
      }
      if (Status s = DeployFaultFs(*n.remote, binary); !s.ok()) return s;
      if (Status s = killable_->Kill(cluster_, n); !s.ok()) return s;
      Mark(n.name);
      if (Status s = MountFaultFs(*n.remote, data_->DataDir(n), Seed(n)); !s.ok()) return s;
      return killable_->Start(cluster_, n);
    });
  }

  Op Invoke(const Op& op, Rng& rng) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (op.f == "stop-disk") {
      json value;
      Status s = StopActive(&value);
      if (adopted_ && s.ok()) s = UnmountAll();
      return CompleteFault(op, value, s.Prefixed("disk"));
    }
    if (op.f != "start-disk") return CompleteFault(op, nullptr, Status::Error("disk: unknown fault op " + op.f));
    json ignored;
    Status s = StopActive(&ignored);  // a new start first ends one never stopped
    std::string kind, spec = "explicit", why;
    std::vector<std::string> nodes;
    if (op.value.is_object() && op.value.contains("fault")) kind = op.value.value("fault", "");
    if (kind.empty()) kind = s_.kinds[rng.Below(s_.kinds.size())];
    if (std::find(kDiskKinds.begin(), kDiskKinds.end(), kind) == kDiskKinds.end()) {
      return CompleteFault(op, op.value, Status::Error("disk: unknown fault \"" + kind + "\""));
    }
    if (op.value.is_object() && op.value.contains("nodes") && op.value["nodes"].is_array()) {
      for (const auto& n : op.value["nodes"]) {
        if (!n.is_string() || NodesNamed(cluster_, {n.get<std::string>()}).empty()) {
          return CompleteFault(op, op.value, Status::Error("disk: unknown node " + n.dump()));
        }
        nodes.push_back(n.get<std::string>());
      }
    } else {
      std::vector<std::string> specs = s_.targets;
      if (op.value.is_object() && op.value.contains("targets") && op.value["targets"].is_string()) {
        auto parsed = ParseTargetSpecs(op.value["targets"].get<std::string>());
        if (!parsed.ok()) return CompleteFault(op, op.value, parsed.status().Prefixed("disk"));
        specs = *parsed;
      }
      auto choice = PickRoleAwareTargets(specs, cluster_, roles_, rng);
      if (!choice.ok()) return CompleteFault(op, op.value, choice.status().Prefixed("disk"));
      nodes = choice->nodes;
      spec = choice->spec;
      why = choice->why;
    }
    if (kind == "corrupt" && nodes.size() > 1) {  // one damaged replica at a time
      nodes.resize(1);
      spec = "one";
    }
    active_ = {kind, nodes, {}};
    json per_node = json::object();
    std::mutex per_node_mu;
    Status applied = ForEachNode(NodesNamed(cluster_, nodes), [&](const NodeInfo& n) -> Status {
      std::string dir = data_->DataDir(n);
      Result<json> r = json(nullptr);
      if (kind == "lose-unfsynced" || kind == "corrupt") {
        if (Status k = killable_->Kill(cluster_, n); !k.ok()) return k;
        r = FaultFsCommand(*n.remote, dir,
                           kind == "corrupt" ? std::string("corrupt")
                                             : std::string("lose-unfsynced dirs=") + s_.dir_sync +
                                                   (s_.tear ? " tear" : ""));
      } else if (kind == "eio") {
        r = FaultFsCommand(*n.remote, dir, "eio p=" + std::to_string(s_.eio_p) + " ops=" + s_.eio_ops);
      } else if (kind == "enospc") {
        r = FaultFsCommand(*n.remote, dir, "enospc");
      } else {
        r = FaultFsCommand(*n.remote, dir, "slow ms=" + std::to_string(s_.slow_ms) + " ops=" + s_.slow_ops);
      }
      if (!r.ok()) return r.status();
      json j = *r;
      j.erase("status");
      std::lock_guard<std::mutex> l(per_node_mu);
      per_node[n.name] = j;
      if (kind == "corrupt") active_.corrupted[n.name] = j;
      return Status::Ok();
    });
    if (s.ok()) s = applied;
    json value = {{"fault", kind}, {"nodes", nodes}, {"targets", spec}, {"effects", per_node}};
    if (!why.empty()) value["why"] = why;
    return CompleteFault(op, std::move(value), s.Prefixed("disk"));
  }

  Status Heal() override {
    std::lock_guard<std::mutex> lock(mu_);
    json ignored;
    Status s = StopActive(&ignored);
    Status u = UnmountAll();
    return s.ok() ? u : s;
  }

  Status Adopt(const nlohmann::json& start_value) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!start_value.is_object() || !start_value.contains("fault") || !start_value.contains("nodes")) {
      return Status::Error("disk: the start's value names no fault and nodes");
    }
    active_ = {start_value.value("fault", ""), start_value["nodes"].get<std::vector<std::string>>(), {}};
    if (start_value.contains("effects") && active_.kind == "corrupt") {
      for (const auto& [node, effect] : start_value["effects"].items()) active_.corrupted[node] = effect;
    }
    adopted_ = true;
    return Status::Ok();
  }

 private:
  struct Active {
    std::string kind;  // "" none
    std::vector<std::string> nodes;
    std::map<std::string, json> corrupted;  // node -> faultline-fs's corrupt report
  };

  uint64_t Seed(const NodeInfo& n) const { return std::hash<std::string>{}(n.name) & 0xffffffff; }
  void Mark(const std::string& node) {
    std::lock_guard<std::mutex> l(mounted_mu_);
    mounted_.insert(node);
  }

  // Puts back the bytes a corrupt changed (their old values, through the
  // mount, fsynced).
  Status Restore(const NodeInfo& n, const json& report) {
    if (!report.contains("changed") || !report.contains("file")) return Status::Ok();
    std::string file = data_->DataDir(n) + "/" + report["file"].get<std::string>();
    std::string script;
    for (const auto& c : report["changed"]) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "\\%03o", c[1].get<int>());
      script += "printf '" + std::string(byte) + "' | dd of=" + ShellQuote(file) + " bs=1 seek=" +
                std::to_string(c[0].get<int64_t>()) + " conv=notrunc,fsync status=none\n";
    }
    auto out = ExecOrError(*n.remote, script);
    return out.ok() ? Status::Ok() : out.status().Prefixed("restoring " + file);
  }

  // Ends the active fault; `value` says what was done per node.
  Status StopActive(json* value) {
    Active a = std::move(active_);
    active_ = {};
    *value = {{"fault", a.kind}, {"nodes", a.nodes}};
    if (a.kind.empty()) return Status::Ok();
    json refused = json::object();
    std::mutex refused_mu;
    Status s = ForEachNode(NodesNamed(cluster_, a.nodes), [&](const NodeInfo& n) -> Status {
      if (a.kind == "eio" || a.kind == "enospc" || a.kind == "slow") {
        auto r = FaultFsCommand(*n.remote, data_->DataDir(n), "clear");
        return r.ok() ? Status::Ok() : r.status();
      }
      Status started = killable_->Start(cluster_, n);
      if (started.ok() || a.kind != "corrupt") return started;
      // The store found the damage and would not start: record why, undo
      // the damage, and start it.
      {
        // The store's last log line says why ("... is corrupt at byte N").
        std::string why = started.message();
        if (size_t bar = why.rfind('|'); bar != std::string::npos) why = why.substr(bar + 1);
        std::lock_guard<std::mutex> l(refused_mu);
        refused[n.name] = why;
      }
      if (Status r = Restore(n, a.corrupted[n.name]); !r.ok()) return r;
      return killable_->Start(cluster_, n);
    });
    if (!refused.empty()) (*value)["refused"] = refused;
    return s;
  }

  Status UnmountAll() {
    std::vector<std::string> nodes;
    {
      std::lock_guard<std::mutex> l(mounted_mu_);
      nodes.assign(mounted_.begin(), mounted_.end());
    }
    return ForEachNode(NodesNamed(cluster_, nodes), [&](const NodeInfo& n) -> Status {
      std::string dir = data_->DataDir(n);
      if (Status k = killable_->Kill(cluster_, n); !k.ok()) return k;
      auto mounted = FaultFsMounted(*n.remote, dir);
      if (!mounted.ok()) return mounted.status();
      if (*mounted) {
        auto flushed = FaultFsCommand(*n.remote, dir, "flush");
        if (!flushed.ok()) return flushed.status();
      }
      if (Status u = UnmountFaultFs(*n.remote, dir); !u.ok()) return u;
      {
        std::lock_guard<std::mutex> l(mounted_mu_);
        mounted_.erase(n.name);
      }
      return killable_->Start(cluster_, n);
    });
  }

  const DiskSettings s_;
  std::mutex mu_;
  ClusterInfo cluster_;
  HasRoles* roles_ = nullptr;
  HasDataDir* data_ = nullptr;
  Killable* killable_ = nullptr;
  Active active_;
  bool adopted_ = false;
  std::mutex mounted_mu_;
  std::set<std::string> mounted_;  // nodes whose data directory is mounted through faultline-fs
};

Result<std::unique_ptr<Nemesis>> MakeDisk(const NemesisOptions& options) {
  DiskSettings s;
  std::string kinds = StringOption(options, "disk-faults", "");
  if (kinds.empty()) {
    s.kinds = kDiskKinds;
  } else {
    for (const auto& k : SplitCommas(kinds)) {
      if (std::find(kDiskKinds.begin(), kDiskKinds.end(), k) == kDiskKinds.end()) {
        return Status::Error("--nemesis-opt disk-faults: \"" + k +
                             "\" is not one of lose-unfsynced, corrupt, eio, enospc, slow");
      }
      s.kinds.push_back(k);
    }
  }
  auto targets = ParseTargetSpecs(StringOption(options, "targets", ""));
  if (!targets.ok()) return targets.status().Prefixed("--fault-targets");
  s.targets = *targets;
  std::string tear = StringOption(options, "disk-tear", "false");
  if (tear != "true" && tear != "false") return Status::Error("--nemesis-opt disk-tear: \"" + tear + "\" is not true or false");
  s.tear = tear == "true";
  s.dir_sync = StringOption(options, "disk-dir-sync", "posix");
  if (s.dir_sync != "posix" && s.dir_sync != "journal") {
    return Status::Error("--nemesis-opt disk-dir-sync: \"" + s.dir_sync + "\" is not posix or journal");
  }
  auto p = DoubleOption(options, "disk-eio-p", 1, 0, 1);
  if (!p.ok()) return p.status();
  s.eio_p = *p;
  auto ms = DoubleOption(options, "disk-slow-ms", 100, 0, 60000);
  if (!ms.ok()) return ms.status();
  s.slow_ms = static_cast<int>(*ms);
  for (auto [key, field] : {std::pair<const char*, std::string*>{"disk-eio-ops", &s.eio_ops}, {"disk-slow-ops", &s.slow_ops}}) {
    std::string v = StringOption(options, key, *field);
    for (const auto& op : SplitCommas(v)) {
      if (op != "read" && op != "write" && op != "fsync" && op != "all") {
        return Status::Error(std::string("--nemesis-opt ") + key + ": \"" + op + "\" is not read, write, fsync or all");
      }
    }
    *field = v;
  }
  return std::unique_ptr<Nemesis>(new DiskNemesis(std::move(s)));
}

Registrar<NemesisFactory> kDiskNemesis("disk",
                              "storage faults through faultline-fs: lose unfsynced writes (with a kill), "
                              "corrupt a file, EIO, a full disk, slow I/O (disk-faults=...)",
                              &MakeDisk);

}  // namespace
}  // namespace faultline
