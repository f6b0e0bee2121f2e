// Config: a ringstore process's settings, parsed from its command line.
//
//   ringstore --id n1 --listen 127.0.0.1:7001
//             --peers n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003
//             --data-dir DIR [--replicas 3] [--vnodes 64] [--mode paxos|lww|eventual]
//             [--fsync always|never] [--join HOST:PORT] [--handoff safe|unsafe]
//
// With --join, the node joins the running ring that HOST:PORT belongs to
// (its own --peers entry gives the address others reach it at; the other
// entries are ignored: the ring's configuration decides the members).
//
// ParseConfig never exits: it returns an error line naming the offending flag,
// which main prints before exiting with status 2. Plain value; no threads.
#pragma once

#include <string>
#include <vector>

#include "harness/core/status.h"

namespace faultline::ringstore {

enum class Mode { kPaxos, kLww, kEventual };
const char* ModeName(Mode mode);

struct Peer {
  std::string id;
  std::string host;
  int port = 0;
};

struct Config {
  std::string id;
  std::string listen_host;
  int listen_port = 0;
  std::vector<Peer> peers;  // every node, this one included, in flag order
  std::string data_dir;
  int replicas = 3;
  int vnodes = 64;
  Mode mode = Mode::kPaxos;
  double rpc_timeout_s = 1.0;  // per peer RPC (--rpc-timeout-ms)
  // Per heartbeat (--heartbeat-timeout-ms): a peer that answers neither a
  // heartbeat nor an RPC for 1.4 times this is not healthy. The default
  // finds a paused leader fast; on a slow network (round trips near it)
  // it declares live peers down, so raise it there.
  double heartbeat_timeout_s = 0.25;
  // --fsync never: replies before the log reaches the disk (deliberately
  // unsafe, to show what a lost page cache does; see durable_log.h).
  bool fsync = true;
  // --join HOST:PORT: a member of the ring to join at start (empty: none).
  std::string join_host;
  int join_port = 0;
  // --handoff unsafe: membership changes switch ownership before copying
  // the data (deliberately broken, to show the checkers catch it).
  bool handoff_unsafe = false;
};

// Parses argv[1..]. `--help` yields an error whose message is the usage text.
Result<Config> ParseConfig(const std::vector<std::string>& args);
// The multi-line usage text.
std::string ConfigUsage();

}  // namespace faultline::ringstore
