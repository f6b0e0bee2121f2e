// ringstore: the bundled replicated store faultline tests out of the box.
// See targets/ringstore/server.h for the API and config.h for the flags.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "targets/ringstore/config.h"
#include "targets/ringstore/server.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto config = faultline::ringstore::ParseConfig(args);
  if (!config.ok()) {
    const std::string& msg = config.status().message();
    bool help = msg.rfind("usage:", 0) == 0;
    std::fprintf(help ? stdout : stderr, help ? "%s" : "ringstore: %s\n", msg.c_str());
    return help ? 0 : 2;
  }
  // A peer or client that vanishes mid-reply must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);
  return faultline::ringstore::RunRingstore(config.value());
}
