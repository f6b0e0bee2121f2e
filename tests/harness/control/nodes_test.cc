#include "harness/control/nodes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "harness/control/local_cluster.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

std::string TempFile(const std::string& tag, const std::string& content) {
  std::string path = fs::temp_directory_path() / ("faultline-" + tag + "-" + std::to_string(getpid()));
  std::ofstream(path) << content;
  return path;
}

TEST(NodesTest, FlagsFillNodeOptions) {
  NodeOptions o;
  Flags flags("test");
  AddNodeFlags(flags, &o);
  EXPECT_FALSE(HasExplicitNodes(o));
  ASSERT_TRUE(flags.Parse({"--nodes", "a,b", "--nodes=c", "--username", "admin", "--ssh-key",
                           "/k", "--ssh-port", "2222", "--strict-host-keys", "--known-hosts",
                           "/kh", "--password", "pw", "--cluster-file", "/c.json"})
                  .ok());
  EXPECT_TRUE(HasExplicitNodes(o));
  EXPECT_EQ(o.username, "admin");
  EXPECT_EQ(o.ssh_key, "/k");
  EXPECT_EQ(o.ssh_port, 2222);
  EXPECT_TRUE(o.strict_host_keys);
  EXPECT_EQ(o.known_hosts, "/kh");
  EXPECT_EQ(o.password, "pw");
  EXPECT_EQ(o.cluster_file, "/c.json");
  auto list = ExplicitNodeList(o);
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(*list, (std::vector<std::string>{"a", "b", "c"}));

  NodeOptions bad;
  Flags flags2("test");
  AddNodeFlags(flags2, &bad);
  auto s = flags2.Parse({"--ssh-port", "22x"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--ssh-port"), std::string::npos);
}

TEST(NodesTest, NodesFileAndListErrorsSayWhere) {
  std::string file = TempFile("nodes", "# the cluster\nn1.example\n\n  n2.example  # second\nn3.example\n");
  NodeOptions o;
  o.nodes_file = file;
  o.nodes = {"n0.example"};
  auto list = ExplicitNodeList(o);
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(*list,
            (std::vector<std::string>{"n0.example", "n1.example", "n2.example", "n3.example"}));
  std::remove(file.c_str());

  std::string dup = TempFile("nodes-dup", "n1\nn2 extra\n");
  NodeOptions d;
  d.nodes_file = dup;
  auto bad = ExplicitNodeList(d);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find(dup + ":2:"), 0u) << bad.status().message();
  std::remove(dup.c_str());

  NodeOptions twice;
  twice.nodes = {"a,b,a"};
  auto t = ExplicitNodeList(twice);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("node a given twice"), std::string::npos);

  NodeOptions missing;
  missing.nodes_file = "/nonexistent/nodes.txt";
  auto m = ExplicitNodeList(missing);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("/nonexistent/nodes.txt"), std::string::npos);

  NodeOptions port;
  port.nodes = {"a"};
  port.ssh_port = 70000;
  auto p = ConnectNodes(port, "");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("--ssh-port 70000"), std::string::npos);
}

TEST(NodesTest, ClusterFileErrors) {
  NodeOptions none;
  none.cluster_file = "/nonexistent/cluster.json";
  auto missing = ConnectNodes(none, "");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("run `faultline cluster up`"), std::string::npos);

  std::string broken = TempFile("cluster-broken", "{\"nodes\": [");
  auto b = LoadClusterFile(broken);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message().find(broken + ": not valid JSON"), 0u) << b.status().message();
  std::remove(broken.c_str());

  std::string no_key = TempFile("cluster-nokey", R"({"nodes": [{"name": "n1", "address": "10.0.0.1"}]})");
  auto k = LoadClusterFile(no_key);
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("ssh_key"), std::string::npos) << k.status().message();
  std::remove(no_key.c_str());

  std::string good = TempFile("cluster-good", R"({"ssh_key": "/k", "known_hosts": "/kh",
      "nodes": [{"name": "n1", "address": "10.0.0.11"}, {"name": "n2", "address": "10.0.0.12"}]})");
  auto g = LoadClusterFile(good);
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(g->nodes.size(), 2u);
  EXPECT_EQ(g->nodes[1].address, "10.0.0.12");
  EXPECT_EQ(g->username, "root");
  EXPECT_EQ(g->ssh_port, 22);
  std::remove(good.c_str());
}

TEST(LocalClusterSpecTest, ValidationNamesTheProblem) {
  LocalClusterSpec spec;
  spec.subnet = "10.231.250.0/24";
  spec.nodes = 3;
  EXPECT_TRUE(ValidateSpec(spec).ok()) << ValidateSpec(spec).message();
  auto bad = spec;
  bad.name = "Has_Upper";
  EXPECT_NE(ValidateSpec(bad).message().find("cluster name"), std::string::npos);
  bad = spec;
  bad.name = "waytoolongname";
  EXPECT_FALSE(ValidateSpec(bad).ok());
  bad = spec;
  bad.subnet = "10.1.2.3";
  EXPECT_NE(ValidateSpec(bad).message().find("--subnet"), std::string::npos);
  bad.subnet = "10.1.2.300/24";
  EXPECT_FALSE(ValidateSpec(bad).ok());
  bad.subnet = "10.231.250.0/29";
  EXPECT_NE(ValidateSpec(bad).message().find("too small"), std::string::npos);
  bad = spec;
  bad.nodes = 0;
  EXPECT_NE(ValidateSpec(bad).message().find("--nodes"), std::string::npos);
  // The loopback network is on interface lo on every machine.
  bad = spec;
  bad.subnet = "127.0.0.0/16";
  EXPECT_NE(ValidateSpec(bad).message().find("overlaps"), std::string::npos)
      << ValidateSpec(bad).message();
}

}  // namespace
}  // namespace faultline
