// partition and packet nemeses on real iptables, in three throwaway network
// namespaces on a private bridge created (and removed) by this test. The
// nemeses reach each "node" through a Remote running `ip netns exec NS sh -c`,
// so exactly the production commands run. Connectivity is checked with real
// TCP connects made from inside the namespaces (setns on a helper thread), and
// the controller (the host side of the bridge) must always get through.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <chrono>
#include <functional>
#include <mutex>
#include <vector>
#include <cerrno>
#include <thread>

#include "nemesis/faultline_chain.h"
#include "nemesis/nemesis.h"
#include "nemesis/packet_shaper.h"
#include "tests/nemesis/local_shell_remote.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace nemesis_network_test {
namespace {

constexpr int kPort = 7411;

// Runs fn on a fresh thread that has joined network namespace `ns` ("" = host).
template <typename Fn>
auto InNetns(const std::string& ns, Fn fn) -> decltype(fn()) {
  decltype(fn()) result{};
  std::thread t([&] {
    if (!ns.empty()) {
      int fd = open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return;
      close(fd);
    }
    result = fn();
  });
  t.join();
  return result;
}

// Closes with an RST (linger 0): no orphaned socket retransmitting a FIN into
// a partition keeps the namespace alive after the test deletes it.
void CloseNow(int s) {
  linger l{1, 0};
  setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(s);
}

// A TCP connect from namespace `ns` to addr:kPort within `timeout_ms`.
bool CanConnect(const std::string& ns, const std::string& addr, int timeout_ms = 700) {
  return InNetns(ns, [&]() -> bool {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(kPort);
    inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
    connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    pollfd p{s, POLLOUT, 0};
    bool ok = false;
    if (poll(&p, 1, timeout_ms) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
      // A reset means the peer answered (the listener closes at once, with RST).
      ok = err == 0 || err == ECONNRESET;
    }
    CloseNow(s);
    return ok;
  });
}

// Reachability that must hold: retried, since a loaded machine (2 cores
// shared by parallel builds) can make one connect miss its deadline. A DROP
// rule never lets a connect through, so "unreachable" checks need no retry.
bool Reachable(const std::string& ns, const std::string& addr) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (CanConnect(ns, addr, 1000)) return true;
  }
  return false;
}

// A socket of `type` (SOCK_STREAM: listening) bound to addr:port inside
// `ns`; -1 on failure.
int BoundSocket(const std::string& ns, const std::string& addr, int port, int type) {
  return InNetns(ns, [&]() -> int {
    int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
    if (bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        (type == SOCK_STREAM && listen(s, 64) != 0)) {
      close(s);
      return -1;
    }
    return s;
  });
}

// Accepts (and closes) connections on addr:kPort inside `ns` until destroyed.
class Listener {
 public:
  Listener(const std::string& ns, const std::string& addr) {
    fd_ = BoundSocket(ns, addr, kPort, SOCK_STREAM);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (fd_ >= 0 && poll(&p, 1, 100) == 1) {
          int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
          if (c >= 0) CloseNow(c);
        }
      }
    });
  }
  ~Listener() {
    stop_ = true;
    thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Op FaultOp(const std::string& f, nlohmann::json value = nullptr) {
  Op op;
  op.process = kNemesisProcess;
  op.f = f;
  op.value = std::move(value);
  return op;
}

std::unique_ptr<Nemesis> Make(const std::string& name, const NemesisOptions& options) {
  auto n = NemesisRegistry::Get().Find(name)->factory(options);
  EXPECT_TRUE(n.ok()) << n.status().message();
  return n.ok() ? std::move(*n) : nullptr;
}

class NetworkNemesisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    const int id = getpid() % 100000;
    tag_ = "fnm" + std::to_string(id);
    subnet_ = "10.213." + std::to_string(20 + id % 200) + ".";
    host_ = std::make_unique<LocalShellRemote>("host", subnet_ + "1");
    std::string cmd = "set -e; ip link add " + tag_ + "br type bridge; ip addr add " + subnet_ +
                      "1/24 dev " + tag_ + "br; ip link set " + tag_ + "br up; ";
    for (int i = 1; i <= 3; ++i) {
      std::string ns = tag_ + "n" + std::to_string(i), h = tag_ + "h" + std::to_string(i);
      cmd += "ip netns add " + ns + "; ip link add " + h + " type veth peer name eth0 netns " + ns +
             "; ip link set " + h + " master " + tag_ + "br up; ip -n " + ns + " addr add " +
             subnet_ + std::to_string(10 + i) + "/24 dev eth0; ip -n " + ns +
             " link set eth0 up; ip -n " + ns + " link set lo up; ";
    }
    auto r = ExecOrError(*host_, cmd);
    setup_error_ = r.ok() ? "" : r.status().message();
    for (int i = 1; i <= 3; ++i) {
      std::string name = "n" + std::to_string(i);
      remotes_.push_back(std::make_unique<LocalShellRemote>(name, subnet_ + std::to_string(10 + i),
                                                            tag_ + name));
    }
  }
  static void TearDownTestSuite() {
    if (!host_) return;
    // Host ends first: deleting a veth end deletes the pair at once, while a
    // deleted namespace's devices go only when the kernel finishes with it.
    ExecOrError(*host_, "for i in 1 2 3; do ip link del " + tag_ + "h$i 2>/dev/null; "
                        "ip netns del " + tag_ + "n$i 2>/dev/null; done; "
                        "ip link del " + tag_ + "br 2>/dev/null; true");
    remotes_.clear();
    host_.reset();
  }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, iptables)";
    ASSERT_EQ(setup_error_, "");
    cluster_.nodes.clear();
    for (auto& r : remotes_) cluster_.nodes.push_back({r->node(), r->address(), r.get()});
  }

  std::string Ns(int i) const { return tag_ + "n" + std::to_string(i); }
  std::string Addr(int i) const { return subnet_ + std::to_string(10 + i); }
  std::vector<std::string> Rules(int i) {
    auto r = ListChainRules(*remotes_[i - 1]);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<std::string>{"<error>"};
  }
  void ExpectNoRulesLeft() {
    for (int i = 1; i <= 3; ++i) {
      EXPECT_EQ(Rules(i), std::vector<std::string>{}) << "n" << i << " kept FAULTLINE rules";
      // Only our jump was added to INPUT, once.
      auto input = ExecOrError(*remotes_[i - 1], "iptables -w -S INPUT | grep -c FAULTLINE || true");
      ASSERT_TRUE(input.ok());
      EXPECT_EQ(*input, "1\n");
    }
  }

  static inline std::string tag_, subnet_, setup_error_;
  static inline std::unique_ptr<LocalShellRemote> host_;
  static inline std::vector<std::unique_ptr<LocalShellRemote>> remotes_;
  ClusterInfo cluster_;
};

TEST_F(NetworkNemesisTest, PartitionCutsNodesButNeverTheController) {
  Listener l1(Ns(1), Addr(1)), l2(Ns(2), Addr(2)), l3(Ns(3), Addr(3));
  ASSERT_TRUE(l1.ok() && l2.ok() && l3.ok());
  ASSERT_TRUE(Reachable(Ns(1), Addr(2)));
  ASSERT_TRUE(Reachable(Ns(3), Addr(1)));

  auto partition = Make("partition", {{"partition", "one"}});
  ASSERT_TRUE(partition);
  ASSERT_TRUE(partition->Setup(cluster_, nullptr).ok());
  ASSERT_TRUE(partition->Setup(cluster_, nullptr).ok()) << "Setup must be idempotent";
  Rng rng(1);
  // Isolate n1 explicitly: n1 <-/-> n2, n3; n2 <-> n3.
  Op started = partition->Invoke(
      FaultOp("start-partition", {{"grudge", {{"n1", {"n2", "n3"}}, {"n2", {"n1"}}, {"n3", {"n1"}}}}}),
      rng);
  ASSERT_EQ(started.error, "");
  EXPECT_EQ(started.value["cut-off"], nlohmann::json({"n1"}));
  EXPECT_EQ(started.value["nodes"], nlohmann::json({"n1", "n2", "n3"}));
  EXPECT_EQ(Rules(1).size(), 2u);
  EXPECT_EQ(Rules(2), std::vector<std::string>{"-A FAULTLINE -s " + Addr(1) + "/32 -j DROP"});
  EXPECT_FALSE(CanConnect(Ns(1), Addr(2)));
  EXPECT_FALSE(CanConnect(Ns(2), Addr(1)));
  EXPECT_FALSE(CanConnect(Ns(3), Addr(1)));
  EXPECT_TRUE(Reachable(Ns(2), Addr(3)));
  EXPECT_TRUE(Reachable(Ns(3), Addr(2)));
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(Reachable("", Addr(i))) << "controller cut from n" << i;
  }

  Op stopped = partition->Invoke(FaultOp("stop-partition"), rng);
  EXPECT_EQ(stopped.error, "");
  ExpectNoRulesLeft();
  EXPECT_TRUE(Reachable(Ns(1), Addr(2)));
  EXPECT_TRUE(Reachable(Ns(2), Addr(1)));

  // A seeded random partition, healed by Heal.
  Op random = partition->Invoke(FaultOp("start-partition"), rng);
  ASSERT_EQ(random.error, "");
  EXPECT_EQ(random.value["kind"], "one");
  ASSERT_EQ(random.value["cut-off"].size(), 1u);
  const std::string victim = random.value["cut-off"][0];
  const int v = victim[1] - '0';
  const int other = v == 1 ? 2 : 1;
  EXPECT_FALSE(CanConnect(Ns(other), Addr(v)));
  EXPECT_TRUE(Reachable("", Addr(v)));
  ASSERT_TRUE(partition->Heal().ok());
  ExpectNoRulesLeft();
  EXPECT_TRUE(Reachable(Ns(other), Addr(v)));
  EXPECT_TRUE(partition->Heal().ok());
}

TEST_F(NetworkNemesisTest, PacketLossDropsSomeButNotAll) {
  Listener l2(Ns(2), Addr(2));
  ASSERT_TRUE(l2.ok());
  auto packet = Make("packet", {{"packet-loss", "0.5"}, {"targets", "all"}});
  ASSERT_TRUE(packet);
  ASSERT_TRUE(packet->Setup(cluster_, nullptr).ok());
  Rng rng(4);
  Op started = packet->Invoke(FaultOp("start-packet"), rng);
  ASSERT_EQ(started.error, "");
  EXPECT_EQ(started.value["nodes"], nlohmann::json({"n1", "n2", "n3"}));
  EXPECT_DOUBLE_EQ(started.value["loss"].get<double>(), 0.5);
  auto rules = Rules(2);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_NE(rules[0].find("-m statistic --mode random --probability 0.5"), std::string::npos)
      << rules[0];
  // A connect's first SYN or SYN-ACK is lost with probability 3/4; a lost
  // one is retransmitted only after 1 s, past the 300 ms timeout.
  int connected = 0;
  for (int i = 0; i < 40; ++i) connected += CanConnect(Ns(1), Addr(2), 300);
  EXPECT_GT(connected, 0) << "loss 0.5 dropped everything";
  EXPECT_LT(connected, 40) << "loss 0.5 dropped nothing";
  // The controller's traffic is not subject to the loss (a lost SYN would show
  // as a 1 s timeout); one slow connect is tolerated on a loaded machine.
  int controller = 0;
  for (int i = 0; i < 20; ++i) controller += CanConnect("", Addr(2), 900);
  EXPECT_GE(controller, 19) << "controller traffic affected by packet loss";

  Op stopped = packet->Invoke(FaultOp("stop-packet"), rng);
  EXPECT_EQ(stopped.error, "");
  ExpectNoRulesLeft();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Reachable(Ns(1), Addr(2)));
  packet->Invoke(FaultOp("start-packet"), rng);
  ASSERT_TRUE(packet->Heal().ok());
  ExpectNoRulesLeft();
}

// Milliseconds a TCP connect from `ns` to addr:kPort takes (one round trip), -1 on failure.
double ConnectMs(const std::string& ns, const std::string& addr) {
  return InNetns(ns, [&]() -> double {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(kPort);
    inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
    auto t0 = std::chrono::steady_clock::now();
    connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    pollfd p{s, POLLOUT, 0};
    double ms = -1;
    if (poll(&p, 1, 3000) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0 || err == ECONNRESET) {
        ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      }
    }
    CloseNow(s);
    return ms;
  });
}

// Receives UDP datagrams on addr:kPort inside `ns`, echoes each back and
// records the sequence numbers (4-byte payloads) in arrival order.
class UdpEcho {
 public:
  UdpEcho(const std::string& ns, const std::string& addr) {
    fd_ = BoundSocket(ns, addr, kPort, SOCK_DGRAM);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (fd_ < 0 || poll(&p, 1, 50) != 1) continue;
        uint32_t seq = 0;
        sockaddr_in from{};
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(fd_, &seq, sizeof seq, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n != sizeof seq) continue;
        {
          std::lock_guard<std::mutex> lock(mu_);
          arrivals_.push_back(seq);
        }
        sendto(fd_, &seq, sizeof seq, 0, reinterpret_cast<sockaddr*>(&from), len);
      }
    });
  }
  ~UdpEcho() {
    stop_ = true;
    thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  std::vector<uint32_t> arrivals() {
    std::lock_guard<std::mutex> lock(mu_);
    return arrivals_;
  }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<uint32_t> arrivals_;
};

// Sends datagrams 0..count-1 from `ns` to addr:kPort, `gap_ms` apart, then
// collects replies for `linger_ms`; returns how many replies came back.
int SendUdp(const std::string& ns, const std::string& addr, int count, int gap_ms, int linger_ms) {
  return InNetns(ns, [&]() -> int {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(kPort);
    inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
    int replies = 0;
    auto drain = [&](int wait_ms) {
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
      while (true) {
        auto left_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           until - std::chrono::steady_clock::now())
                           .count();
        if (left_us <= 0) break;
        pollfd p{s, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>((left_us + 999) / 1000)) != 1) continue;
        uint32_t seq;
        if (recv(s, &seq, sizeof seq, 0) == sizeof seq) ++replies;
      }
    };
    for (uint32_t i = 0; i < static_cast<uint32_t>(count); ++i) {
      sendto(s, &i, sizeof i, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
      if (gap_ms > 0) drain(gap_ms);
    }
    drain(linger_ms);
    close(s);
    return replies;
  });
}

// Sends `bytes` over TCP from `ns` to a sink at addr:port+1 in `sink_ns`;
// returns the seconds it took (-1 on failure).
double BulkTransferSeconds(const std::string& ns, const std::string& sink_ns, const std::string& addr,
                           size_t bytes) {
  int listener = BoundSocket(sink_ns, addr, kPort + 1, SOCK_STREAM);
  if (listener < 0) return -1;
  std::atomic<size_t> received{0};
  std::thread sink([&] {
    pollfd p{listener, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return;
    int c = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    char buf[65536];
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0) received += static_cast<size_t>(n);
    close(c);
  });
  double seconds = InNetns(ns, [&]() -> double {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(kPort + 1);
    inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
    auto t0 = std::chrono::steady_clock::now();
    if (connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      close(s);
      return -1.0;
    }
    std::vector<char> chunk(16384, 'x');
    size_t sent = 0;
    while (sent < bytes) {
      ssize_t n = write(s, chunk.data(), std::min(chunk.size(), bytes - sent));
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    shutdown(s, SHUT_WR);
    char b;
    while (read(s, &b, 1) > 0) {
    }
    close(s);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  });
  sink.join();
  close(listener);
  return received.load() == bytes ? seconds : -1;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1 : v[v.size() / 2];
}

// Where the kernel has no netem (as here), delay goes through faultline-shaper:
// n1's packets to its peers wait 100 ms, one TCP connect (one round trip)
// takes 100-250 ms, the controller's connects stay fast, and stop leaves no
// rule and no shaper. Where netem exists the same holds through netem.
TEST_F(NetworkNemesisTest, PacketDelaySlowsNodeLinksButNotTheController) {
  Listener l2(Ns(2), Addr(2));
  ASSERT_TRUE(l2.ok());
  auto packet = Make("packet", {{"packet-delay-ms", "100"}});
  ASSERT_TRUE(packet);
  Status setup = packet->Setup(cluster_, nullptr);
  ASSERT_TRUE(setup.ok()) << setup.message();
  std::vector<double> before;
  for (int i = 0; i < 5; ++i) before.push_back(ConnectMs(Ns(1), Addr(2)));
  Rng rng(4);
  Op started = packet->Invoke(FaultOp("start-packet", {{"nodes", {"n1"}}}), rng);
  ASSERT_EQ(started.error, "");
  EXPECT_EQ(started.value["nodes"], nlohmann::json({"n1"}));
  EXPECT_EQ(started.value["links"]["n1"], nlohmann::json({"n2", "n3"})) << started.value.dump();
  const std::string mechanism = started.value["mechanism"];
  EXPECT_TRUE(mechanism == "shaper" || mechanism == "netem") << mechanism;
  EXPECT_DOUBLE_EQ(started.value["loss"].get<double>(), 0.0);  // delay alone: no default loss
  std::vector<double> during, controller;
  for (int i = 0; i < 10; ++i) during.push_back(ConnectMs(Ns(1), Addr(2)));
  for (int i = 0; i < 10; ++i) controller.push_back(ConnectMs("", Addr(1)));
  std::sort(during.begin(), during.end());
  EXPECT_LT(Median(before), 50) << "unloaded connects";
  EXPECT_GE(during.front(), 100) << "a connect beat the 100 ms delay";
  EXPECT_LE(Median(during), 250);
  if (mechanism == "shaper") {
    EXPECT_LT(Median(controller), 50) << "the controller's traffic went through the shaper";
    auto running = ShaperRunning(*remotes_[0]);
    ASSERT_TRUE(running.ok());
    EXPECT_TRUE(*running);
  }
  Op stopped = packet->Invoke(FaultOp("stop-packet"), rng);
  EXPECT_EQ(stopped.error, "");
  ExpectNoRulesLeft();
  for (int i = 0; i < 3; ++i) {
    auto running = ShaperRunning(*remotes_[i]);
    ASSERT_TRUE(running.ok());
    EXPECT_FALSE(*running) << "n" << i + 1 << " kept its shaper";
  }
  EXPECT_LT(Median({ConnectMs(Ns(1), Addr(2)), ConnectMs(Ns(1), Addr(2)), ConnectMs(Ns(1), Addr(2))}), 50);
  ASSERT_TRUE(packet->Heal().ok());
}

// The shaper's jitter spreads the delay; duplication shows as extra UDP echo
// replies; reordering as out-of-order arrivals (none without it); a rate
// limit bounds a bulk transfer; stop lets held packets go at once.
TEST_F(NetworkNemesisTest, ShaperJitterDuplicateReorderRateAndRelease) {
  auto probe = remotes_[0]->Exec("tc qdisc add dev lo root netem delay 1ms && tc qdisc del dev lo root");
  ASSERT_TRUE(probe.ok());
  Listener l2(Ns(2), Addr(2));
  UdpEcho echo(Ns(2), Addr(2));
  ASSERT_TRUE(l2.ok() && echo.ok());
  Rng rng(9);
  auto run = [&](const NemesisOptions& options, const std::function<void(const Op&)>& during) {
    auto packet = Make("packet", options);
    ASSERT_TRUE(packet);
    Status setup = packet->Setup(cluster_, nullptr);
    ASSERT_TRUE(setup.ok()) << setup.message();
    Op started = packet->Invoke(FaultOp("start-packet", {{"nodes", {"n1"}}}), rng);
    ASSERT_EQ(started.error, "") << started.value.dump();
    during(started);
    EXPECT_EQ(packet->Invoke(FaultOp("stop-packet"), rng).error, "");
    ExpectNoRulesLeft();
    ASSERT_TRUE(packet->Heal().ok());
  };

  run({{"packet-delay-ms", "60"}, {"packet-jitter-ms", "50"},
       {"packet-mechanism", "shaper"}},
      [&](const Op& started) {
        EXPECT_EQ(started.value["mechanism"], "shaper");
        std::vector<double> ms;
        for (int i = 0; i < 16; ++i) ms.push_back(ConnectMs(Ns(1), Addr(2)));
        std::sort(ms.begin(), ms.end());
        EXPECT_GE(ms.front(), 10 - 1) << "60 ± 50 ms: at least 10 ms";
        EXPECT_GT(ms.back() - ms.front(), 30) << "jitter 50 ms did not spread the connects";
      });

  run({{"packet-delay-ms", "1"}, {"packet-duplicate", "50"},
       {"packet-mechanism", "shaper"}},
      [&](const Op&) {
        size_t before = echo.arrivals().size();
        SendUdp(Ns(1), Addr(2), 200, 2, 300);
        size_t got = echo.arrivals().size() - before;
        EXPECT_GT(got, 240u) << "duplicate 50%: about 300 of 200 expected";
        EXPECT_LT(got, 360u);
      });

  auto out_of_order = [&](int count) {
    size_t before = echo.arrivals().size();
    SendUdp(Ns(1), Addr(2), count, 1, 400);
    auto all = echo.arrivals();
    // Overtakers: datagrams that arrived before one sent earlier.
    int overtakers = 0;
    uint32_t later_min = UINT32_MAX;
    for (size_t i = all.size(); i-- > before;) {
      overtakers += all[i] > later_min;
      later_min = std::min(later_min, all[i]);
    }
    return overtakers;
  };
  run({{"packet-delay-ms", "40"}, {"packet-mechanism", "shaper"}},
      [&](const Op&) { EXPECT_EQ(out_of_order(100), 0) << "a fixed delay keeps the order"; });
  run({{"packet-delay-ms", "40"}, {"packet-reorder", "30"},
       {"packet-mechanism", "shaper"}},
      [&](const Op&) {
        int overtakers = out_of_order(100);
        EXPECT_GT(overtakers, 10) << "reorder 30%: about 30 of 100 overtake";
        EXPECT_LT(overtakers, 60);
      });

  // 1 mbit/s: 250 kB take about 2 s (unlimited: well under 0.5 s).
  double unlimited = BulkTransferSeconds(Ns(1), Ns(2), Addr(2), 250000);
  ASSERT_GT(unlimited, 0);
  run({{"packet-rate", "1mbit"}}, [&](const Op& started) {
    EXPECT_EQ(started.value["rate"], "1mbit");
    auto q = ExecOrError(*remotes_[0], "tc qdisc show dev eth0");
    ASSERT_TRUE(q.ok());
    EXPECT_NE(q->find("tbf"), std::string::npos) << *q;
    double limited = BulkTransferSeconds(Ns(1), Ns(2), Addr(2), 250000);
    EXPECT_GT(limited, 1.4) << "unlimited took " << unlimited << " s";
    EXPECT_LT(limited, 4.0);
  });
  auto q = ExecOrError(*remotes_[0], "tc qdisc show dev eth0");
  EXPECT_EQ(q->find("tbf"), std::string::npos) << *q;

  // Held 3 s, released by the stop after 0.3 s: the replies come long before 3 s.
  auto packet = Make("packet", {{"packet-delay-ms", "3000"},
                                {"packet-mechanism", "shaper"}});
  ASSERT_TRUE(packet && packet->Setup(cluster_, nullptr).ok());
  ASSERT_EQ(packet->Invoke(FaultOp("start-packet", {{"nodes", {"n1"}}}), rng).error, "");
  std::atomic<int> replies{-1};
  auto t0 = std::chrono::steady_clock::now();
  std::thread sender([&] { replies = SendUdp(Ns(1), Addr(2), 20, 0, 1500); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(packet->Invoke(FaultOp("stop-packet"), rng).error, "");
  sender.join();
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(replies.load(), 20) << "held packets were lost at stop";
  EXPECT_LT(took, 2.5);
  ExpectNoRulesLeft();
  ASSERT_TRUE(packet->Heal().ok());
}

}  // namespace
}  // namespace nemesis_network_test
}  // namespace faultline
