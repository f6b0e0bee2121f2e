// NodeNeeds: what a fault needs of each node's OS (iptables that work, a
// FUSE device and the right to mount, signals, libfaketime, the right to set
// the clock), probed once per node before anything is deployed, so that a
// node that cannot take a fault (a container started without NET_ADMIN, a
// pod without /dev/fuse) refuses the run up front with one line naming the
// node and what is missing, instead of failing halfway through the run.
//
// Probing runs one shell script per node (all nodes in parallel) that checks
// each need by doing the smallest real thing the fault will do (`iptables
// -S`, mounting a tmpfs, stopping and continuing a child) and prints one
// line per need: "ok NEED" or "missing NEED REASON". Stateless; the
// functions may be called from any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "targets/target.h"

namespace faultline {

class Nemesis;

enum class NodeNeed {
  kIptables,     // partition, packet: iptables can list and change the node's rules (CAP_NET_ADMIN)
  kFuse,         // disk: /dev/fuse exists and opens
  kMount,        // disk: mounting is allowed (CAP_SYS_ADMIN)
  kSignals,      // kill, pause: a process can be stopped, continued and killed by pid
  kFaketime,     // clock (faketime strategy): libfaketime is installed
  kSystemClock,  // clock (system strategy): the clock may be set (CAP_SYS_TIME)
};

// "iptables", "fuse", "mount", "signals", "libfaketime", "system-clock".
std::string NodeNeedName(NodeNeed need);

// The shell script that probes `needs` on a node (one output line per need).
std::string NodeNeedsProbeScript(const std::vector<NodeNeed>& needs);

// Parses the probe's stdout: need -> why it is missing (needs that are fine
// are absent). Lines it does not understand are ignored; a need with no
// line at all counts as missing ("the probe printed nothing for it").
std::map<NodeNeed, std::string> ParseNodeNeedsProbe(const std::vector<NodeNeed>& needs, const std::string& out);

// One node's missing needs, as ParseNodeNeedsProbe gives them.
struct NodeShortfall {
  std::string node;
  std::map<NodeNeed, std::string> missing;
};

// The one-line refusal for the first node (in `shortfalls` order) that lacks
// something the faults need, or "" when none does. `needed_by` says which
// fault needs each need ("partition, packet"). Form:
//   "n2: fault partition needs iptables, which fails there (REASON); HINT
//    (also missing on n3)"
// REASON is the probe's words on one line, HINT how to give it (for
// containers: the podman/docker flag).
std::string NodeShortfallMessage(const std::vector<NodeShortfall>& shortfalls,
                                 const std::map<NodeNeed, std::string>& needed_by);

// The needs of `nemeses` (union), and which nemesis needs each.
std::map<NodeNeed, std::string> NeedsOf(const std::vector<Nemesis*>& nemeses);

// Probes every node of `cluster` (those with a Remote, in parallel) for the
// needs of `nemeses`. Returns OK when every node has all of them; an error
// whose message is NodeShortfallMessage when one lacks something. A node
// the probe could not reach (or that timed out) is not judged here: the run
// finds it later and reports it as the infrastructure error it is.
Status CheckNodeNeeds(const ClusterInfo& cluster, const std::vector<Nemesis*>& nemeses);

}  // namespace faultline
