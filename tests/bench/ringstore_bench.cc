// ringstore_bench: throughput and latency of ringstore (every mode) side by
// side with a 3-node etcd 3.4 cluster, all on loopback, same load, same client.
//
// Load: first every key is written once (load phase); then C concurrent
// clients (1, 8, 32), each a thread with a keep-alive HTTP connection to node
// (client % 3), issue a mix of 50% reads, 30% writes and 20% compare-and-set
// over 1,000 keys (uniform), for --seconds per point.
// etcd is driven through its v3 HTTP/JSON gateway (/v3/kv/range, /v3/kv/put,
// /v3/kv/txn with base64 keys), with its default fsync-per-commit durability
// and linearizable (quorum) reads; ringstore paxos fsyncs every promise and
// accept. Prints ops/s, p50 and p99 per point and the paxos/etcd ratio.
//
//   build/ringstore_bench [--seconds 5] [--clients 1,8,32] [--modes paxos,lww,eventual,etcd]
//
// Every process it starts is stopped by pid; data lives in temp directories
// that are removed at the end.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "tests/targets/ringstore_cluster.h"

namespace faultline::ringstore::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kKeys = 1000;

std::string Base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// One store under test: how to reach node i and how to issue each op.
class Store {
 public:
  virtual ~Store() = default;
  virtual std::string name() const = 0;
  virtual int port(int node) const = 0;
  // Each returns true when the store answered (cas precondition failures are
  // answers too); false on errors.
  virtual bool Read(JsonClient& c, const std::string& key) = 0;
  virtual bool Write(JsonClient& c, const std::string& key, int value) = 0;
  virtual bool Cas(JsonClient& c, const std::string& key, int expected, int value) = 0;
};

class RingstoreStore : public Store {
 public:
  explicit RingstoreStore(const std::string& mode) : mode_(mode) {
    RingstoreCluster::Options o;
    o.mode = mode;
    o.rpc_timeout_ms = 1000;
    cluster_ = std::make_unique<RingstoreCluster>(o);
    ok_ = cluster_->StartAll();
  }
  bool ok() const { return ok_; }
  std::string name() const override { return "ringstore-" + mode_; }
  int port(int node) const override { return cluster_->port(node); }
  bool Read(JsonClient& c, const std::string& key) override { return c.Get("/kv/" + key).status == 200; }
  bool Write(JsonClient& c, const std::string& key, int value) override {
    return c.Put("/kv/" + key, json{{"value", value}}).status == 200;
  }
  bool Cas(JsonClient& c, const std::string& key, int expected, int value) override {
    int s = c.Post("/kv/" + key + "/cas", json{{"expected", expected}, {"new", value}}).status;
    return s == 200 || s == 409;
  }
  json Status(int node) { return cluster_->Client(node)->Get("/status").body; }

 private:
  std::string mode_;
  std::unique_ptr<RingstoreCluster> cluster_;
  bool ok_ = false;
};

class EtcdStore : public Store {
 public:
  EtcdStore() {
    char tmpl[] = "/tmp/ringstore-bench-etcd-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    std::string initial;
    for (int i = 0; i < 3; ++i) {
      client_ports_.push_back(FreePort());
      peer_ports_.push_back(FreePort());
      initial += (i ? "," : "") + Name(i) + "=http://127.0.0.1:" + std::to_string(peer_ports_[i]);
    }
    for (int i = 0; i < 3; ++i) {
      std::string c = "http://127.0.0.1:" + std::to_string(client_ports_[i]);
      std::string p = "http://127.0.0.1:" + std::to_string(peer_ports_[i]);
      std::vector<std::string> args = {"/usr/bin/etcd", "--name", Name(i), "--data-dir", dir_ + "/" + Name(i),
                                       "--listen-client-urls", c, "--advertise-client-urls", c,
                                       "--listen-peer-urls", p, "--initial-advertise-peer-urls", p,
                                       "--initial-cluster", initial, "--initial-cluster-state", "new",
                                       "--initial-cluster-token", "faultline-bench", "--log-level", "error"};
      pid_t pid = ::fork();
      if (pid == 0) {
        std::string log = dir_ + "/" + Name(i) + ".log";
        FILE* f = std::fopen(log.c_str(), "w");
        ::dup2(fileno(f), 1);
        ::dup2(fileno(f), 2);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
      }
      pids_.push_back(pid);
    }
    // Healthy when a quorum write goes through.
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      JsonClient c("127.0.0.1", client_ports_[0], 1.0);
      if (Write(c, "probe", 0)) {
        ok_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~EtcdStore() override {
    for (pid_t pid : pids_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool ok() const { return ok_; }
  std::string name() const override { return "etcd-3.4"; }
  int port(int node) const override { return client_ports_[node]; }
  bool Read(JsonClient& c, const std::string& key) override {
    return c.Post("/v3/kv/range", json{{"key", Base64(key)}}).status == 200;
  }
  bool Write(JsonClient& c, const std::string& key, int value) override {
    return c.Post("/v3/kv/put", json{{"key", Base64(key)}, {"value", Base64(std::to_string(value))}}).status == 200;
  }
  bool Cas(JsonClient& c, const std::string& key, int expected, int value) override {
    json txn = {{"compare", json::array({{{"key", Base64(key)},
                                          {"result", "EQUAL"},
                                          {"target", "VALUE"},
                                          {"value", Base64(std::to_string(expected))}}})},
                {"success", json::array({{{"requestPut", {{"key", Base64(key)}, {"value", Base64(std::to_string(value))}}}}})}};
    return c.Post("/v3/kv/txn", txn).status == 200;
  }

 private:
  static std::string Name(int i) { return "e" + std::to_string(i + 1); }
  std::string dir_;
  std::vector<int> client_ports_, peer_ports_;
  std::vector<pid_t> pids_;
  bool ok_ = false;
};

struct Point {
  std::string store;
  int clients;
  double ops_per_s;
  double p50_ms, p99_ms;
  int64_t errors;
};

Point Run(Store& store, int clients, double seconds) {
  std::vector<std::vector<double>> lat(clients);
  std::atomic<int64_t> errors{0};
  std::atomic<bool> go{false}, stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      JsonClient c("127.0.0.1", store.port(t % 3), 5.0);
      std::mt19937 rng(1234 + t);
      std::uniform_int_distribution<int> key(0, kKeys - 1), pct(0, 99), val(0, 9);
      while (!go) std::this_thread::yield();
      while (!stop) {
        std::string k = "bench-" + std::to_string(key(rng));
        int p = pct(rng);
        auto start = Clock::now();
        bool ok = p < 50 ? store.Read(c, k) : p < 80 ? store.Write(c, k, val(rng)) : store.Cas(c, k, val(rng), val(rng));
        lat[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (!ok) ++errors;
      }
    });
  }
  auto start = Clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, size_t(q * all.size()))]; };
  return Point{store.name(), clients, all.size() / elapsed, pct(0.50), pct(0.99), errors.load()};
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) if (!item.empty()) out.push_back(item);
  return out;
}

int Main(int argc, char** argv) {
  double seconds = 5;
  std::vector<int> client_counts = {1, 8, 32};
  std::vector<std::string> stores = {"paxos", "lww", "eventual", "etcd"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "ringstore_bench: %s needs a value\n", a.c_str());
      return 3;
    }
    std::string v = argv[++i];
    if (a == "--seconds") {
      seconds = std::atof(v.c_str());
    } else if (a == "--clients") {
      client_counts.clear();
      for (auto& c : Split(v)) client_counts.push_back(std::atoi(c.c_str()));
    } else if (a == "--modes") {
      stores = Split(v);
    } else {
      std::fprintf(stderr, "ringstore_bench: unknown flag %s\n", a.c_str());
      return 3;
    }
  }
  std::printf("ringstore_bench: 3 nodes on loopback, %d keys, 50%% read / 30%% write / 20%% cas, %.1f s per point, %u cores\n",
              kKeys, seconds, std::thread::hardware_concurrency());
  std::printf("%-20s %8s %12s %10s %10s %8s\n", "store", "clients", "ops/s", "p50 ms", "p99 ms", "errors");
  std::map<std::string, std::map<int, Point>> results;
  for (const auto& s : stores) {
    std::unique_ptr<Store> store;
    if (s == "etcd") {
      auto e = std::make_unique<EtcdStore>();
      if (!e->ok()) {
        std::fprintf(stderr, "ringstore_bench: etcd cluster did not become healthy (is etcd-server installed?)\n");
        return 4;
      }
      store = std::move(e);
    } else {
      auto r = std::make_unique<RingstoreStore>(s);
      if (!r->ok()) {
        std::fprintf(stderr, "ringstore_bench: ringstore %s cluster did not start\n", s.c_str());
        return 4;
      }
      store = std::move(r);
    }
    // Load phase (as YCSB does): every key gets a value first, so reads find
    // data and cas compares against real values, for every store alike.
    {
      std::vector<std::thread> loaders;
      std::atomic<int> load_errors{0};
      for (int t = 0; t < 8; ++t) {
        loaders.emplace_back([&, t] {
          JsonClient c("127.0.0.1", store->port(t % 3), 5.0);
          for (int k = t; k < kKeys; k += 8) {
            if (!store->Write(c, "bench-" + std::to_string(k), 0)) ++load_errors;
          }
        });
      }
      for (auto& th : loaders) th.join();
      if (load_errors > 0) std::fprintf(stderr, "ringstore_bench: %d load writes failed\n", load_errors.load());
    }
    for (int c : client_counts) {
      Point p = Run(*store, c, seconds);
      results[s][c] = p;
      std::printf("%-20s %8d %12.0f %10.2f %10.2f %8lld\n", p.store.c_str(), c, p.ops_per_s, p.p50_ms, p.p99_ms,
                  static_cast<long long>(p.errors));
      std::fflush(stdout);
    }
    if (auto* r = dynamic_cast<RingstoreStore*>(store.get())) {
      // Group commit at work, and (paxos) how rounds went, per node.
      for (int i = 0; i < 3; ++i) {
        json st = r->Status(i);
        std::printf("  n%d: %s log records in %s fsyncs (%.1f per fsync); coordinator %s\n", i + 1,
                    st["log"]["records"].dump().c_str(), st["log"]["fsyncs"].dump().c_str(),
                    st["log"]["records"].get<double>() / std::max(1.0, st["log"]["fsyncs"].get<double>()),
                    st["coordinator"].dump().c_str());
      }
    }
  }
  if (results.count("paxos") && results.count("etcd")) {
    for (int c : client_counts) {
      std::printf("ratio ringstore-paxos / etcd at %d clients: %.2f\n", c,
                  results["paxos"][c].ops_per_s / std::max(1.0, results["etcd"][c].ops_per_s));
    }
  }
  return 0;
}

}  // namespace
}  // namespace faultline::ringstore::testing

int main(int argc, char** argv) { return faultline::ringstore::testing::Main(argc, argv); }
