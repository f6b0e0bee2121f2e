// --nodes-from: parsing the flag, the listing commands, and the runtimes'
// recorded output (podman/docker ps, kubectl get pods). No cluster runs here:
// the kubectl output below is what `kubectl get pods -o jsonpath=...` prints
// for the docs/ StatefulSet example.
#include "harness/control/node_discovery.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

using Argv = std::vector<std::string>;

TEST(NodeDiscoveryTest, ParsesTheFlag) {
  auto p = ParseNodesFrom("podman:com.docker.compose.project=shop");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->transport, ContainerTransport::kPodman);
  EXPECT_EQ(p->selector, "com.docker.compose.project=shop");
  auto k = ParseNodesFrom("kubectl:faultline/app=ringstore,tier=db");
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->kube_namespace, "faultline");
  EXPECT_EQ(k->selector, "app=ringstore,tier=db");
  for (const char* bad : {"podman", "podman:", "lxc:x", "kubectl:/app=x", "docker:a b"}) {
    auto b = ParseNodesFrom(bad);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.status().message(), std::string("--nodes-from \"") + bad +
                                        "\": expected podman:LABEL, docker:LABEL or kubectl:[NAMESPACE/]SELECTOR");
  }
}

TEST(NodeDiscoveryTest, ListingCommands) {
  auto d = ParseNodesFrom("docker:faultline-test=shop");
  EXPECT_EQ(DiscoveryArgv(*d, "/usr/bin/docker"),
            (Argv{"/usr/bin/docker", "ps", "--filter", "label=faultline-test=shop", "--filter", "status=running",
                  "--format", "{{.Names}}"}));
  auto k = ParseNodesFrom("kubectl:faultline/app=ringstore");
  EXPECT_EQ(DiscoveryArgv(*k, "kubectl"),
            (Argv{"kubectl", "get", "pods", "-l", "app=ringstore", "-n", "faultline", "-o",
                  "jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.podIP}{\"\\n\"}{end}"}));
}

TEST(NodeDiscoveryTest, RecordedOutputBecomesSortedNodes) {
  auto podman = ParseNodesFrom("podman:faultline-test=shop");
  // Recorded: podman ps --format '{{.Names}}' (newest first).
  auto nodes = ParseDiscovered(*podman, "/usr/bin/podman", "shop-db-3\nshop-db-1\nshop-db-2\n");
  ASSERT_TRUE(nodes.ok()) << nodes.status().message();
  ASSERT_EQ(nodes->size(), 3u);
  EXPECT_EQ((*nodes)[0].name, "shop-db-1");
  EXPECT_FALSE((*nodes)[0].ssh);
  EXPECT_EQ((*nodes)[0].container.container, "shop-db-1");
  EXPECT_EQ((*nodes)[2].container.binary, "/usr/bin/podman");
  auto none = ParseDiscovered(*podman, "podman", "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "--nodes-from podman:faultline-test=shop: no running container has that label");

  auto kube = ParseNodesFrom("kubectl:faultline/app=ringstore");
  const std::string recorded = "ringstore-0 Running 10.244.0.12\nringstore-1 Running 10.244.0.13\n"
                               "ringstore-2 Running 10.244.0.14\n";
  auto pods = ParseDiscovered(*kube, "kubectl", recorded);
  ASSERT_TRUE(pods.ok()) << pods.status().message();
  ASSERT_EQ(pods->size(), 3u);
  EXPECT_EQ((*pods)[1].container.address, "10.244.0.13");
  EXPECT_EQ((*pods)[1].container.kube_namespace, "faultline");
  EXPECT_EQ((*pods)[1].container.transport, ContainerTransport::kKubectl);
  auto pending = ParseDiscovered(*kube, "kubectl", "ringstore-0 Running 10.244.0.12\nringstore-1 Pending \n");
  ASSERT_FALSE(pending.ok());
  EXPECT_EQ(pending.status().message(),
            "--nodes-from kubectl:app=ringstore: pod ringstore-1 is Pending, not Running");
}

}  // namespace
}  // namespace faultline
