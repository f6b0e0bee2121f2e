// Runner throughput: the main phase of `faultline test --target memory
// --workload register --rate 0` (scheduler thread + 16 worker threads, history
// streamed to disk per op) for a few seconds, reporting completed ops/s.
// For comparison it also runs the same with the history written to
// /dev/null (the cost of recording = the difference). Goal: >= 50,000 ops/s
// on 2 cores. Usage: runner_bench [seconds=5] [workers=16]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <vector>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/run/interpreter.h"
#include "targets/target.h"
#include "workloads/workload.h"

using namespace faultline;

namespace {

class ClientExec : public Executor {
 public:
  explicit ClientExec(std::unique_ptr<Client> c) : c_(std::move(c)) {}
  Op Execute(const Op& op) override { return c_->Invoke(op); }

 private:
  std::unique_ptr<Client> c_;
};

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Figures {
  double ops_per_s = 0;
  double cpu_us_per_op = 0;
  int64_t events = 0;
};

Figures RunOnce(const std::string& history_path, double seconds, int workers) {
  auto target = (*TargetRegistry::Get().Find("memory")).factory({});
  WorkloadOptions wo;
  wo.concurrency = workers;
  auto workload = (*WorkloadRegistry::Get().Find("register")).factory(wo);
  if (!target.ok() || !workload.ok()) {
    std::fprintf(stderr, "setup failed\n");
    std::exit(4);
  }
  auto writer = HistoryWriter::Open(history_path);
  if (!writer.ok()) {
    std::fprintf(stderr, "%s\n", writer.status().message().c_str());
    std::exit(4);
  }
  std::shared_ptr<HistoryWriter> history(std::move(*writer));
  ClusterInfo cluster;
  cluster.nodes.push_back(NodeInfo{"local", "", nullptr});
  Interpreter::Options io;
  io.clients = workers;
  auto& t = *target;
  auto in = Interpreter::Start(
      io,
      [&](int) -> Result<std::unique_ptr<Executor>> {
        auto c = t.new_client();
        c->Open(cluster, cluster.nodes[0]);
        return std::unique_ptr<Executor>(new ClientExec(std::move(c)));
      },
      history, std::chrono::steady_clock::now());
  GenPtr gen = TimeLimit(seconds, Clients((*workload)->Generator()));
  Rng rng(42);
  gen->Seed(rng);
  auto t0 = std::chrono::steady_clock::now();
  double cpu0 = CpuSeconds();
  (*in)->Run(*gen, [] { return false; });
  double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = CpuSeconds() - cpu0;
  const auto& c = (*in)->counters();
  int64_t done = c.ok + c.fail + c.info;
  (*in)->Shutdown();
  history->Close();
  Figures f;
  f.events = history->size();
  f.ops_per_s = done / dt;
  f.cpu_us_per_op = done > 0 ? cpu * 1e6 / done : 0;
  return f;
}

std::string LoadAverage() {
  FILE* f = std::fopen("/proc/loadavg", "r");
  if (!f) return "?";
  char buf[64] = {0};
  if (!std::fgets(buf, sizeof buf, f)) buf[0] = 0;
  std::fclose(f);
  std::string s(buf);
  return s.substr(0, s.find(' '));
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 5;
  int workers = argc > 2 ? std::atoi(argv[2]) : 16;
  std::string path = "/tmp/runner_bench_" + std::to_string(::getpid()) + ".jsonl";
  // Median of three rounds each, alternating, so background load hits both.
  std::vector<Figures> disk, null;
  for (int round = 0; round < 3; ++round) {
    disk.push_back(RunOnce(path, seconds, workers));
    null.push_back(RunOnce("/dev/null", seconds, workers));
  }
  ::unlink(path.c_str());
  auto median = [](std::vector<Figures> v) {
    std::sort(v.begin(), v.end(), [](const Figures& a, const Figures& b) { return a.ops_per_s < b.ops_per_s; });
    return v[v.size() / 2];
  };
  Figures d = median(disk), n = median(null);
  std::printf("runner_bench: memory target, register workload, %d workers, %.0fs x3, unthrottled\n",
              workers, seconds);
  std::printf("  history to disk : %9.0f ops/s  %6.1f us CPU/op  (%lld events recorded)\n",
              d.ops_per_s, d.cpu_us_per_op, static_cast<long long>(d.events));
  std::printf("  history to null : %9.0f ops/s  %6.1f us CPU/op\n", n.ops_per_s, n.cpu_us_per_op);
  std::printf("  disk/null ratio : %9.2f\n", d.ops_per_s / n.ops_per_s);
  std::printf("  CPU bound on 2 idle cores: %.0f ops/s (2 s of CPU per s / CPU per op)\n",
              2e6 / d.cpu_us_per_op);
  std::printf("  goal >= 50000 ops/s measured: %s (load average now %s)\n",
              d.ops_per_s >= 50000 ? "met" : "NOT met", LoadAverage().c_str());
  return 0;
}
