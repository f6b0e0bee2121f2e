// Local cluster + SSH remote, for real: namespaces, a bridge, one sshd per node,
// libssh sessions. Needs root. Each test uses its own cluster name and subnet.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "harness/control/local_cluster.h"
#include "harness/control/process_tree.h"
#include "harness/control/nodes.h"
#include "harness/control/ssh_remote.h"
#include "harness/control/subprocess.h"
#include "harness/core/text_lines.h"
#include "tests/integration/scoped_cluster.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kFaultline = std::string(FAULTLINE_BINARY_DIR) + "/faultline";

void WriteAll(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << data;
}

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen() & 0xff);
  return s;
}

// Every file under `root` (relative path -> content), directories as "<dir>".
std::map<std::string, std::string> Snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(e.path(), root).string();
    out[rel] = e.is_directory() ? "<dir>" : ReadAll(e.path());
  }
  return out;
}

// What a cluster named `name` could leave behind: namespaces, links, the
// FORWARD rule, the state dir, and the given processes. Empty = clean.
std::string Leftovers(const std::string& name, const std::vector<ProcessId>& processes) {
  std::string found;
  auto netns = RunLocal({"ip", "netns", "list"});
  if (netns.ok() && HasSubstr(netns->out, "faultline-" + name + "-n")) found += "netns ";
  auto links = RunLocal({"ip", "-o", "link", "show"});
  if (links.ok() && (HasSubstr(links->out, "flv-" + name + "-") ||
                     HasSubstr(links->out, "flb-" + name + ":") ||
                     HasSubstr(links->out, "flp-" + name + "-"))) {
    found += "links ";
  }
  auto fwd = RunLocal({"iptables", "-w", "-S", "FORWARD"});
  if (fwd.ok() && HasSubstr(fwd->out, "flb-" + name + " ")) found += "forward-rule ";
  if (fs::exists(std::string(kDefaultClusterRoot) + "/" + name)) found += "state-dir ";
  for (const auto& p : processes) {
    if (ProcessAlive(p)) found += "pid-" + std::to_string(p.pid) + " ";
  }
  return found;
}

// One cluster, exercised through the CLI and the Remote API end to end.
TEST(LocalClusterTest, UpSshTransfersTimeoutsReconnectAndCleanDown) {
  const LocalClusterSpec unique = UniqueSpec("is", 3);
  const std::string name = unique.name;
  const std::string net = SubnetPrefix(unique);  // "10.231.N."
  auto t0 = Clock::now();
  auto up = RunLocal({kFaultline, "cluster", "up", "--nodes", "3", "--name", name, "--subnet",
                      unique.subnet},
                     "", std::chrono::seconds(120));
  ASSERT_TRUE(up.ok()) << up.status().message();
  ASSERT_EQ(up->exit_code, 0) << up->err;
  std::printf("cluster up (3 nodes): %.2fs\n",
              std::chrono::duration<double>(Clock::now() - t0).count());
  LocalClusterSpec spec;
  spec.name = name;
  struct DownAtEnd {
    LocalClusterSpec spec;
    ~DownAtEnd() { LocalClusterDown(spec); }
  } down_at_end{spec};

  auto file = LoadClusterFile(ClusterFilePath(name));
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_EQ(file->nodes.size(), 3u);
  std::vector<ProcessId> node_processes;
  for (const auto& n : file->nodes) {
    node_processes.push_back(n.sshd);
    node_processes.push_back(n.launcher);
    EXPECT_TRUE(ProcessAlive(n.sshd)) << n.name;
  }

  auto status = RunLocal({kFaultline, "cluster", "status", "--name", name});
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->exit_code, 0) << status->out << status->err;
  EXPECT_TRUE(HasSubstr(status->out, net + "13")) << status->out;

  NodeOptions options;
  options.cluster_file = ClusterFilePath(name);
  auto remotes = ConnectNodes(options, "");
  ASSERT_TRUE(remotes.ok()) << remotes.status().message();
  ASSERT_EQ(remotes->size(), 3u);

  // Each node is its own machine: hostname, address, PID 1 = its sshd.
  for (size_t i = 0; i < 3; ++i) {
    Remote& r = *(*remotes)[i];
    std::string expected_name = "n" + std::to_string(i + 1);
    std::string expected_addr = net + std::to_string(11 + i);
    EXPECT_EQ(r.node(), expected_name);
    auto host = ExecOrError(r, "hostname");
    ASSERT_TRUE(host.ok()) << host.status().message();
    EXPECT_EQ(*host, expected_name + "\n");
    auto addr = ExecOrError(r, "ip -4 -o addr show dev eth0");
    ASSERT_TRUE(addr.ok()) << addr.status().message();
    EXPECT_TRUE(HasSubstr(*addr, expected_addr + "/24")) << *addr;
    auto pid1 = ExecOrError(r, "cat /proc/1/comm");
    ASSERT_TRUE(pid1.ok());
    EXPECT_EQ(*pid1, "sshd\n");
    // Its own IPC namespace and /dev/shm: what a store leaves there stays
    // on the node and goes with it.
    auto ipc = ExecOrError(r, "readlink /proc/self/ns/ipc");
    ASSERT_TRUE(ipc.ok());
    EXPECT_NE(TrimTrailing(*ipc), fs::read_symlink("/proc/self/ns/ipc").string());
    const std::string probe = "faultline-probe-" + name + "-" + expected_name;
    ASSERT_TRUE(ExecOrError(r, "touch /dev/shm/" + probe).ok());
    EXPECT_FALSE(fs::exists("/dev/shm/" + probe)) << "the node's /dev/shm is the host's";
  }
  {
    auto seen = ExecOrError(*(*remotes)[1], "ls /dev/shm");
    ASSERT_TRUE(seen.ok());
    EXPECT_EQ(*seen, "faultline-probe-" + name + "-n2\n") << "n2 sees another node's /dev/shm";
  }
  Remote& n1 = *(*remotes)[0];
  Remote& n2 = *(*remotes)[1];

  // Nodes reach each other by name over the bridge (nodes' /etc/hosts).
  auto cross = ExecOrError(n1, "exec 3<>/dev/tcp/n2/22 && head -c 4 <&3");
  ASSERT_TRUE(cross.ok()) << cross.status().message();
  EXPECT_EQ(*cross, "SSH-");

  // Exit status, stdout, stderr and stdin are passed through.
  auto mixed = n1.Exec("echo out; echo err >&2; exit 7");
  ASSERT_TRUE(mixed.ok()) << mixed.status().message();
  EXPECT_EQ(mixed->exit_code, 7);
  EXPECT_EQ(mixed->out, "out\n");
  EXPECT_EQ(mixed->err, "err\n");
  std::string big_stdin = RandomBytes(300000, 1);
  auto counted = ExecOrError(n1, "wc -c", big_stdin);
  ASSERT_TRUE(counted.ok()) << counted.status().message();
  EXPECT_EQ(std::stoul(*counted), big_stdin.size());
  auto quoted = ExecOrError(n1, "printf %s " + ShellQuote("it's $HOME `x`"));
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(*quoted, "it's $HOME `x`");
  auto failing = ExecOrError(n1, "echo boom >&2; exit 3");
  ASSERT_FALSE(failing.ok());
  EXPECT_TRUE(HasSubstr(failing.status().message(), "n1")) << failing.status().message();
  EXPECT_TRUE(HasSubstr(failing.status().message(), "boom")) << failing.status().message();

  // Upload/download round trip: one file (keeps the executable bit) and a tree.
  std::string local = TempDir("xfer");
  ASSERT_FALSE(local.empty());
  std::string payload = RandomBytes(700 * 1024 + 13, 2);
  WriteAll(fs::path(local) / "tool", payload);
  fs::permissions(fs::path(local) / "tool", fs::perms(0755));
  WriteAll(fs::path(local) / "tree/a.txt", "alpha\n");
  WriteAll(fs::path(local) / "tree/sub/b.bin", RandomBytes(100000, 3));
  WriteAll(fs::path(local) / "tree/sub/deeper/c.txt", "");
  fs::create_directories(fs::path(local) / "tree/empty");
  ASSERT_TRUE(n1.Upload(local + "/tool", "/opt/faultline/itest/bin/tool").ok());
  auto mode = ExecOrError(n1, "stat -c %a /opt/faultline/itest/bin/tool && md5sum < /opt/faultline/itest/bin/tool");
  ASSERT_TRUE(mode.ok()) << mode.status().message();
  EXPECT_TRUE(HasSubstr(*mode, "755\n")) << *mode;
  Status up_tree = n1.Upload(local + "/tree", "/var/lib/faultline/itest/tree");
  ASSERT_TRUE(up_tree.ok()) << up_tree.message();
  auto listing = ExecOrError(n1, "cd /var/lib/faultline/itest/tree && find . | sort");
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(*listing, ".\n./a.txt\n./empty\n./sub\n./sub/b.bin\n./sub/deeper\n./sub/deeper/c.txt\n");
  ASSERT_TRUE(n1.Download("/opt/faultline/itest/bin/tool", local + "/back/tool").ok());
  EXPECT_EQ(ReadAll(fs::path(local) / "back/tool"), payload);
  EXPECT_TRUE((fs::status(fs::path(local) / "back/tool").permissions() & fs::perms::owner_exec) !=
              fs::perms::none);
  Status down_tree = n1.Download("/var/lib/faultline/itest/tree", local + "/back/tree");
  ASSERT_TRUE(down_tree.ok()) << down_tree.message();
  EXPECT_EQ(Snapshot(fs::path(local) / "back/tree"), Snapshot(fs::path(local) / "tree"));
  Status missing = n1.Download("/var/lib/faultline/nope", local + "/back/nope");
  EXPECT_FALSE(missing.ok());
  EXPECT_TRUE(HasSubstr(missing.message(), "n1")) << missing.message();
  // The node's directories are private: n2 and the host do not see n1's files.
  auto on_n2 = n2.Exec("test -e /opt/faultline/itest/bin/tool");
  ASSERT_TRUE(on_n2.ok());
  EXPECT_NE(on_n2->exit_code, 0);
  EXPECT_FALSE(fs::exists("/opt/faultline/itest/bin/tool"));
  fs::remove_all(local);

  // A command past its deadline: reported as timed out, and killed on the node.
  auto t1 = Clock::now();
  auto slow = n1.Exec("sleep 31.5", "", std::chrono::seconds(1));
  double took = std::chrono::duration<double>(Clock::now() - t1).count();
  ASSERT_FALSE(slow.ok());
  EXPECT_TRUE(HasSubstr(slow.status().message(), "n1: command timed out after 1s"))
      << slow.status().message();
  EXPECT_LT(took, 3.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  auto ps = ExecOrError(n1, "ps -eo args=");
  ASSERT_TRUE(ps.ok()) << ps.status().message();
  EXPECT_FALSE(HasSubstr(*ps, "sleep 31.5")) << *ps;

  // Many threads on one Remote at once.
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 5; ++k) {
        std::string token = std::to_string(t * 100 + k);
        auto r = ExecOrError(n2, "echo " + token);
        if (r.ok() && *r == token + "\n") right++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(right.load(), 80);

  // Dropped connections: kill every per-connection sshd on n2 (children of
  // its PID 1, by pid); the next command reconnects by itself.
  auto warm = ExecOrError(n2, "true");
  ASSERT_TRUE(warm.ok());
  auto kids = ChildrenOf(file->nodes[1].sshd.pid);
  ASSERT_FALSE(kids.empty());
  for (pid_t kid : kids) kill(kid, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto after = ExecOrError(n2, "hostname");
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, "n2\n");

  // A detached process on n3 (re-parented to the node's PID 1); `cluster
  // down` must end it too.
  Remote& n3 = *(*remotes)[2];
  ASSERT_TRUE(ExecOrError(n3, "setsid sleep 1000.25 > /dev/null 2>&1 < /dev/null &").ok());
  ProcessId sleeper;
  for (int tries = 0; tries < 50 && sleeper.pid == 0; ++tries) {
    for (pid_t kid : ChildrenOf(file->nodes[2].sshd.pid)) {
      if (HasSubstr(ReadAll("/proc/" + std::to_string(kid) + "/cmdline"), "1000.25")) {
        sleeper = IdentifyProcess(kid);
      }
    }
    if (sleeper.pid == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(sleeper.pid, 0);
  ASSERT_TRUE(ProcessAlive(sleeper));
  node_processes.push_back(sleeper);

  remotes->clear();
  auto t2 = Clock::now();
  auto down = RunLocal({kFaultline, "cluster", "down", "--name", name}, "", std::chrono::seconds(60));
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->exit_code, 0) << down->err;
  std::printf("cluster down: %.2fs\n", std::chrono::duration<double>(Clock::now() - t2).count());
  EXPECT_EQ(Leftovers(name, node_processes), "");
  // Idempotent, and status now says the cluster is not there.
  auto again = RunLocal({kFaultline, "cluster", "down", "--name", name});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->exit_code, 0) << again->err;
  auto gone = RunLocal({kFaultline, "cluster", "status", "--name", name});
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->exit_code, 4);
  EXPECT_TRUE(HasSubstr(gone->err, "faultline cluster up")) << gone->err;
}


// Wrong key, unreachable address, bad or unknown host key: each its own error,
// naming the node. Trust on first use records and then enforces the key.
TEST(LocalClusterTest, SshErrorsAreSpecific) {
  ScopedCluster cluster(UniqueSpec("ie", 2));
  const std::string net = SubnetPrefix(cluster.spec());
  ASSERT_TRUE(cluster.ok()) << cluster.status().message();
  const ClusterFile& c = cluster.file();
  std::string dir = TempDir("sshkeys");
  ASSERT_FALSE(dir.empty());
  struct RemoveDir {
    std::string dir;
    ~RemoveDir() { fs::remove_all(dir); }
  } remove_dir{dir};

  SshOptions good;
  good.node = "n1";
  good.address = c.nodes[0].address;
  good.key_path = c.ssh_key;
  good.strict_host_keys = true;
  good.known_hosts = c.known_hosts;
  auto ok = SshRemote::Connect(good);
  ASSERT_TRUE(ok.ok()) << ok.status().message();

  // A key the node does not know.
  ASSERT_TRUE(RunLocalOrError({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir + "/other"}).ok());
  SshOptions wrong_key = good;
  wrong_key.key_path = dir + "/other";
  auto refused = SshRemote::Connect(wrong_key);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(HasSubstr(refused.status().message(), "n1: ssh authentication refused for root@" +
                                                        good.address))
      << refused.status().message();
  EXPECT_TRUE(HasSubstr(refused.status().message(), "publickey with key " + dir + "/other"))
      << refused.status().message();
  // Password login (the cluster's generated root password), then a wrong one.
  ASSERT_FALSE(c.password_file.empty());
  std::string password = ReadAll(c.password_file);
  while (!password.empty() && password.back() == '\n') password.pop_back();
  SshOptions by_password = good;
  by_password.key_path = "";
  by_password.password = password;
  auto pw_ok = SshRemote::Connect(by_password);
  ASSERT_TRUE(pw_ok.ok()) << pw_ok.status().message();
  auto pw_host = ExecOrError(**pw_ok, "hostname");
  ASSERT_TRUE(pw_host.ok());
  EXPECT_EQ(*pw_host, "n1\n");
  SshOptions wrong_password = good;
  wrong_password.key_path = "";
  wrong_password.password = "not-the-password";
  auto refused_pw = SshRemote::Connect(wrong_password);
  ASSERT_FALSE(refused_pw.ok());
  EXPECT_TRUE(HasSubstr(refused_pw.status().message(), "authentication refused"));
  EXPECT_TRUE(HasSubstr(refused_pw.status().message(), "password"));

  // An address in the cluster's subnet where no node lives.
  SshOptions nobody = good;
  nobody.node = "n9";
  nobody.address = net + "99";
  nobody.connect_timeout = std::chrono::seconds(5);
  auto t0 = Clock::now();
  auto unreachable = SshRemote::Connect(nobody);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_TRUE(HasSubstr(unreachable.status().message(), "n9: cannot reach " + net + "99:22"))
      << unreachable.status().message();
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 10.0);

  // n1's address with n2's host key recorded: a mismatch, strict or not.
  std::string n2_line;
  {
    std::istringstream lines(ReadAll(c.known_hosts));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind(c.nodes[1].address + " ", 0) == 0) n2_line = line;
    }
  }
  ASSERT_FALSE(n2_line.empty());
  WriteAll(dir + "/bad_known_hosts", good.address + n2_line.substr(c.nodes[1].address.size()) + "\n");
  for (bool strict : {true, false}) {
    SshOptions bad_host = good;
    bad_host.known_hosts = dir + "/bad_known_hosts";
    bad_host.strict_host_keys = strict;
    auto mismatch = SshRemote::Connect(bad_host);
    ASSERT_FALSE(mismatch.ok());
    EXPECT_TRUE(HasSubstr(mismatch.status().message(), "n1: host key mismatch for " + good.address))
        << mismatch.status().message();
  }
  // Strict, and the host is simply not in the file.
  WriteAll(dir + "/empty_known_hosts", "");
  SshOptions unknown = good;
  unknown.known_hosts = dir + "/empty_known_hosts";
  auto not_known = SshRemote::Connect(unknown);
  ASSERT_FALSE(not_known.ok());
  EXPECT_TRUE(HasSubstr(not_known.status().message(), "is not in " + dir + "/empty_known_hosts"))
      << not_known.status().message();

  // Trust on first use through the node flags: keys land in the run dir.
  NodeOptions flags;
  flags.nodes = {c.nodes[0].address + "," + c.nodes[1].address};
  flags.ssh_key = c.ssh_key;
  std::string run_dir = dir + "/run";
  auto tofu = ConnectNodes(flags, run_dir);
  ASSERT_TRUE(tofu.ok()) << tofu.status().message();
  ASSERT_EQ(tofu->size(), 2u);
  EXPECT_EQ((*tofu)[1]->node(), c.nodes[1].address);
  auto host = ExecOrError(*(*tofu)[1], "hostname");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(*host, "n2\n");
  std::string recorded = ReadAll(run_dir + "/known_hosts");
  EXPECT_TRUE(HasSubstr(recorded, c.nodes[0].address)) << recorded;
  EXPECT_TRUE(HasSubstr(recorded, c.nodes[1].address)) << recorded;
  auto second = ConnectNodes(flags, run_dir);
  EXPECT_TRUE(second.ok()) << second.status().message();
  // Errors of several nodes come back together, each named.
  NodeOptions mixed = flags;
  mixed.nodes = {c.nodes[0].address + "," + net + "98"};
  mixed.ssh_key = dir + "/other";
  auto both = ConnectNodes(mixed, run_dir);
  ASSERT_FALSE(both.ok());
  EXPECT_TRUE(HasSubstr(both.status().message(), c.nodes[0].address + ": ssh authentication refused"))
      << both.status().message();
  EXPECT_TRUE(HasSubstr(both.status().message(), net + "98: cannot reach"))
      << both.status().message();

  // No --nodes and no cluster file: the error says what to do.
  NodeOptions none;
  none.cluster_file = dir + "/no-such-cluster.json";
  auto missing = ConnectNodes(none, "");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(HasSubstr(missing.status().message(), "faultline cluster up"));

  // Without root, the cluster command refuses in one line, exit 3.
  auto as_nobody = RunLocal({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                             kFaultline, "cluster", "status", "--name", cluster.spec().name});
  ASSERT_TRUE(as_nobody.ok()) << as_nobody.status().message();
  EXPECT_EQ(as_nobody->exit_code, 3) << as_nobody->err;
  EXPECT_TRUE(HasSubstr(as_nobody->err, "needs root")) << as_nobody->err;
  EXPECT_EQ(std::count(as_nobody->err.begin(), as_nobody->err.end(), '\n'), 1);

  EXPECT_TRUE(cluster.Down().ok());
  EXPECT_EQ(Leftovers(cluster.spec().name, {c.nodes[0].sshd, c.nodes[1].sshd}), "");
}

}  // namespace
}  // namespace faultline
