// Command construction and output parsing of the container transport
// (podman / docker / kubectl), and nodes-file lines naming a transport. The
// transport against a real podman container is tested in
// tests/integration/container_remote_test.cc; kubectl cannot run here, so its
// commands and its recorded output are checked here.
#include "harness/control/container_remote.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "harness/control/nodes.h"
#include "harness/control/subprocess.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

using Argv = std::vector<std::string>;

TEST(ContainerRemoteTest, PodmanAndDockerExecAndCopyArgv) {
  ContainerOptions o;
  o.node = "n1";
  o.transport = ContainerTransport::kPodman;
  o.container = "pod1-n1";
  EXPECT_EQ(ContainerExecArgv(o, "/usr/bin/podman", "echo 'hi'"),
            (Argv{"/usr/bin/podman", "exec", "-i", "pod1-n1", "sh", "-c", "echo 'hi'"}));
  EXPECT_EQ(ContainerCopyArgv(o, "/usr/bin/podman", "/tmp/a b", "/opt/x", true),
            (Argv{"/usr/bin/podman", "cp", "/tmp/a b", "pod1-n1:/opt/x"}));
  EXPECT_EQ(ContainerCopyArgv(o, "/usr/bin/podman", "/tmp/log", "/var/log/x", false),
            (Argv{"/usr/bin/podman", "cp", "pod1-n1:/var/log/x", "/tmp/log"}));
  o.transport = ContainerTransport::kDocker;
  EXPECT_EQ(ContainerInspectArgv(o, "docker")[1], "inspect");
  EXPECT_EQ(ContainerInspectArgv(o, "docker").back(), "pod1-n1");
}

TEST(ContainerRemoteTest, KubectlExecCopyAndInspectArgv) {
  ContainerOptions o;
  o.node = "n2";
  o.transport = ContainerTransport::kKubectl;
  o.container = "ringstore-1";
  o.kube_namespace = "faultline";
  o.kube_context = "kind-ci";
  o.kube_container = "store";
  EXPECT_EQ(ContainerExecArgv(o, "kubectl", "true"),
            (Argv{"kubectl", "--context", "kind-ci", "exec", "-i", "-n", "faultline", "ringstore-1", "-c",
                  "store", "--", "sh", "-c", "true"}));
  EXPECT_EQ(ContainerCopyArgv(o, "kubectl", "/b/ringstore", "/opt/faultline/ringstore", true),
            (Argv{"kubectl", "--context", "kind-ci", "cp", "/b/ringstore",
                  "faultline/ringstore-1:/opt/faultline/ringstore", "-c", "store"}));
  EXPECT_EQ(ContainerInspectArgv(o, "kubectl"),
            (Argv{"kubectl", "--context", "kind-ci", "get", "pod", "ringstore-1", "-n", "faultline", "-o",
                  "jsonpath={.status.phase} {.status.podIP}"}));
  // Without namespace, context or container, kubectl's defaults apply.
  ContainerOptions bare;
  bare.transport = ContainerTransport::kKubectl;
  bare.container = "p";
  EXPECT_EQ(ContainerExecArgv(bare, "kubectl", "true"),
            (Argv{"kubectl", "exec", "-i", "p", "--", "sh", "-c", "true"}));
}

TEST(ContainerRemoteTest, InspectOutputGivesAddressOrSaysWhy) {
  ContainerOptions o;
  o.node = "n1";
  o.container = "web";
  // Recorded: podman inspect --format '{{.State.Running}} {{range ...}}{{.IPAddress}} {{end}}'.
  auto a = ParseInspectOutput(o, "true 10.96.1.11 \n");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(*a, "10.96.1.11");
  auto stopped = ParseInspectOutput(o, "false  \n");
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().message(), "n1: container web is not running (state false)");
  auto no_net = ParseInspectOutput(o, "true \n");
  ASSERT_FALSE(no_net.ok());
  EXPECT_NE(no_net.status().message().find("has no network address"), std::string::npos);

  // Recorded: kubectl get pod -o jsonpath='{.status.phase} {.status.podIP}'.
  o.transport = ContainerTransport::kKubectl;
  o.container = "ringstore-0";
  auto pod = ParseInspectOutput(o, "Running 10.244.0.7");
  ASSERT_TRUE(pod.ok()) << pod.status().message();
  EXPECT_EQ(*pod, "10.244.0.7");
  auto pending = ParseInspectOutput(o, "Pending ");
  ASSERT_FALSE(pending.ok());
  EXPECT_EQ(pending.status().message(), "n1: pod ringstore-0 is not running (state Pending)");
}

TEST(ContainerRemoteTest, CommandRunsUnderTimeoutAndQuotedOnce) {
  std::string line = WrapContainerCommand("echo 'it''s' $HOME", std::chrono::milliseconds(2500));
  EXPECT_NE(line.find("timeout -k 2 3.500 bash -c "), std::string::npos) << line;
  EXPECT_NE(line.find(ShellQuote("echo 'it''s' $HOME")), std::string::npos) << line;
  // Runs here exactly as inside a container's sh: the command text arrives intact.
  auto r = RunLocal({"sh", "-c", WrapContainerCommand("printf '%s|' \"it's\" \"$((2+3))\"; exit 7",
                                                      std::chrono::seconds(5))});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->out, "it's|5|");
  EXPECT_EQ(r->exit_code, 7);
}

// Direct exec gives the command what `podman exec` would: the init's
// capability bounding set, limits and environment; a non-root init is not
// entered.
TEST(ContainerRemoteTest, DirectExecPrefixCopiesCapsLimitsAndEnvironment) {
  const std::string dir = std::filesystem::temp_directory_path() / ("faultline-proc-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/status") << "Name:\tcatatonit\nUid:\t0\t0\t0\t0\nCapBnd:\t00000000800415fb\n";
  std::ofstream(dir + "/limits") << "Limit                     Soft Limit           Hard Limit           Units\n"
                                    "Max processes             4096                 8192                 processes\n"
                                    "Max open files            1024                 unlimited            files\n";
  {
    std::ofstream env(dir + "/environ", std::ios::binary);
    env << std::string("PATH=/usr/bin:/bin\0HOME=/root\0container=podman\0", 47);
  }
  auto argv = DirectExecPrefix(dir, "4242");
  ASSERT_TRUE(argv.ok()) << argv.status().message();
  EXPECT_EQ(*argv, (std::vector<std::string>{
                       "/usr/bin/prlimit", "--nofile=1024:unlimited", "--nproc=4096:8192", "/usr/bin/nsenter", "-t",
                       "4242", "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--", "/usr/bin/setpriv", "--bounding-set",
                       "-all,+chown,+dac_override,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,"
                       "+net_bind_service,+net_admin,+sys_chroot,+setfcap",
                       "--", "/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=/root", "container=podman"}));
  std::ofstream(dir + "/status") << "Uid:\t1000\t1000\t1000\t1000\nCapBnd:\t0000000000000000\n";
  auto user = DirectExecPrefix(dir, "4242");
  ASSERT_FALSE(user.ok());
  EXPECT_NE(user.status().message().find("does not run as root"), std::string::npos);
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(DirectExecPrefix(dir, "4242").ok());
}

TEST(ContainerRemoteTest, MissingRuntimeProgramIsOneLine) {
  ContainerOptions o;
  o.node = "n3";
  o.transport = ContainerTransport::kDocker;
  o.container = "c";
  o.binary = "/nonexistent/docker";
  auto r = ContainerRemote::Connect(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "n3: transport docker: program /nonexistent/docker not found (install it, or name it with "
            "binary=PATH)");
  EXPECT_FALSE(ParseContainerTransport("lxc").ok());
}

TEST(NodesFileTest, LinesNameTransportsAndTheirOptions) {
  auto ssh = ParseNodeLine("db1.example", "f:1");
  ASSERT_TRUE(ssh.ok());
  EXPECT_TRUE(ssh->ssh);
  EXPECT_EQ(ssh->address, "db1.example");

  auto pod = ParseNodeLine("n1 transport=podman container=pod1-n1", "f:2");
  ASSERT_TRUE(pod.ok()) << pod.status().message();
  EXPECT_FALSE(pod->ssh);
  EXPECT_EQ(pod->container.transport, ContainerTransport::kPodman);
  EXPECT_EQ(pod->container.container, "pod1-n1");
  EXPECT_EQ(pod->container.node, "n1");

  auto docker = ParseNodeLine("n2 transport=docker binary=/usr/bin/docker address=10.96.1.12", "f:3");
  ASSERT_TRUE(docker.ok()) << docker.status().message();
  EXPECT_EQ(docker->container.container, "n2");  // default: the node's name
  EXPECT_EQ(docker->container.binary, "/usr/bin/docker");
  EXPECT_EQ(docker->container.address, "10.96.1.12");

  auto kube = ParseNodeLine("n3 transport=kubectl pod=ringstore-2 namespace=ft context=kind container=store",
                            "f:4");
  ASSERT_TRUE(kube.ok()) << kube.status().message();
  EXPECT_EQ(kube->container.container, "ringstore-2");
  EXPECT_EQ(kube->container.kube_container, "store");
  EXPECT_EQ(kube->container.kube_namespace, "ft");
  EXPECT_EQ(kube->container.kube_context, "kind");

  for (const auto& [line, error] : std::vector<std::pair<std::string, std::string>>{
           {"n1 transport=lxc", "f:9: transport \"lxc\" is not one of ssh, podman, docker, kubectl"},
           {"n1 colour=red", "f:9: unknown key \"colour\""},
           {"n1 container=c", "f:9: container= needs a container transport"},
           {"n1 transport=podman pod=p", "f:9: pod=, namespace= and context= are for transport=kubectl"},
           {"n1 extra", "f:9: \"extra\" after node n1 is not KEY=VALUE"}}) {
    auto bad = ParseNodeLine(line, "f:9");
    ASSERT_FALSE(bad.ok()) << line;
    EXPECT_EQ(bad.status().message().rfind(error, 0), 0u) << bad.status().message();
  }
}

TEST(NodesFileTest, CheckNodeOptionsRefusesAMissingRuntime) {
  std::string path = fs::temp_directory_path() / ("faultline-nodes-rt-" + std::to_string(getpid()));
  std::ofstream(path) << "n1 transport=podman binary=/nonexistent/podman\n";
  NodeOptions o;
  o.nodes_file = path;
  Status s = CheckNodeOptions(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("n1: transport podman: program /nonexistent/podman not found", 0), 0u)
      << s.message();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace faultline
