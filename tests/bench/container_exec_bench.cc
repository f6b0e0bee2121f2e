// Benchmark of ContainerRemote::Exec on one running podman container: the
// time of a fixed sequence of Exec calls (default 20: `echo I`, each checked),
// as the nemeses and Dbs issue them one after another. Run it twice to compare
// the transports: as is (direct exec through nsenter when it applies) and with
// FAULTLINE_CONTAINER_EXEC=runtime (every call a `podman exec`).
//
// Usage: container_exec_bench CONTAINER [--calls N] [--reps R]
// Prints each repetition's total and per-call time, then the median total.
// Exits 1 when a call fails or prints the wrong thing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/control/container_remote.h"

using faultline::ContainerOptions;
using faultline::ContainerRemote;
using faultline::ContainerTransport;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: container_exec_bench CONTAINER [--calls N] [--reps R]\n");
    return 3;
  }
  int calls = 20, reps = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--calls") calls = std::atoi(argv[i + 1]);
    else if (flag == "--reps") reps = std::atoi(argv[i + 1]);
  }
  ContainerOptions o;
  o.node = "n1";
  o.transport = ContainerTransport::kPodman;
  o.container = argv[1];
  auto connect_start = std::chrono::steady_clock::now();
  auto remote = ContainerRemote::Connect(o);
  if (!remote.ok()) {
    std::fprintf(stderr, "%s\n", remote.status().message().c_str());
    return 1;
  }
  double connect_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - connect_start).count();
  const char* mode = std::getenv("FAULTLINE_CONTAINER_EXEC");
  std::printf("exec mode: %s; connect %.3f s\n", mode ? mode : "default", connect_s);
  std::vector<double> totals;
  for (int r = 0; r < reps; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) {
      auto e = (*remote)->Exec("echo " + std::to_string(i));
      if (!e.ok() || e->exit_code != 0 || e->out != std::to_string(i) + "\n" || !e->err.empty()) {
        std::fprintf(stderr, "call %d failed: %s\n", i, e.ok() ? (e->out + e->err).c_str() : e.status().message().c_str());
        return 1;
      }
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    totals.push_back(s);
    std::printf("rep %d: %d calls in %.3f s (%.1f ms per call)\n", r + 1, calls, s, 1000 * s / calls);
  }
  std::sort(totals.begin(), totals.end());
  std::printf("median: %.3f s for %d calls\n", totals[totals.size() / 2], calls);
  return 0;
}
