// `faultline serve [--store DIR] [--bind ADDR] [--port N]`: browses a results
// store in a web browser (results/store_server.h) until SIGINT or SIGTERM.
// Read-only; binds 127.0.0.1 unless --bind says otherwise. Exit 0 after a
// signal, 3 bad flags, 4 when the store is missing or the port cannot be bound.
#include <pthread.h>
#include <signal.h>

#include <cstdio>

#include "harness/cli/cli.h"
#include "results/store_server.h"

namespace faultline {
namespace {

int RunServe(const std::vector<std::string>& args) {
  Flags flags("serve");
  ServeOptions o;
  flags.String("store", &o.store, "results directory (default store)");
  flags.String("bind", &o.bind, "address to listen on (default 127.0.0.1: this machine only)", "ADDRESS");
  flags.Int("port", &o.port, "port (default 8080; 0 = any free port, printed)");
  Status st = flags.Parse(args);
  if (!st.ok()) return BadInput("serve", st.message());
  if (flags.help_requested()) {
    std::printf("usage: faultline serve [--store DIR] [--bind ADDR] [--port N]\n"
                "Serves the runs of a results store, read-only, until Ctrl-C.\n\n%s",
                flags.Usage().c_str());
    return kExitValid;
  }
  if (!flags.positionals().empty()) return BadInput("serve", "takes no arguments");
  if (o.port < 0 || o.port > 65535) return BadInput("serve", "--port must be 0-65535");
  // Signals are taken by sigwait below, not by handlers: the server threads
  // inherit this mask, and stopping is done from an ordinary thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  StoreServer server(o);
  Status s = server.Start();
  if (!s.ok()) {
    std::fprintf(stderr, "faultline serve: %s\n", s.message().c_str());
    return kExitInfra;
  }
  std::string host = o.bind.find(':') != std::string::npos ? "[" + o.bind + "]" : o.bind;
  std::printf("serving %s at http://%s:%d/ (read-only; Ctrl-C stops)\n", o.store.c_str(), host.c_str(),
              server.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  std::printf("faultline serve: stopped\n");
  return kExitValid;
}

Registrar<CommandFn> kServeCommand("serve", "browse the results store in a web browser", &RunServe);

}  // namespace
}  // namespace faultline
