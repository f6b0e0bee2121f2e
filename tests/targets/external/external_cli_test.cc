// `faultline test --target external` refuses what it can check before
// deploying — a bad spec (the four cases), a nemesis the spec gives no
// capability for, a missing --target-spec — with one line naming the key and
// exit 3, and creates no run directory (nothing was deployed: the nodes given
// do not even exist). `faultline list --target-spec` describes a spec.
#include <gtest/gtest.h>

#include <regex>

#include <filesystem>
#include <fstream>

#include "harness/core/op.h"
#include "tests/faultline_cli.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

class ExternalCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("extcli");
    ASSERT_FALSE(dir_.empty());
    std::ofstream(dir_ + "/adapter.py") << "\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static json Good() {
    return json{{"name", "mystore"},
                {"fs", {"read", "write", "cas"}},
                {"db", {{"setup", "true"}, {"teardown", "true"}}},
                {"client", {{"command", {"python3", "adapter.py"}}}}};
  }
  // Runs `faultline test` with the spec `j` against nodes that do not exist.
  FaultlineOutput Test(const json& j, const std::string& extra = "") {
    std::ofstream(dir_ + "/spec.json") << j.dump(2);
    return Faultline("test --target external --target-spec " + dir_ + "/spec.json --store " + dir_ +
                     "/store --nodes 192.0.2.250 --time-limit 1 " + extra);
  }
  void ExpectRefused(const json& j, const std::string& line, const std::string& extra = "") {
    FaultlineOutput out = Test(j, extra);
    EXPECT_EQ(out.code, 3) << out.text;
    EXPECT_EQ(out.text, "faultline test: " + line + "\n");
    EXPECT_FALSE(fs::exists(dir_ + "/store")) << "a run directory was made";
  }

  std::string dir_;
};

TEST_F(ExternalCliTest, BadSpecsAreOneLineNamingTheKeyExit3BeforeDeploying) {
  const std::string file = dir_ + "/spec.json: ";
  json no_setup = Good();
  no_setup["db"].erase("setup");
  ExpectRefused(no_setup, file + "db.setup: is missing");
  json unknown = Good();
  unknown["db"]["stat"] = "x";
  ExpectRefused(unknown, file +
                             "db.stat: unknown key (known: data_dir, faketime, health, join, kill, leave, log_files, "
                             "members, min_members, pause, pid_file, process_match, resume, roles, setup, start, "
                             "start_timeout_s, teardown)");
  json fs_string = Good();
  fs_string["fs"] = "read,write";
  ExpectRefused(fs_string, file + "fs: must be a list of op names");
  json missing = Good();
  missing["client"]["command"] = {"python3", "missing_adapter.py"};
  ExpectRefused(missing, file + "client.command[1]: file " + dir_ + "/missing_adapter.py does not exist");
}

TEST_F(ExternalCliTest, NemesesTheSpecCannotTakeAndMissingPiecesAreRefused) {
  ExpectRefused(Good(),
                "target external: kill: the target's Db cannot kill and restart its process (not Killable)",
                "--nemesis kill");
  ExpectRefused(Good(),
                "target external: clock: the target's Db has no libfaketime offset file (not "
                "ClockSkewable); on real nodes use --clock-strategy system",
                "--nemesis clock");
  ExpectRefused(Good(), "workload set needs ops the target external does not support: set-add, set-read",
                "--workload set");
  FaultlineOutput no_spec =
      Faultline("test --target external --nodes 192.0.2.250 --store " + dir_ + "/store");
  EXPECT_EQ(no_spec.code, 3);
  EXPECT_TRUE(HasSubstr(no_spec.text, "target external needs --target-spec FILE")) << no_spec.text;
  FaultlineOutput wrong = Faultline("test --target ringstore --target-spec x.json --nodes 192.0.2.250");
  EXPECT_EQ(wrong.code, 3);
  EXPECT_TRUE(HasSubstr(wrong.text, "--target-spec is for --target external, not ringstore")) << wrong.text;
}

TEST_F(ExternalCliTest, ListDescribesASpec) {
  json j = Good();
  j["db"]["pid_file"] = "/var/lib/faultline/mystore/p.pid";
  j["db"]["process_match"] = "mystore";
  j["db"]["start"] = "true";
  std::ofstream(dir_ + "/spec.json") << j.dump();
  FaultlineOutput out = Faultline("list --target-spec " + dir_ + "/spec.json");
  EXPECT_EQ(out.code, 0) << out.text;
  // list pads the names to its longest one.
  EXPECT_TRUE(std::regex_search(out.text, std::regex("\n  external +any store from a target spec"))) << out.text;
  EXPECT_TRUE(HasSubstr(out.text, "mystore (" + dir_ +
                                      "/spec.json)\n  ops: cas, read, write\n"
                                      "  db: setup, teardown, kill, pause (signals by pid file "
                                      "/var/lib/faultline/mystore/p.pid)\n"
                                      "  adapter: python3 " +
                                      dir_ + "/adapter.py (op timeout 5.0 s)"))
      << out.text;
  FaultlineOutput bad = Faultline("list --target-spec " + dir_ + "/none.json");
  EXPECT_EQ(bad.code, 3);
  EXPECT_TRUE(HasSubstr(bad.text, dir_ + "/none.json: cannot read the target spec file")) << bad.text;
}

}  // namespace
}  // namespace faultline
