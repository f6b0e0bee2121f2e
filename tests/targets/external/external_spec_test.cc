// The target spec loader: the shipped examples load, every key is read, and
// bad specs are refused with one line naming the file and the key (the CLI
// side — exit 3 before anything is deployed — is in external_cli_test.cc).
#include "targets/external/external_db.h"
#include "targets/external/external_spec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "targets/external/node_env.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

const std::string kExamples = std::string(FAULTLINE_SOURCE_DIR) + "/targets/external";

class ExternalSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("extspec");
    ASSERT_FALSE(dir_.empty());
    std::ofstream(dir_ + "/adapter.py") << "print('hi')\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Parses `j` as the spec file <dir>/t.json.
  Result<ExternalSpec> Parse(const json& j) { return ParseExternalSpec(j.dump(), dir_ + "/t.json"); }

  // A minimal valid spec.
  static json Minimal() {
    return json{{"name", "mystore"},
                {"fs", {"read", "write"}},
                {"db", {{"setup", "true"}, {"teardown", "true"}}},
                {"client", {{"command", {"python3", "adapter.py"}}}}};
  }
  // The error for `j`, which must be refused.
  std::string ErrorOf(const json& j) {
    auto r = Parse(j);
    EXPECT_FALSE(r.ok()) << j.dump();
    return r.ok() ? "" : r.status().message();
  }

  std::string dir_;
};

TEST_F(ExternalSpecTest, MinimalSpecGetsDefaultsAndResolvesTheAdapterAgainstTheSpecDir) {
  auto r = Parse(Minimal());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->name, "mystore");
  EXPECT_EQ(r->fs, (std::set<std::string>{"read", "write"}));
  EXPECT_EQ(r->dir, fs::path(dir_).lexically_normal().string());
  ASSERT_EQ(r->client.command.size(), 2u);
  EXPECT_EQ(r->client.command[0], "python3");  // on PATH: left for execvp
  EXPECT_EQ(r->client.command[1], dir_ + "/adapter.py");
  EXPECT_DOUBLE_EQ(r->client.op_timeout_s, 5);
  EXPECT_DOUBLE_EQ(r->db.start_timeout_s, 30);
  EXPECT_FALSE(r->db.faketime);
  EXPECT_FALSE(r->db.killable());
  EXPECT_FALSE(r->db.pausable());
}

TEST_F(ExternalSpecTest, EveryKeyIsRead) {
  json j = Minimal();
  j["db"] = {{"setup", "s"},
             {"teardown", "t"},
             {"health", "h"},
             {"pid_file", "/var/lib/faultline/mystore/p.pid"},
             {"process_match", "mystore-server"},
             {"start", "st"},
             {"log_files", {"/var/log/faultline/m.log"}},
             {"start_timeout_s", 12.5},
             {"faketime", true}};
  j["client"]["op_timeout_s"] = 2;
  auto r = Parse(j);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->db.health, "h");
  EXPECT_EQ(r->db.pid_file, "/var/lib/faultline/mystore/p.pid");
  EXPECT_EQ(r->db.process_match, "mystore-server");
  EXPECT_EQ(r->db.log_files, std::vector<std::string>{"/var/log/faultline/m.log"});
  EXPECT_DOUBLE_EQ(r->db.start_timeout_s, 12.5);
  EXPECT_TRUE(r->db.faketime);
  EXPECT_DOUBLE_EQ(r->client.op_timeout_s, 2);
  EXPECT_TRUE(r->db.killable());  // pid_file + start
  EXPECT_TRUE(r->db.pausable());  // pid_file

  json cmds = Minimal();
  cmds["db"]["kill"] = "k";
  cmds["db"]["start"] = "st";
  cmds["db"]["pause"] = "p";
  cmds["db"]["resume"] = "r";
  auto c = Parse(cmds);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->db.killable());
  EXPECT_TRUE(c->db.pausable());
}

TEST_F(ExternalSpecTest, TheIssuesBadSpecsNameTheKeyAndTheFile) {
  const std::string file = dir_ + "/t.json: ";
  json no_setup = Minimal();
  no_setup["db"].erase("setup");
  EXPECT_EQ(ErrorOf(no_setup), file + "db.setup: is missing");

  json unknown = Minimal();
  unknown["db"]["helth"] = "true";
  EXPECT_TRUE(HasSubstr(ErrorOf(unknown), file + "db.helth: unknown key (known: ")) << ErrorOf(unknown);
  json unknown_top = Minimal();
  unknown_top["nmae"] = "x";
  EXPECT_TRUE(HasSubstr(ErrorOf(unknown_top), file + "nmae: unknown key"));

  json fs_string = Minimal();
  fs_string["fs"] = "read";
  EXPECT_EQ(ErrorOf(fs_string), file + "fs: must be a list of op names");

  json missing_file = Minimal();
  missing_file["client"]["command"] = {"python3", "nope.py"};
  EXPECT_EQ(ErrorOf(missing_file), file + "client.command[1]: file " + dir_ + "/nope.py does not exist");
  json missing_program = Minimal();
  missing_program["client"]["command"] = {"no-such-program-xyz"};
  EXPECT_EQ(ErrorOf(missing_program),
            file + "client.command[0]: program \"no-such-program-xyz\" is not on PATH");
  json missing_exe = Minimal();
  missing_exe["client"]["command"] = {"./bin/adapter"};
  EXPECT_TRUE(
      HasSubstr(ErrorOf(missing_exe), "client.command[0]: file " + dir_ + "/bin/adapter does not exist"));
  json not_executable = Minimal();
  not_executable["client"]["command"] = {"./adapter.py"};
  EXPECT_TRUE(
      HasSubstr(ErrorOf(not_executable), "client.command[0]: " + dir_ + "/adapter.py is not executable"));
}

TEST_F(ExternalSpecTest, InconsistentOrMistypedKeysAreRefused) {
  auto with_db = [&](const char* key, json value) {
    json j = Minimal();
    j["db"][key] = std::move(value);
    return ErrorOf(j);
  };
  EXPECT_TRUE(HasSubstr(with_db("pid_file", "/p.pid"), "db.process_match: is required with db.pid_file"));
  EXPECT_TRUE(HasSubstr(with_db("pid_file", "rel.pid"), "db.pid_file: must be an absolute path"));
  EXPECT_TRUE(
      HasSubstr(with_db("process_match", "x"), "db.process_match: only means something with db.pid_file"));
  EXPECT_TRUE(HasSubstr(with_db("pause", "p"), "db.resume: db.pause and db.resume go together"));
  EXPECT_TRUE(HasSubstr(with_db("kill", "k"), "db.start: is required with db.kill"));
  EXPECT_TRUE(HasSubstr(with_db("start_timeout_s", 0), "db.start_timeout_s: must be a number of seconds"));
  EXPECT_TRUE(HasSubstr(with_db("start_timeout_s", "30"), "db.start_timeout_s: must be a number of seconds"));
  EXPECT_TRUE(HasSubstr(with_db("faketime", "yes"), "db.faketime: must be true or false"));
  EXPECT_TRUE(HasSubstr(with_db("log_files", "/x.log"), "db.log_files: must be a list"));
  EXPECT_TRUE(
      HasSubstr(with_db("log_files", json::array({"x.log"})), "db.log_files: \"x.log\" must be an absolute"));
  EXPECT_TRUE(HasSubstr(with_db("setup", 3), "db.setup: must be a string"));

  json name = Minimal();
  name["name"] = "My Store";
  EXPECT_TRUE(HasSubstr(ErrorOf(name), "name: \"My Store\" may only use a-z, 0-9, - and _"));
  json no_client = Minimal();
  no_client.erase("client");
  EXPECT_TRUE(HasSubstr(ErrorOf(no_client), "t.json: client: is missing"));
  json empty_fs = Minimal();
  empty_fs["fs"] = json::array();
  EXPECT_TRUE(HasSubstr(ErrorOf(empty_fs), "fs: must list at least one of op names"));

  auto not_json = ParseExternalSpec("{\"name\": ", dir_ + "/t.json");
  ASSERT_FALSE(not_json.ok());
  EXPECT_TRUE(
      HasSubstr(not_json.status().message(), dir_ + "/t.json: not a valid target spec: malformed JSON"));
  auto unreadable = LoadExternalSpec(dir_ + "/missing.json");
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.status().message(), dir_ + "/missing.json: cannot read the target spec file");
  auto device = LoadExternalSpec("/dev/null");
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.status().message(), "/dev/null: the target spec is not a regular file");
  // One line each.
  EXPECT_EQ(not_json.status().message().find('\n'), std::string::npos);
}

TEST_F(ExternalSpecTest, TheShippedExamplesLoad) {
  for (const char* name : {"ringstore.json", "etcd.json"}) {
    std::string path = kExamples + "/" + name;
    if (!fs::exists(path)) continue;
    auto r = LoadExternalSpec(path);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TRUE(r->db.killable()) << name;
    EXPECT_TRUE(r->db.pausable()) << name;
    EXPECT_TRUE(r->fs.count("cas")) << name;
    EXPECT_TRUE(fs::exists(r->client.command.back())) << name;
  }
  auto ring = LoadExternalSpec(kExamples + "/ringstore.json");
  ASSERT_TRUE(ring.ok()) << ring.status().message();
  EXPECT_TRUE(ring->db.faketime);
  EXPECT_TRUE(HasSubstr(DescribeExternalSpec(*ring), "ops: cas, counter-add"));
}

TEST(NodeEnvironmentTest, GivesTheNodeTheClusterTheDirsAndTheOptions) {
  ExternalSpec spec;
  spec.name = "mystore";
  spec.dir = "/specs";
  ClusterInfo cluster;
  cluster.nodes = {{"n1", "10.77.0.11", nullptr}, {"n2", "10.77.0.12", nullptr}};
  EnvVars env = NodeEnvironment(spec, cluster, cluster.nodes[1], {{"read-mode", "local"}, {"x.y", "1"}});
  EnvVars want = {{"FAULTLINE_NODE", "n2"},
                  {"FAULTLINE_ADDRESS", "10.77.0.12"},
                  {"FAULTLINE_NODES", "n1=10.77.0.11,n2=10.77.0.12"},
                  {"FAULTLINE_DATA_DIR", "/var/lib/faultline/mystore"},
                  {"FAULTLINE_LOG_DIR", "/var/log/faultline"},
                  {"FAULTLINE_SPEC_DIR", "/specs"},
                  {"FAULTLINE_OPT_READ_MODE", "local"},
                  {"FAULTLINE_OPT_X_Y", "1"}};
  EXPECT_EQ(env, want);
}

}  // namespace
}  // namespace faultline

namespace faultline {
namespace {

// "nodes": "none" (issue 22): a store on the controller; setup and teardown
// (and the whole db object) become optional, its data and log dirs move into
// the run directory; any other value is refused naming the key.
TEST_F(ExternalSpecTest, NodesNoneMakesTheDbOptionalAndPutsItsDirsInTheRunDir) {
  json local = Minimal();
  local["nodes"] = "none";
  local.erase("db");
  auto r = Parse(local);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->no_nodes);
  EXPECT_TRUE(r->db.setup.empty());
  ClusterInfo cluster;
  cluster.run_dir = "/srv/store/t/20261126T103022.338";
  cluster.nodes = {{"local", "127.0.0.1", nullptr}};
  EXPECT_EQ(ExternalDataDir(*r, cluster), cluster.run_dir + "/mystore-data");
  EXPECT_EQ(ExternalLogDir(*r, cluster), cluster.run_dir + "/nodes/local");
  EXPECT_TRUE(HasSubstr(DescribeExternalSpec(*r), "nodes: none (the store runs on the controller"));

  json on_nodes = Minimal();
  EXPECT_FALSE(Parse(on_nodes)->no_nodes);
  EXPECT_EQ(ExternalDataDir(*Parse(on_nodes), cluster), "/var/lib/faultline/mystore");
  EXPECT_EQ(ExternalLogDir(*Parse(on_nodes), cluster), "/var/log/faultline");
  on_nodes["db"].erase("setup");
  EXPECT_EQ(ErrorOf(on_nodes), dir_ + "/t.json: db.setup: is missing");

  json bad = Minimal();
  bad["nodes"] = "some";
  EXPECT_EQ(ErrorOf(bad), dir_ + "/t.json: nodes: must be \"none\" (the store runs on the controller: no "
                                 "nodes, no cluster), or absent (the store runs on the nodes)");
  bad["nodes"] = json::array();
  EXPECT_TRUE(HasSubstr(ErrorOf(bad), "t.json: nodes: must be \"none\""));
}

// db.data_dir names the store's data directory for the disk nemesis: the Db
// is HasDataDir with the path on the node, relative ones under
// FAULTLINE_DATA_DIR; without it the Db is not (the nemesis is refused).
TEST_F(ExternalSpecTest, DataDirMakesTheDbNameItsDataDirectory) {
  json relative = Minimal();
  relative["db"]["data_dir"] = "data";
  auto spec = Parse(relative);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto db = MakeExternalDb(*spec, {});
  auto* data = dynamic_cast<HasDataDir*>(db.get());
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->DataDir(NodeInfo{"n1", "10.0.0.1", nullptr}), "/var/lib/faultline/mystore/data");
  EXPECT_TRUE(HasSubstr(DescribeExternalSpec(*spec), "disk (data_dir)"));

  json absolute = Minimal();
  absolute["db"]["data_dir"] = "/srv/mystore";
  spec = Parse(absolute);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  db = MakeExternalDb(*spec, {});
  ASSERT_NE(dynamic_cast<HasDataDir*>(db.get()), nullptr);
  EXPECT_EQ(dynamic_cast<HasDataDir*>(db.get())->DataDir(NodeInfo{"n1", "10.0.0.1", nullptr}), "/srv/mystore");

  spec = Parse(Minimal());
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(dynamic_cast<HasDataDir*>(MakeExternalDb(*spec, {}).get()), nullptr);

  const std::string file = dir_ + "/t.json: ";
  json up = Minimal();
  up["db"]["data_dir"] = "../elsewhere";
  EXPECT_TRUE(HasSubstr(ErrorOf(up), file + "db.data_dir: must name a directory on the node without \"..\""))
      << ErrorOf(up);
  json empty = Minimal();
  empty["db"]["data_dir"] = "";
  EXPECT_TRUE(HasSubstr(ErrorOf(empty), file + "db.data_dir: must name")) << ErrorOf(empty);
  json local = Minimal();
  local["nodes"] = "none";
  local["db"]["data_dir"] = "data";
  EXPECT_EQ(ErrorOf(local), file + "db.data_dir: means nothing with \"nodes\": \"none\" (storage faults need nodes)");
}

}  // namespace
}  // namespace faultline
