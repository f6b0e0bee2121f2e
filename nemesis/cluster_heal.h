// HealNodes: undoes by hand, on every node, whatever faults a nemesis may have
// left behind (e.g. after the controller was killed with SIGKILL): flushes the
// FAULTLINE iptables chains (nothing else of the firewall), deletes netem and
// tbf qdiscs, stops the packet shaper, writes "+0" into the Db's libfaketime
// offset file where it exists, and SIGCONTs the store through the Db's
// Pausable capability. A data directory left mounted through faultline-fs
// (the disk nemesis; HasDataDir) is unmounted after a writeback, the store
// stopped for it and started again on the real directory. Other killed
// stores are not restarted (that is the Db's Setup). A clock moved with
// --clock-strategy system is not restored (no record survives; use NTP).
// A Reconfigurable Db's membership goes back to its InitialMembers
// (HealMembership), when its store answers at all.
// Runs the nodes in parallel; each node's report says what was done.
#pragma once

#include <string>
#include <vector>

#include "targets/target.h"

namespace faultline {

struct NodeHealReport {
  std::string node;
  std::vector<std::string> done;    // "FAULTLINE chain flushed", ...
  std::vector<std::string> errors;  // one line each
};

// `db` may be null (then only the network is healed).
std::vector<NodeHealReport> HealNodes(const ClusterInfo& cluster, Db* db);

// Joins the initial members that are not members, then removes the members
// that are not initial ones (a change cut short is aborted by the store);
// one line per change in that node's report. Nothing when no node answers.
void HealMembership(const ClusterInfo& cluster, Reconfigurable* rc, std::vector<NodeHealReport>* reports);

}  // namespace faultline
