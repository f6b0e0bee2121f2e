// The help and the listings a new user reads first, end to end with the real
// binary: `help CMD` is CMD's help, `list --help` is help, each `fault`
// subcommand shows only its own flags, every model `check --model` takes is
// listed (also in its error), `check` of Elle transactions without --model
// names the model to use, `list` aligns its columns, and `cluster down` of a
// cluster that does not exist says so.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/faultline_cli.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

TEST(HelpCliTest, HelpCommandPrintsThatCommandsHelp) {
  FaultlineOutput via_help = Faultline("help test");
  FaultlineOutput direct = Faultline("test --help");
  EXPECT_EQ(via_help.code, 0) << via_help.text;
  EXPECT_TRUE(HasSubstr(via_help.text, "usage: faultline test ")) << via_help.text;
  EXPECT_EQ(via_help.text, direct.text);
  FaultlineOutput sub = Faultline("help fault stop");
  EXPECT_EQ(sub.code, 0) << sub.text;
  EXPECT_TRUE(HasSubstr(sub.text, "usage: faultline fault stop")) << sub.text;
}

TEST(HelpCliTest, NoUsageLineHasAnXPlaceholder) {
  for (const char* cmd : {"test", "check", "campaign", "serve", "analyze", "list", "cluster up",
                          "cluster down", "cluster heal", "fault start", "fault stop", "fault status"}) {
    FaultlineOutput o = Faultline(std::string(cmd) + " --help");
    EXPECT_EQ(o.code, 0) << cmd << "\n" << o.text;
    EXPECT_FALSE(HasSubstr(o.text, " X ")) << cmd << "\n" << o.text;
  }
  FaultlineOutput t = Faultline("test --help");
  for (const char* flag : {"--time-limit SECONDS ", "--spec FILE ", "--store DIR ", "--concurrency N ",
                           "--nodes LIST ", "--target-opt KEY=VALUE "}) {
    EXPECT_TRUE(HasSubstr(t.text, flag)) << flag << "\n" << t.text;
  }
}

TEST(HelpCliTest, ListHelpIsHelp) {
  FaultlineOutput o = Faultline("list --help");
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_TRUE(HasSubstr(o.text, "usage: faultline list")) << o.text;
  EXPECT_TRUE(HasSubstr(o.text, "--target-spec FILE")) << o.text;
  EXPECT_FALSE(HasSubstr(o.text, "workloads:")) << o.text;
}

TEST(HelpCliTest, EachFaultSubcommandShowsOnlyItsOwnFlags) {
  FaultlineOutput start = Faultline("fault start --help");
  FaultlineOutput stop = Faultline("fault stop --help");
  FaultlineOutput status = Faultline("fault status --help");
  FaultlineOutput kill = Faultline("fault kill --help");
  for (const char* flag : {"--partition", "--packet-loss", "--on ", "--fault-targets", "--clock-max-skew-ms",
                           "--seed"}) {
    EXPECT_TRUE(HasSubstr(start.text, flag)) << flag << "\n" << start.text;
    EXPECT_FALSE(HasSubstr(stop.text, flag)) << flag << "\n" << stop.text;
    EXPECT_FALSE(HasSubstr(status.text, flag)) << flag << "\n" << status.text;
    EXPECT_FALSE(HasSubstr(kill.text, flag)) << flag << "\n" << kill.text;
  }
  // stop undoes through the nemesis: how it was made still matters.
  EXPECT_TRUE(HasSubstr(stop.text, "--clock-strategy")) << stop.text;
  EXPECT_FALSE(HasSubstr(status.text, "--clock-strategy")) << status.text;
  for (const auto* o : {&start, &stop, &status, &kill}) {
    EXPECT_TRUE(HasSubstr(o->text, "--cluster-file FILE")) << o->text;
  }
  // A start-only flag given to stop is refused, not ignored.
  FaultlineOutput refused = Faultline("fault stop --partition halves");
  EXPECT_EQ(refused.code, 3) << refused.text;
  EXPECT_TRUE(HasSubstr(refused.text, "unknown flag --partition")) << refused.text;
}

TEST(HelpCliTest, EveryCheckModelIsListedAndNamedInTheError) {
  FaultlineOutput list = Faultline("list");
  ASSERT_EQ(list.code, 0) << list.text;
  const std::string models = list.text.substr(list.text.find("models (faultline check --model):"));
  FaultlineOutput bad = Faultline("check --model nosuch /dev/null");
  EXPECT_EQ(bad.code, 3) << bad.text;
  for (const char* m : {"list-append", "rw-register", "kv", "register", "cas-register", "multi-register"}) {
    EXPECT_TRUE(HasSubstr(models, std::string("\n  ") + m + " ")) << m << "\n" << models;
    EXPECT_TRUE(HasSubstr(bad.text, m)) << m << "\n" << bad.text;
  }
  FaultlineOutput help = Faultline("help");
  EXPECT_TRUE(HasSubstr(help.text, "linearizability or transactional isolation")) << help.text;
}

TEST(HelpCliTest, CheckOfTransactionsWithoutModelNamesTheModel) {
  const std::string dir = TempDir("help-cli");
  ASSERT_FALSE(dir.empty());
  std::ofstream(dir + "/la.jsonl")
      << R"({"index":0,"type":"invoke","process":0,"f":"txn","value":[["append","x",1],["r","x",null]]})" "\n"
      << R"({"index":1,"type":"ok","process":0,"f":"txn","value":[["append","x",1],["r","x",[1]]]})" "\n";
  std::ofstream(dir + "/rw.edn") << "[{:type :invoke, :f :txn, :value [[:w :x 1]], :process 0}\n"
                                    " {:type :ok, :f :txn, :value [[:w :x 1]], :process 0}]\n";
  FaultlineOutput la = Faultline("check " + dir + "/la.jsonl");
  EXPECT_EQ(la.code, 3) << la.text;
  EXPECT_TRUE(HasSubstr(la.text, "model kv has no operation :txn")) << la.text;
  EXPECT_TRUE(HasSubstr(la.text, "check them with --model list-append\n")) << la.text;
  FaultlineOutput rw = Faultline("check " + dir + "/rw.edn");
  EXPECT_EQ(rw.code, 3) << rw.text;
  EXPECT_TRUE(HasSubstr(rw.text, "check them with --model rw-register\n")) << rw.text;
  fs::remove_all(dir);
}

// Every row of `list` (and of the command list) starts its summary in the
// same column, however long the longest name.
TEST(HelpCliTest, ListColumnsAreAligned) {
  for (const char* cmd : {"list", "help"}) {
    FaultlineOutput o = Faultline(cmd);
    ASSERT_EQ(o.code, 0) << o.text;
    std::istringstream lines(o.text);
    std::string line;
    size_t column = 0, rows = 0;
    while (std::getline(lines, line)) {
      if (line.rfind("  ", 0) != 0 || line.size() < 3 || line[2] == ' ') continue;
      size_t end = line.find(' ', 2);
      size_t summary = line.find_first_not_of(' ', end);
      ASSERT_NE(summary, std::string::npos) << line;
      if (column == 0) column = summary;
      EXPECT_EQ(summary, column) << cmd << ": " << line;
      EXPECT_GE(summary - end, 2u) << cmd << ": " << line;
      ++rows;
    }
    EXPECT_GT(rows, 5u) << o.text;
  }
}

TEST(HelpCliTest, ClusterDownOfNoSuchClusterSaysSo) {
  if (::geteuid() != 0) GTEST_SKIP() << "cluster down needs root";
  const std::string root = TempDir("help-cli-root");
  ASSERT_FALSE(root.empty());
  FaultlineOutput o = Faultline("cluster down --name nosuch9 --state-root " + root);
  EXPECT_EQ(o.code, 0) << o.text;  // idempotent
  EXPECT_EQ(o.text, "cluster nosuch9: no such cluster (nothing to remove)\n");
  EXPECT_FALSE(HasSubstr(o.text, "removed"));
  fs::remove_all(root);
}

}  // namespace
}  // namespace faultline
