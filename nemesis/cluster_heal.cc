#include "nemesis/cluster_heal.h"

#include <algorithm>

#include "nemesis/faultline_chain.h"
#include "nemesis/nemesis_support.h"
#include "nemesis/packet_shaper.h"
#include "nemesis/storage_mount.h"

namespace faultline {

namespace {

// Flushes the chains and removes netem and tbf root qdiscs (the packet
// nemesis's); prints one line per action.
std::string NetworkHealCommand() {
  return FlushChainCommand() +
         " && echo 'FAULTLINE chain flushed'; "
         "if command -v tc >/dev/null 2>&1; then for d in $(ls /sys/class/net); do "
         "q=$(tc qdisc show dev \"$d\" root 2>/dev/null | grep -o -w -m1 'netem\\|tbf'); "
         "if [ -n \"$q\" ]; then "
         "tc qdisc del dev \"$d\" root && echo \"$q qdisc removed from $d\"; fi; done; fi";
}

// A data directory left mounted through faultline-fs (the disk nemesis):
// the store is stopped, faultline-fs writes back what it holds (no data is
// lost by healing), the mount is removed and the store starts on its real
// directory.
void HealStorage(const ClusterInfo& cluster, const NodeInfo& n, const std::string& dir, Killable* killable,
                 NodeHealReport* report) {
  auto mounted = FaultFsMounted(*n.remote, dir);
  if (!mounted.ok()) {
    report->errors.push_back(mounted.status().message());
    return;
  }
  if (!*mounted) {
    // A bind point without the mount (faultline-fs died): remove it too.
    if (Status u = UnmountFaultFs(*n.remote, dir); !u.ok()) report->errors.push_back(u.message());
    return;
  }
  if (killable) {
    if (Status k = killable->Kill(cluster, n); !k.ok()) report->errors.push_back("stopping the store: " + k.message());
  }
  auto flushed = FaultFsCommand(*n.remote, dir, "clear");
  if (flushed.ok()) flushed = FaultFsCommand(*n.remote, dir, "flush");
  if (!flushed.ok()) report->errors.push_back(flushed.status().message());
  if (Status u = UnmountFaultFs(*n.remote, dir); !u.ok()) {
    report->errors.push_back(u.message());
    return;
  }
  report->done.push_back("faultline-fs unmounted from " + dir);
  if (killable) {
    if (Status st = killable->Start(cluster, n); st.ok()) {
      report->done.push_back("store restarted on its real data directory");
    } else {
      report->errors.push_back("restarting the store: " + st.message());
    }
  }
}

}  // namespace

std::vector<NodeHealReport> HealNodes(const ClusterInfo& cluster, Db* db) {
  std::vector<NodeHealReport> reports(cluster.nodes.size());
  auto* skewable = dynamic_cast<ClockSkewable*>(db);
  auto* pausable = dynamic_cast<Pausable*>(db);
  auto* data = dynamic_cast<HasDataDir*>(db);
  auto* killable = dynamic_cast<Killable*>(db);
  std::vector<const NodeInfo*> nodes = AllNodes(cluster);
  ForEachNode(nodes, [&](const NodeInfo& n) {
    // ForEachNode hands out references into cluster.nodes: the index is stable.
    NodeHealReport& report = reports[&n - cluster.nodes.data()];
    report.node = n.name;
    if (n.remote == nullptr) {
      report.errors.push_back("no remote to reach the node");
      return Status::Ok();
    }
    auto net = ExecOrError(*n.remote, NetworkHealCommand());
    if (net.ok()) {
      for (auto& line : SplitLines(*net)) report.done.push_back(line);
    } else {
      report.errors.push_back(net.status().message());
    }
    // After the flush no packet reaches a shaper; stopping it lets the held ones go.
    if (Status s = StopShaper(*n.remote); !s.ok()) report.errors.push_back(s.message());
    const std::string file = skewable ? skewable->FaketimeOffsetFile(n) : "";
    if (!file.empty()) {  // "": the store runs without libfaketime there
      auto clock = ExecOrError(
          *n.remote, "if [ -f " + ShellQuote(file) + " ]; then printf '+0\\n' > " +
                         ShellQuote(file + ".tmp") + " && mv -f " + ShellQuote(file + ".tmp") + " " +
                         ShellQuote(file) + " && echo 'clock offset reset to +0'; fi");
      if (clock.ok()) {
        for (auto& line : SplitLines(*clock)) report.done.push_back(line);
      } else {
        report.errors.push_back(clock.status().message());
      }
    }
    if (pausable) {
      Status s = pausable->Resume(cluster, n);
      if (s.ok()) {
        report.done.push_back("store resumed (SIGCONT if it was running)");
      } else {
        report.errors.push_back("resume: " + s.message());
      }
    }
    if (data) HealStorage(cluster, n, data->DataDir(n), killable, &report);
    return Status::Ok();
  });
  if (auto* rc = dynamic_cast<Reconfigurable*>(db)) HealMembership(cluster, rc, &reports);
  return reports;
}

void HealMembership(const ClusterInfo& cluster, Reconfigurable* rc, std::vector<NodeHealReport>* reports) {
  // No store answering: nothing runs, nothing to put back.
  auto members = rc->Members(cluster);
  if (!members.ok()) return;
  const std::vector<std::string> initial = rc->InitialMembers(cluster);
  auto report_of = [&](const std::string& name) -> NodeHealReport* {
    for (auto& r : *reports) {
      if (r.node == name) return &r;
    }
    return nullptr;
  };
  auto step = [&](const std::string& name, bool join) {
    NodeHealReport* report = report_of(name);
    auto nodes = NodesNamed(cluster, {name});
    if (report == nullptr || nodes.empty()) return;
    auto r = join ? rc->Join(cluster, *nodes.front()) : rc->Leave(cluster, *nodes.front());
    if (r.ok()) {
      report->done.push_back(std::string(join ? "joined the store's membership again" : "removed from the store's membership") +
                             " (initial members: " + std::to_string(initial.size()) + ")");
    } else {
      report->errors.push_back(std::string(join ? "rejoining: " : "leaving: ") + r.status().message());
    }
  };
  // Joins first, so that the leaves never go below the minimum.
  for (const auto& n : initial) {
    if (std::find(members->begin(), members->end(), n) == members->end()) step(n, true);
  }
  for (const auto& n : *members) {
    if (std::find(initial.begin(), initial.end(), n) == initial.end()) step(n, false);
  }
}

}  // namespace faultline
