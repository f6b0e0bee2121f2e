// Container nodes on real podman (installed by scripts/install-deps.sh):
// ContainerRemote's contract against a container started with plain `podman
// run` (as a user's compose project would), the same through podman-docker's
// `docker`, and `faultline cluster up --runtime podman` running a ringstore
// test under faults, then `cluster down` leaving nothing. The node image is
// built once per machine (about a minute, cached by recipe); every later
// test reuses it. Needs root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/control/container_cluster.h"
#include "harness/control/container_remote.h"
#include "harness/control/node_image.h"
#include "harness/control/nodes.h"
#include "harness/control/subprocess.h"
#include "tests/faultline_cli.h"

namespace faultline {
// Named so that its helpers stay apart from other files' in a unity build.
namespace container_nodes_test {
namespace {

namespace fs = std::filesystem;

// "pod" + this process's pid in base 36: unique per test process.
std::string UniqueName() {
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id;
  for (unsigned p = static_cast<unsigned>(getpid()); p > 0; p /= 36) id.insert(id.begin(), digits[p % 36]);
  return "pod" + id;
}

// A free 10.96.N.0/24 (N from 100, pid-derived start).
std::string UniqueSubnet(const std::string& name) {
  LocalClusterSpec spec;
  spec.name = name;
  spec.nodes = 3;
  for (int i = 0; i < 150; ++i) {
    spec.subnet = "10.96." + std::to_string(100 + (static_cast<int>(getpid()) + i) % 150) + ".0/24";
    if (ValidateSpec(spec).ok()) break;
  }
  return spec.subnet;
}

std::string Podman() { return "/usr/bin/podman"; }

// A container of the node image run the way a user would, removed at scope end.
class PlainContainer {
 public:
  explicit PlainContainer(const std::string& name) : name_(name) {
    auto image = EnsureNodeImage(Podman(), DefaultNodeImageRecipe());
    if (!image.ok()) {
      error_ = image.status().message();
      return;
    }
    auto r = RunLocal({Podman(), "run", "-d", "--runtime", "runc", "--init", "--ulimit", "nofile=4096:4096",
                       "--ulimit", "nproc=4096:4096", "--label", "faultline-test=" + name, "--name", name,
                       image->name, "sleep", "infinity"},
                      "", std::chrono::seconds(120));
    if (!r.ok()) error_ = r.status().message();
    else if (r->exit_code != 0) error_ = r->err;
  }
  ~PlainContainer() { RunLocal({Podman(), "rm", "-f", "-t", "0", name_}, "", std::chrono::seconds(60)); }
  const std::string& error() const { return error_; }

 private:
  std::string name_;
  std::string error_;
};

TEST(ContainerRemoteIntegrationTest, ExecCopyTimeoutThreadsAndErrorsOnPodman) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string name = UniqueName() + "-r";
  PlainContainer container(name);
  ASSERT_EQ(container.error(), "");

  ContainerOptions o;
  o.node = "n1";
  o.transport = ContainerTransport::kPodman;
  o.container = name;
  auto remote = ContainerRemote::Connect(o);
  ASSERT_TRUE(remote.ok()) << remote.status().message();
  EXPECT_FALSE((*remote)->address().empty());  // learnt from `podman inspect`

  // As root, commands enter the container directly (nsenter), with what
  // `podman exec` gives: the same capabilities, environment, limits, user,
  // hostname and working directory.
  EXPECT_TRUE((*remote)->direct_exec());
  const std::string what = "grep -E '^(CapBnd|CapEff|Uid)' /proc/self/status; env | grep -v '^HOSTNAME=' | sort; "
                           "ulimit -n; ulimit -u; id -un; hostname; pwd";
  auto direct = (*remote)->Exec(what);
  auto exec = RunLocal({Podman(), "exec", name, "bash", "-c", what});
  ASSERT_TRUE(direct.ok() && exec.ok());
  EXPECT_EQ(direct->out, exec->out);

  // Exit code, stdout, stderr, stdin; quoting survives the container's shell.
  auto r = (*remote)->Exec("read line; echo \"got $line\"; echo 'it'\"'\"'s $HOME' >&2; exit 3", "hello\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "got hello\n");
  EXPECT_EQ(r->err, "it's $HOME\n");
  // bash, as over SSH (the stores' scripts use mapfile and arrays).
  auto bash = (*remote)->Exec("a=(x y); mapfile -t b <<< $'1\\n2'; echo ${#a[@]}${#b[@]}");
  ASSERT_TRUE(bash.ok());
  EXPECT_EQ(bash->out, "22\n");

  // A command past its deadline is an error, and is killed inside the node too.
  auto started = std::chrono::steady_clock::now();
  auto slow = (*remote)->Exec("sleep 37", "", std::chrono::milliseconds(800));
  ASSERT_FALSE(slow.ok());
  EXPECT_NE(slow.status().message().find("n1: command timed out after 0.8s"), std::string::npos)
      << slow.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto left = (*remote)->Exec("ps -eo args | grep -c '^sleep 37' || true");
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->out, "0\n");

  // Upload (file keeps its exec bit, directory's contents), then download.
  const std::string local = fs::temp_directory_path() / ("faultline-" + name);
  fs::remove_all(local);
  fs::create_directories(local + "/tree/sub");
  std::ofstream(local + "/tool.sh") << "#!/bin/sh\necho tool ran\n";
  fs::permissions(local + "/tool.sh", fs::perms(0755));
  std::ofstream(local + "/tree/sub/a.txt") << "A";
  ASSERT_TRUE((*remote)->Upload(local + "/tool.sh", "/opt/faultline/bin/tool.sh").ok());
  ASSERT_TRUE((*remote)->Upload(local + "/tree", "/var/lib/faultline/tree").ok());
  auto ran = (*remote)->Exec("/opt/faultline/bin/tool.sh && cat /var/lib/faultline/tree/sub/a.txt");
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(ran->out, "tool ran\nA");
  ASSERT_TRUE((*remote)->Download("/var/lib/faultline/tree", local + "/back").ok());
  std::ifstream back(local + "/back/sub/a.txt");
  std::string content((std::istreambuf_iterator<char>(back)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "A");
  Status missing = (*remote)->Download("/nonexistent", local + "/x");
  EXPECT_NE(missing.message().find("n1: download: /nonexistent: no such file"), std::string::npos);
  fs::remove_all(local);

  // Several threads at once, each seeing its own output.
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto e = (*remote)->Exec("echo " + std::to_string(i));
      if (e.ok() && e->out == std::to_string(i) + "\n") ++right;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(right.load(), 6);

  // transport docker through podman-docker's /usr/bin/docker (the PATH's
  // first `docker` here is a CLI without an engine): its banner is not stderr.
  if (access("/usr/bin/docker", X_OK) == 0) {
    ContainerOptions d = o;
    d.transport = ContainerTransport::kDocker;
    d.binary = "/usr/bin/docker";
    auto docker = ContainerRemote::Connect(d);
    ASSERT_TRUE(docker.ok()) << docker.status().message();
    auto e = (*docker)->Exec("echo via docker; echo err >&2");
    ASSERT_TRUE(e.ok()) << e.status().message();
    EXPECT_EQ(e->out, "via docker\n");
    EXPECT_EQ(e->err, "err\n");
  }

  // A stopped container and a missing one: one line each, naming the node.
  RunLocal({Podman(), "stop", "-t", "0", name}, "", std::chrono::seconds(60));
  auto stopped = ContainerRemote::Connect(o);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().message(), "n1: container " + name + " is not running (state false)");
  o.container = name + "-gone";
  auto gone = ContainerRemote::Connect(o);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().message().rfind("n1: container " + name + "-gone not found by /usr/bin/podman", 0), 0u)
      << gone.status().message();
  EXPECT_EQ(gone.status().message().find('\n'), std::string::npos);
}

TEST(ContainerClusterIntegrationTest, PodmanClusterRunsRingstoreUnderFaultsAndDownLeavesNothing) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string name = UniqueName();
  const std::string subnet = UniqueSubnet(name);
  const std::string root = fs::temp_directory_path() / ("faultline-" + name + "-state");
  const std::string flags = " --name " + name + " --state-root " + root;
  struct Down {
    std::string flags;
    ~Down() { Faultline("cluster down" + flags); }
  } down{flags};

  auto up = Faultline("cluster up --runtime podman --nodes 3 --subnet " + subnet + flags);
  ASSERT_EQ(up.code, 0) << up.text;
  EXPECT_NE(up.text.find("3 podman containers on network faultline-" + name), std::string::npos) << up.text;
  auto status = Faultline("cluster status" + flags);
  EXPECT_EQ(status.code, 0) << status.text;
  EXPECT_NE(status.text.find(name + "-n3"), std::string::npos) << status.text;

  // The same command as on namespace nodes: only the cluster file differs.
  const std::string cluster_file = root + "/" + name + "/cluster.json";
  auto test = Faultline("test --target ringstore --workload register --time-limit 8 --seed 3"
                        " --nemesis partition,kill,pause,clock,packet --cluster-file " + cluster_file +
                        " --store " + root + "/store");
  EXPECT_EQ(test.code, 0) << test.text;
  EXPECT_NE(test.text.find("verdict: valid"), std::string::npos) << test.text;
  // Faults ran inside the containers; how many of the five kinds fit in 8 s
  // depends on the machine's load (each command is a `podman exec`).
  EXPECT_NE(test.text.find("fault "), std::string::npos) << test.text;
  EXPECT_EQ(test.text.find("unsupported"), std::string::npos) << test.text;

  auto gone = Faultline("cluster down" + flags);
  EXPECT_EQ(gone.code, 0) << gone.text;
  EXPECT_NE(gone.text.find("removed"), std::string::npos) << gone.text;
  auto ps = RunLocal({Podman(), "ps", "-a", "--filter", "label=faultline.cluster=" + name, "--format", "{{.Names}}"});
  ASSERT_TRUE(ps.ok());
  EXPECT_EQ(ps->out, "");
  auto net = RunLocal({Podman(), "network", "exists", "faultline-" + name});
  ASSERT_TRUE(net.ok());
  EXPECT_NE(net->exit_code, 0);
  std::ifstream mounts("/proc/mounts");
  std::string all((std::istreambuf_iterator<char>(mounts)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all.find(name), std::string::npos);
  fs::remove_all(root);
}


// Containers a user started with plain `podman run` (as a compose project
// would: their own network, a project label) become nodes with --nodes-from;
// the same containers through podman-docker's `docker` in a nodes file.
TEST(ContainerNodesFromIntegrationTest, PlainContainersAsNodesThroughPodmanAndDocker) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string name = UniqueName();
  const std::string subnet = UniqueSubnet(name);
  const std::string network = "faultline-" + name + "-user";
  auto image = EnsureNodeImage(Podman(), DefaultNodeImageRecipe());
  ASSERT_TRUE(image.ok()) << image.status().message();
  struct Cleanup {
    std::string name, network;
    ~Cleanup() {
      for (int i = 1; i <= 3; ++i) {
        RunLocal({Podman(), "rm", "-f", "-t", "0", name + "-db-" + std::to_string(i)}, "", std::chrono::seconds(60));
      }
      RunLocal({Podman(), "network", "rm", network}, "", std::chrono::seconds(60));
    }
  } cleanup{name, network};
  auto net = RunLocal({Podman(), "network", "create", "--subnet", subnet, network});
  ASSERT_TRUE(net.ok() && net->exit_code == 0) << (net.ok() ? net->err : net.status().message());
  for (int i = 1; i <= 3; ++i) {
    auto r = RunLocal({Podman(), "run", "-d", "--runtime", "runc", "--init", "--cap-add", "NET_ADMIN", "--ulimit",
                       "nofile=4096:4096", "--ulimit", "nproc=4096:4096", "--network", network, "--label",
                       "faultline-test=" + name, "--name", name + "-db-" + std::to_string(i), image->name, "sleep",
                       "infinity"},
                      "", std::chrono::seconds(120));
    ASSERT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
  }
  const std::string store = fs::temp_directory_path() / ("faultline-" + name + "-store");
  auto from = Faultline("test --nodes-from podman:faultline-test=" + name +
                        " --target ringstore --workload register --time-limit 5 --seed 2 --nemesis partition"
                        " --store " + store);
  EXPECT_EQ(from.code, 0) << from.text;
  EXPECT_NE(from.text.find("verdict: valid"), std::string::npos) << from.text;
  EXPECT_NE(from.text.find("fault partition:"), std::string::npos) << from.text;

  const std::string nodes = store + "/nodes.txt";
  {
    std::ofstream out(nodes);
    for (int i = 1; i <= 3; ++i) {
      out << "n" << i << " transport=docker binary=/usr/bin/docker container=" << name << "-db-" << i << "\n";
    }
  }
  auto docker = Faultline("test --nodes-file " + nodes +
                          " --target ringstore --workload register --time-limit 5 --seed 2 --nemesis kill"
                          " --store " + store);
  EXPECT_EQ(docker.code, 0) << docker.text;
  EXPECT_NE(docker.text.find("verdict: valid"), std::string::npos) << docker.text;

  // Bad transports: one line each, exit 3 (found before running) or 4.
  auto nobody = Faultline("test --nodes-from podman:faultline-test=" + name + "-none"
                          " --target ringstore --workload register --time-limit 5 --store " + store);
  EXPECT_EQ(nobody.code, 3) << nobody.text;
  EXPECT_NE(nobody.text.find("no running container has that label"), std::string::npos) << nobody.text;
  {
    std::ofstream out(nodes);
    out << "n1 transport=docker binary=/nonexistent/docker\n";
  }
  auto missing = Faultline("test --nodes-file " + nodes + " --target ringstore --workload register --store " + store);
  EXPECT_EQ(missing.code, 3) << missing.text;
  EXPECT_NE(missing.text.find("n1: transport docker: program /nonexistent/docker not found"), std::string::npos)
      << missing.text;
  RunLocal({Podman(), "stop", "-t", "0", name + "-db-3"}, "", std::chrono::seconds(60));
  {
    std::ofstream out(nodes);
    out << "n3 transport=podman container=" << name << "-db-3\n";
  }
  auto stopped = Faultline("test --nodes-file " + nodes + " --target ringstore --workload register --store " + store);
  EXPECT_EQ(stopped.code, 4) << stopped.text;
  EXPECT_NE(stopped.text.find("n3: container " + name + "-db-3 is not running"), std::string::npos) << stopped.text;
  fs::remove_all(store);
}

}  // namespace
}  // namespace container_nodes_test
}  // namespace faultline
