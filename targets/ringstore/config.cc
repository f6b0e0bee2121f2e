#include "targets/ringstore/config.h"

#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>

namespace faultline::ringstore {
namespace {

// "host:port" -> host, port; false when malformed.
bool SplitHostPort(const std::string& s, std::string* host, int* port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) return false;
  std::string h = s.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  char* end = nullptr;
  errno = 0;
  long p = std::strtol(s.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || errno != 0 || p < 1 || p > 65535) return false;
  *host = h;
  *port = static_cast<int>(p);
  return true;
}

bool ParseInt(const std::string& s, int lo, int hi, int* out) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kPaxos: return "paxos";
    case Mode::kLww: return "lww";
    case Mode::kEventual: return "eventual";
  }
  return "?";
}

std::string ConfigUsage() {
  return "usage: ringstore --id ID --listen HOST:PORT --peers ID=HOST:PORT,... --data-dir DIR\n"
         "                 [--replicas N (3)] [--vnodes N (64)] [--mode paxos|lww|eventual (paxos)]\n"
         "                 [--rpc-timeout-ms N (1000)] [--heartbeat-timeout-ms N (250)]\n"
         "                 [--fsync always|never (always; never is deliberately unsafe)]\n"
         "                 [--join HOST:PORT] [--handoff safe|unsafe (safe; unsafe is deliberately broken)]\n"
         "  --peers lists every node, this one included; --id must be one of them.\n"
         "  --join: join the running ring of the member at HOST:PORT (--peers then needs only this node).\n";
}

Result<Config> ParseConfig(const std::vector<std::string>& args) {
  static const std::set<std::string> kKnown = {"id", "listen", "peers", "data-dir", "replicas",
                                               "vnodes", "mode", "rpc-timeout-ms",
                                               "heartbeat-timeout-ms", "fsync", "join", "handoff"};
  std::map<std::string, std::string> values;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return Status::Error(ConfigUsage());
    if (arg.rfind("--", 0) != 0) return Status::Error("unexpected argument \"" + arg + "\"");
    std::string name = arg.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (!kKnown.count(name)) return Status::Error("unknown flag --" + name);
      if (i + 1 >= args.size()) return Status::Error("--" + name + " needs a value");
      value = args[++i];
    }
    if (!kKnown.count(name)) return Status::Error("unknown flag --" + name);
    if (values.count(name)) return Status::Error("--" + name + " given twice");
    values[name] = value;
  }
  for (const char* required : {"id", "listen", "peers", "data-dir"}) {
    if (!values.count(required) || values[required].empty()) {
      return Status::Error(std::string("missing required flag --") + required);
    }
  }
  Config c;
  c.id = values["id"];
  if (!SplitHostPort(values["listen"], &c.listen_host, &c.listen_port)) {
    return Status::Error("--listen: \"" + values["listen"] + "\" is not HOST:PORT");
  }
  std::set<std::string> ids;
  std::string peers = values["peers"];
  size_t pos = 0;
  while (pos <= peers.size()) {
    size_t comma = peers.find(',', pos);
    std::string item = peers.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? peers.size() + 1 : comma + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    Peer p;
    if (eq == std::string::npos || eq == 0 || !SplitHostPort(item.substr(eq + 1), &p.host, &p.port)) {
      return Status::Error("--peers: \"" + item + "\" is not ID=HOST:PORT");
    }
    p.id = item.substr(0, eq);
    if (!ids.insert(p.id).second) return Status::Error("--peers: node \"" + p.id + "\" listed twice");
    c.peers.push_back(p);
  }
  if (c.peers.empty()) return Status::Error("--peers: no nodes given");
  if (!ids.count(c.id)) return Status::Error("--id \"" + c.id + "\" is not one of --peers");
  c.data_dir = values["data-dir"];
  if (values.count("replicas") && !ParseInt(values["replicas"], 1, 1000, &c.replicas)) {
    return Status::Error("--replicas: \"" + values["replicas"] + "\" is not an integer in [1, 1000]");
  }
  if (values.count("vnodes") && !ParseInt(values["vnodes"], 1, 100000, &c.vnodes)) {
    return Status::Error("--vnodes: \"" + values["vnodes"] + "\" is not an integer in [1, 100000]");
  }
  if (values.count("mode")) {
    const std::string& m = values["mode"];
    if (m == "paxos") c.mode = Mode::kPaxos;
    else if (m == "lww") c.mode = Mode::kLww;
    else if (m == "eventual") c.mode = Mode::kEventual;
    else return Status::Error("--mode: \"" + m + "\" is not one of paxos, lww, eventual");
  }
  if (values.count("fsync")) {
    const std::string& f = values["fsync"];
    if (f != "always" && f != "never") return Status::Error("--fsync: \"" + f + "\" is not always or never");
    c.fsync = f == "always";
  }
  if (values.count("join") && !SplitHostPort(values["join"], &c.join_host, &c.join_port)) {
    return Status::Error("--join: \"" + values["join"] + "\" is not HOST:PORT");
  }
  if (values.count("handoff")) {
    const std::string& h = values["handoff"];
    if (h != "safe" && h != "unsafe") return Status::Error("--handoff: \"" + h + "\" is not safe or unsafe");
    c.handoff_unsafe = h == "unsafe";
    // lww and eventual hand data off without agreement already: there is
    // no safe migration there for "unsafe" to break.
    if (c.handoff_unsafe && c.mode != Mode::kPaxos) return Status::Error("--handoff unsafe needs --mode paxos");
  }
  if (values.count("rpc-timeout-ms")) {
    int ms = 0;
    if (!ParseInt(values["rpc-timeout-ms"], 10, 600000, &ms)) {
      return Status::Error("--rpc-timeout-ms: \"" + values["rpc-timeout-ms"] + "\" is not an integer in [10, 600000]");
    }
    c.rpc_timeout_s = ms / 1000.0;
  }
  if (values.count("heartbeat-timeout-ms")) {
    int ms = 0;
    if (!ParseInt(values["heartbeat-timeout-ms"], 10, 600000, &ms)) {
      return Status::Error("--heartbeat-timeout-ms: \"" + values["heartbeat-timeout-ms"] +
                           "\" is not an integer in [10, 600000]");
    }
    c.heartbeat_timeout_s = ms / 1000.0;
  }
  return c;
}

}  // namespace faultline::ringstore
