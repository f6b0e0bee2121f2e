// nodes_bench: what reaching nodes costs, on a real local cluster (needs root).
// Prints: cluster up/down time, SSH command latency (sequential p50/p99, and
// throughput with 8 threads on one Remote), SFTP upload rate, and ringstore
// throughput/latency with libfaketime preloaded vs not (side by side, ratio).
// Usage: nodes_bench [--nodes 5] [--seconds 5] [--threads 8]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "harness/control/local_cluster.h"
#include "harness/control/nodes.h"
#include "targets/ringstore_db.h"

using namespace faultline;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

struct LoadResult {
  double ops_per_s = 0, p50_ms = 0, p99_ms = 0;
  long ok = 0, not_ok = 0;
};

LoadResult RunLoad(Target& target, ClusterInfo& info, int threads, double seconds) {
  std::vector<std::vector<double>> lat(threads);
  std::atomic<long> ok{0}, not_ok{0};
  auto start = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      auto client = target.new_client();
      if (!client->Open(info, info.nodes[t % info.nodes.size()]).ok()) return;
      for (long i = 0; Seconds(start) < seconds; ++i) {
        Op op;
        op.process = t;
        op.key = "k" + std::to_string((i * 7 + t) % 100);
        if (i % 2) {
          op.f = "read";
        } else {
          op.f = "write";
          op.value = i;
        }
        auto t0 = Clock::now();
        Op done = client->Invoke(op);
        lat[t].push_back(Seconds(t0) * 1000);
        (done.type == OpType::kOk ? ok : not_ok)++;
      }
      client->Close();
    });
  }
  for (auto& th : ts) th.join();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  LoadResult r;
  r.ok = ok;
  r.not_ok = not_ok;
  r.ops_per_s = (ok + not_ok) / Seconds(start);
  r.p50_ms = Percentile(all, 0.5);
  r.p99_ms = Percentile(all, 0.99);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 5, threads = 8;
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--nodes")) nodes = std::atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
  }
  LocalClusterSpec spec;
  spec.name = "bench";
  spec.subnet = "10.231.64.0/24";
  spec.nodes = nodes;
  auto t0 = Clock::now();
  auto cluster = LocalClusterUp(spec);
  if (!cluster.ok()) {
    std::fprintf(stderr, "nodes_bench: %s\n", cluster.status().message().c_str());
    return 4;
  }
  std::printf("cluster up, %d nodes:            %.2f s\n", nodes, Seconds(t0));
  NodeOptions options;
  options.cluster_file = ClusterFilePath(spec.name);
  t0 = Clock::now();
  auto remotes = ConnectNodes(options, "");
  if (!remotes.ok()) {
    std::fprintf(stderr, "nodes_bench: %s\n", remotes.status().message().c_str());
    LocalClusterDown(spec);
    return 4;
  }
  std::printf("connect to all nodes (parallel):  %.3f s\n", Seconds(t0));
  Remote& n1 = *(*remotes)[0];

  std::vector<double> lat;
  for (int i = 0; i < 200; ++i) {
    auto s = Clock::now();
    n1.Exec("true");
    lat.push_back(Seconds(s) * 1000);
  }
  std::printf("ssh exec `true`, sequential:      p50 %.2f ms  p99 %.2f ms\n", Percentile(lat, 0.5),
              Percentile(lat, 0.99));
  std::atomic<int> done{0};
  t0 = Clock::now();
  {
    std::vector<std::thread> ts;
    for (int t = 0; t < 8; ++t) {
      ts.emplace_back([&] {
        for (int i = 0; i < 50; ++i) {
          if (n1.Exec("true").ok()) done++;
        }
      });
    }
    for (auto& th : ts) th.join();
  }
  std::printf("ssh exec `true`, 8 threads:       %.0f commands/s (%d ok of 400)\n",
              done / Seconds(t0), done.load());

  std::string binary = DefaultRingstoreBinary();
  if (std::filesystem::exists(binary)) {
    double mb = std::filesystem::file_size(binary) / 1e6;
    t0 = Clock::now();
    Status up = n1.Upload(binary, "/tmp/bench-upload");
    double took = Seconds(t0);
    std::printf("sftp upload %.1f MB:               %.2f s (%.1f MB/s)%s\n", mb, took, mb / took,
                up.ok() ? "" : (" ERROR " + up.message()).c_str());

    ClusterInfo info;
    for (auto& r : *remotes) info.nodes.push_back(NodeInfo{r->node(), r->address(), r.get()});
    LoadResult results[2];
    const char* modes[2] = {"auto", "off"};
    for (int m = 0; m < 2; ++m) {
      auto target = TargetRegistry::Get().Find("ringstore")->factory({{"faketime", modes[m]}});
      std::vector<std::thread> ts;
      std::vector<Status> st(info.nodes.size());
      t0 = Clock::now();
      for (size_t i = 0; i < info.nodes.size(); ++i) {
        ts.emplace_back([&, i] { st[i] = target->db->Setup(info, info.nodes[i]); });
      }
      for (auto& th : ts) th.join();
      bool all = true;
      for (auto& s : st) {
        if (!s.ok()) {
          std::fprintf(stderr, "setup: %s\n", s.message().c_str());
          all = false;
        }
      }
      if (!all) break;
      std::printf("ringstore setup on %zu nodes (faketime=%s): %.2f s\n", info.nodes.size(),
                  modes[m], Seconds(t0));
      results[m] = RunLoad(*target, info, threads, seconds);
      std::printf("  %d clients, 50%% read/50%% write, %.0fs: %.0f ops/s  p50 %.2f ms  p99 %.2f ms"
                  "  (ok %ld, not ok %ld)\n",
                  threads, seconds, results[m].ops_per_s, results[m].p50_ms, results[m].p99_ms,
                  results[m].ok, results[m].not_ok);
      for (auto& n : info.nodes) target->db->Teardown(info, n);
    }
    if (results[1].ops_per_s > 0) {
      std::printf("faketime/no-faketime throughput ratio: %.2f\n",
                  results[0].ops_per_s / results[1].ops_per_s);
    }
  } else {
    std::printf("(%s not built: skipping upload and ringstore figures)\n", binary.c_str());
  }
  remotes->clear();
  t0 = Clock::now();
  Status down = LocalClusterDown(spec);
  std::printf("cluster down:                     %.2f s%s\n", Seconds(t0),
              down.ok() ? "" : (" ERROR " + down.message()).c_str());
  return down.ok() ? 0 : 4;
}
