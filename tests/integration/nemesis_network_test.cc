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

#include <atomic>
#include <cerrno>
#include <thread>

#include "nemesis/faultline_chain.h"
#include "nemesis/nemesis.h"
#include "tests/nemesis/local_shell_remote.h"

namespace faultline {
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

// Accepts (and closes) connections on addr:kPort inside `ns` until destroyed.
class Listener {
 public:
  Listener(const std::string& ns, const std::string& addr) {
    fd_ = InNetns(ns, [&]() -> int {
      int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(kPort);
      inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
      if (bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(s, 64) != 0) {
        close(s);
        return -1;
      }
      return s;
    });
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

TEST_F(NetworkNemesisTest, PacketDelayNeedsNetem) {
  // Whether this kernel has netem, asked independently of the nemesis.
  auto probe = remotes_[0]->Exec("tc qdisc add dev lo root netem delay 1ms && tc qdisc del dev lo root");
  ASSERT_TRUE(probe.ok());
  const bool has_netem = probe->exit_code == 0;
  auto packet = Make("packet", {{"packet-delay-ms", "50"}, {"packet-loss", "0"}});
  ASSERT_TRUE(packet);
  Status s = packet->Setup(cluster_, nullptr);
  if (!has_netem) {
    EXPECT_EQ(s.message(), "packet delay needs tc netem, which this kernel lacks");
    return;
  }
  ASSERT_TRUE(s.ok()) << s.message();
  Rng rng(1);
  Op started = packet->Invoke(FaultOp("start-packet", nullptr), rng);
  EXPECT_EQ(started.error, "");
  auto q = ExecOrError(*remotes_[0], "tc qdisc show dev eth0");
  ASSERT_TRUE(q.ok());
  EXPECT_NE(q->find("netem"), std::string::npos);
  ASSERT_TRUE(packet->Heal().ok());
  q = ExecOrError(*remotes_[0], "tc qdisc show dev eth0");
  EXPECT_EQ(q->find("netem"), std::string::npos);
}

}  // namespace
}  // namespace faultline
