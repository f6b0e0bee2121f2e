// serve_bench [RUNS] [ROUNDS]: how long `faultline serve` takes to list a big
// results store. Builds a temporary store of RUNS runs (default 10,000: ten
// tests of RUNS/10 runs, every 7th invalid) in the runs index, serves it on
// 127.0.0.1 (a free port), and GETs the home page unfiltered, filtered by
// verdict and by test name, ROUNDS times each (default 5), printing each
// page's median and fastest time and its size. The target is under a second
// for 10,000 runs (README, "faultline serve"). The store is removed after.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/run_store.h"
#include "results/runs_index.h"
#include "results/store_server.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  if (runs < 10 || rounds < 1) {
    std::fprintf(stderr, "usage: serve_bench [RUNS >= 10] [ROUNDS >= 1]\n");
    return 2;
  }
  char tmpl[] = "/tmp/faultline-serve-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string store = tmpl;
  for (int t = 0; t < 10; ++t) {
    const std::string test = "test-" + std::to_string(t);
    for (int i = 0; i < runs / 10; ++i) {
      char stamp[40];
      std::snprintf(stamp, sizeof stamp, "20261203T%02d%02d%02d.%03d", i / 3600 % 24, i / 60 % 60, i % 60, t);
      const std::string key = test + "/" + stamp;
      fs::create_directories(store + "/" + key);
      json e = {{"run", key}, {"test", test}, {"status", "done"}, {"valid", i % 7 != 0}, {"duration_s", 60.0},
                {"ops", 6000}, {"ops_s", 100.0}, {"availability", 0.97}, {"time_availability", 0.95},
                {"started", faultline::RunStartTime(stamp)}};
      if (!faultline::AppendRunIndex(store, e).ok()) return 1;
    }
  }
  faultline::ServeOptions o;
  o.store = store;
  o.port = 0;
  faultline::StoreServer server(o);
  if (auto s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "serve_bench: %s\n", s.message().c_str());
    return 1;
  }
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(60, 0);
  std::printf("%d runs, %d rounds per page\n%-20s %10s %10s %10s\n", runs, rounds, "page", "median s", "fastest s",
              "bytes");
  int status = 0;
  for (const char* page : {"/", "/?verdict=invalid", "/?test=test-3"}) {
    std::vector<double> times;
    size_t bytes = 0;
    for (int r = 0; r < rounds; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      auto res = client.Get(page);
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      if (!res || res->status != 200) {
        std::fprintf(stderr, "serve_bench: GET %s failed\n", page);
        status = 1;
        break;
      }
      bytes = res->body.size();
    }
    if (times.empty()) continue;
    std::sort(times.begin(), times.end());
    std::printf("%-20s %10.3f %10.3f %10zu\n", page, times[times.size() / 2], times.front(), bytes);
  }
  server.Stop();
  fs::remove_all(store);
  return status;
}
