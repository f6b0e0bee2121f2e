#include "nemesis/node_needs.h"

#include <mutex>
#include <set>
#include <sstream>

#include "nemesis/nemesis.h"
#include "nemesis/nemesis_support.h"

namespace faultline {

namespace {

const std::vector<NodeNeed> kAllNeeds = {NodeNeed::kIptables, NodeNeed::kFuse,     NodeNeed::kMount,
                                         NodeNeed::kSignals,  NodeNeed::kFaketime, NodeNeed::kSystemClock};

// The probe of one need: prints "ok NAME" or (through miss) "missing NAME WHY".
std::string ProbeOf(NodeNeed need) {
  switch (need) {
    case NodeNeed::kIptables:
      // Listing already needs CAP_NET_ADMIN (and a working iptables backend).
      return "if ! command -v iptables >/dev/null 2>&1; then miss iptables 'iptables is not installed'\n"
             "elif o=$(iptables -w -S INPUT 2>&1 >/dev/null); then echo 'ok iptables'\n"
             "else miss iptables \"iptables -S: $o\"; fi\n";
    case NodeNeed::kFuse:
      return "if [ ! -e /dev/fuse ]; then miss fuse 'no /dev/fuse'\n"
             "elif o=$( { : <> /dev/fuse; } 2>&1); then echo 'ok fuse'\n"
             "else miss fuse \"cannot open /dev/fuse: $o\"; fi\n";
    case NodeNeed::kMount:
      // A tmpfs on a scratch directory: the same permission faultline-fs's
      // bind mount and FUSE mount need, and nothing is left behind.
      return "if ! d=$(mktemp -d 2>&1); then miss mount \"mktemp: $d\"\n"
             "elif o=$(mount -t tmpfs faultline-probe \"$d\" 2>&1); then umount \"$d\"; rmdir \"$d\"; "
             "echo 'ok mount'\n"
             "else rmdir \"$d\"; miss mount \"mount: $o\"; fi\n";
    case NodeNeed::kSignals:
      return "sleep 30 & p=$!\n"
             "if o=$( { kill -STOP $p && kill -CONT $p && kill -KILL $p; } 2>&1); then echo 'ok signals'\n"
             "else kill -KILL $p 2>/dev/null; miss signals \"kill: $o\"; fi\n"
             "{ wait $p; } 2>/dev/null\n";
    case NodeNeed::kFaketime:
      return "f=\n"
             "for c in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/*/faketime/libfaketime.so.1 "
             "/usr/local/lib/faketime/libfaketime.so.1; do [ -f \"$c\" ] && { f=$c; break; }; done\n"
             "if [ -n \"$f\" ]; then echo 'ok libfaketime'\n"
             "else miss libfaketime 'no libfaketime.so.1 under /usr/lib/*/faketime'; fi\n";
    case NodeNeed::kSystemClock:
      // Bit 25 of the effective capabilities is CAP_SYS_TIME; setting the
      // clock to test it would move it.
      return "c=$(awk '/^CapEff:/ { print $2 }' /proc/self/status 2>/dev/null)\n"
             "if [ -n \"$c\" ] && [ $(( (0x$c >> 25) & 1 )) = 1 ]; then echo 'ok system-clock'\n"
             "else miss system-clock \"no CAP_SYS_TIME (CapEff ${c:-unreadable})\"; fi\n";
  }
  return "";
}

std::string HintOf(NodeNeed need) {
  switch (need) {
    case NodeNeed::kIptables:
      return "the node needs iptables and CAP_NET_ADMIN (a container: --cap-add NET_ADMIN)";
    case NodeNeed::kFuse:
      return "the node needs the FUSE device (a container: --device /dev/fuse; faultline cluster up "
             "--storage-faults gives it)";
    case NodeNeed::kMount:
      return "the node needs CAP_SYS_ADMIN to mount (a container: --cap-add SYS_ADMIN; faultline cluster up "
             "--storage-faults gives it)";
    case NodeNeed::kSignals:
      return "the commands' user must be able to signal the store's processes";
    case NodeNeed::kFaketime:
      return "install libfaketime on the node (Debian: apt-get install faketime)";
    case NodeNeed::kSystemClock:
      return "the node needs CAP_SYS_TIME, or use --clock-strategy faketime";
  }
  return "";
}

// The reason on one line: newlines and runs of blanks become one space.
std::string OneLine(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool blank = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (blank) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::string NodeNeedName(NodeNeed need) {
  switch (need) {
    case NodeNeed::kIptables: return "iptables";
    case NodeNeed::kFuse: return "fuse";
    case NodeNeed::kMount: return "mount";
    case NodeNeed::kSignals: return "signals";
    case NodeNeed::kFaketime: return "libfaketime";
    case NodeNeed::kSystemClock: return "system-clock";
  }
  return "?";
}

std::string NodeNeedsProbeScript(const std::vector<NodeNeed>& needs) {
  std::string script = "miss() { n=$1; shift; printf 'missing %s %s\\n' \"$n\" \"$(printf '%s' \"$*\" | tr '\\n' ' ')\"; }\n";
  for (NodeNeed need : needs) script += ProbeOf(need);
  return script;
}

std::map<NodeNeed, std::string> ParseNodeNeedsProbe(const std::vector<NodeNeed>& needs, const std::string& out) {
  std::map<std::string, NodeNeed> by_name;
  for (NodeNeed n : kAllNeeds) by_name[NodeNeedName(n)] = n;
  std::map<NodeNeed, std::string> missing;
  std::set<NodeNeed> answered;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string verdict, name;
    words >> verdict >> name;
    auto it = by_name.find(name);
    if (it == by_name.end() || (verdict != "ok" && verdict != "missing")) continue;
    answered.insert(it->second);
    if (verdict == "missing") {
      std::string why;
      std::getline(words, why);
      why = OneLine(why);
      missing[it->second] = why.empty() ? "no reason given" : why;
    }
  }
  for (NodeNeed n : needs) {
    if (!answered.count(n)) missing[n] = "the probe printed nothing for it";
  }
  return missing;
}

std::string NodeShortfallMessage(const std::vector<NodeShortfall>& shortfalls,
                                 const std::map<NodeNeed, std::string>& needed_by) {
  const NodeShortfall* first = nullptr;
  for (const auto& s : shortfalls) {
    if (!s.missing.empty()) {
      first = &s;
      break;
    }
  }
  if (first == nullptr) return "";
  // The first node's first missing need (in NodeNeed order) is the one named;
  // the others lacking the same need are listed after it.
  const auto& [need, why] = *first->missing.begin();
  auto by = needed_by.find(need);
  std::string faults = by == needed_by.end() ? "the faults" : "fault " + by->second;
  std::string line = first->node + ": " + faults + " needs " + NodeNeedName(need) + ", which fails there (" +
                     why + "); " + HintOf(need);
  std::string also;
  for (const auto& s : shortfalls) {
    if (&s != first && s.missing.count(need)) also += (also.empty() ? "" : ", ") + s.node;
  }
  if (!also.empty()) line += " (also missing on " + also + ")";
  if (first->missing.size() > 1) {
    std::string more;
    for (const auto& [other, unused] : first->missing) {
      if (other != need) more += (more.empty() ? "" : ", ") + NodeNeedName(other);
    }
    line += "; " + first->node + " also lacks " + more;
  }
  return line;
}

std::map<NodeNeed, std::string> NeedsOf(const std::vector<Nemesis*>& nemeses) {
  std::map<NodeNeed, std::string> by;
  for (Nemesis* n : nemeses) {
    for (NodeNeed need : n->NodeNeeds()) {
      std::string& names = by[need];
      names += (names.empty() ? "" : ", ") + n->name();
    }
  }
  return by;
}

Status CheckNodeNeeds(const ClusterInfo& cluster, const std::vector<Nemesis*>& nemeses) {
  const std::map<NodeNeed, std::string> needed_by = NeedsOf(nemeses);
  if (needed_by.empty()) return Status::Ok();
  std::vector<NodeNeed> needs;
  for (const auto& [need, unused] : needed_by) needs.push_back(need);
  const std::string script = NodeNeedsProbeScript(needs);
  std::vector<const NodeInfo*> nodes;
  for (const auto& n : cluster.nodes) {
    if (n.remote != nullptr) nodes.push_back(&n);
  }
  std::mutex mu;
  std::map<std::string, std::map<NodeNeed, std::string>> missing;  // node -> need -> why
  (void)ForEachNode(nodes, [&](const NodeInfo& n) {
    // Generous: one container exec can take seconds on a loaded host, and
    // an unreachable node is not this check's to report.
    auto r = n.remote->Exec(script, "", std::chrono::seconds(60));
    if (!r.ok()) return Status::Ok();
    // No verdict line at all: the probe did not run as a script (an odd
    // shell); not judged either.
    if (r->out.find("ok ") == std::string::npos && r->out.find("missing ") == std::string::npos) {
      return Status::Ok();
    }
    auto m = ParseNodeNeedsProbe(needs, r->out);
    std::lock_guard<std::mutex> lock(mu);
    missing[n.name] = std::move(m);
    return Status::Ok();
  });
  std::vector<NodeShortfall> shortfalls;
  for (const NodeInfo* n : nodes) {
    auto it = missing.find(n->name);
    if (it != missing.end()) shortfalls.push_back({n->name, it->second});
  }
  std::string message = NodeShortfallMessage(shortfalls, needed_by);
  return message.empty() ? Status::Ok() : Status::Error(message);
}

}  // namespace faultline
