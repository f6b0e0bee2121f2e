// NodeNeeds: parsing the probe's lines, the one-line refusal, and the probe
// script itself run by the local shell (dash: the same POSIX sh a node has).
#include "nemesis/node_needs.h"

#include <gtest/gtest.h>

#include "nemesis/nemesis.h"
#include "tests/nemesis/local_shell_remote.h"

namespace faultline {
namespace {

TEST(NodeNeedsTest, ParsesOkAndMissingLinesAndFlagsSilentNeeds) {
  const std::vector<NodeNeed> needs = {NodeNeed::kIptables, NodeNeed::kFuse, NodeNeed::kSignals};
  auto missing = ParseNodeNeedsProbe(needs,
                                     "ok signals\n"
                                     "missing iptables iptables -S: Permission denied (you must be root)  \n"
                                     "some noise\n");
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[NodeNeed::kIptables], "iptables -S: Permission denied (you must be root)");
  EXPECT_EQ(missing[NodeNeed::kFuse], "the probe printed nothing for it");
  EXPECT_EQ(missing.count(NodeNeed::kSignals), 0u);
}

TEST(NodeNeedsTest, RefusalNamesFirstNodeNeedFaultAndOthers) {
  std::vector<NodeShortfall> shortfalls = {
      {"n1", {}},
      {"n2", {{NodeNeed::kIptables, "iptables -S: Permission denied (you must be root)"},
              {NodeNeed::kFuse, "no /dev/fuse"}}},
      {"n3", {{NodeNeed::kIptables, "iptables is not installed"}}},
  };
  std::map<NodeNeed, std::string> by = {{NodeNeed::kIptables, "partition, packet"}, {NodeNeed::kFuse, "disk"}};
  EXPECT_EQ(NodeShortfallMessage(shortfalls, by),
            "n2: fault partition, packet needs iptables, which fails there (iptables -S: Permission denied "
            "(you must be root)); the node needs iptables and CAP_NET_ADMIN (a container: --cap-add NET_ADMIN) "
            "(also missing on n3); n2 also lacks fuse");
  shortfalls[1].missing.clear();
  shortfalls[2].missing.clear();
  EXPECT_EQ(NodeShortfallMessage(shortfalls, by), "");
  EXPECT_EQ(NodeShortfallMessage({}, by), "");
}

TEST(NodeNeedsTest, NemesesDeclareTheirNeeds) {
  std::vector<std::unique_ptr<Nemesis>> owned;
  std::vector<Nemesis*> nemeses;
  for (const char* name : {"partition", "packet", "kill", "disk", "clock", "membership"}) {
    const auto* entry = NemesisRegistry::Get().Find(name);
    ASSERT_NE(entry, nullptr) << name;
    auto n = entry->factory({});
    ASSERT_TRUE(n.ok()) << name << ": " << n.status().message();
    nemeses.push_back(n->get());
    owned.push_back(std::move(*n));
  }
  auto by = NeedsOf(nemeses);
  EXPECT_EQ(by[NodeNeed::kIptables], "partition, packet");
  EXPECT_EQ(by[NodeNeed::kSignals], "kill, disk");
  EXPECT_EQ(by[NodeNeed::kFuse], "disk");
  EXPECT_EQ(by[NodeNeed::kMount], "disk");
  EXPECT_EQ(by[NodeNeed::kFaketime], "clock");
  EXPECT_EQ(by.count(NodeNeed::kSystemClock), 0u);
  auto system = NemesisRegistry::Get().Find("clock")->factory({{"clock-strategy", "system"}});
  ASSERT_TRUE(system.ok());
  EXPECT_EQ((*system)->NodeNeeds(), std::vector<NodeNeed>{NodeNeed::kSystemClock});
}

// Every probe runs under sh and answers (ok or missing with a reason); the
// signals probe succeeds for the process's own child on any host.
TEST(NodeNeedsTest, ProbeScriptAnswersEveryNeedUnderSh) {
  const std::vector<NodeNeed> all = {NodeNeed::kIptables, NodeNeed::kFuse,     NodeNeed::kMount,
                                     NodeNeed::kSignals,  NodeNeed::kFaketime, NodeNeed::kSystemClock};
  LocalShellRemote remote("n1", "127.0.0.1");
  auto r = remote.Exec(NodeNeedsProbeScript(all), "", std::chrono::seconds(30));
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto missing = ParseNodeNeedsProbe(all, r->out);
  for (const auto& [need, why] : missing) {
    EXPECT_NE(why, "the probe printed nothing for it") << NodeNeedName(need) << "\n" << r->out << r->err;
    EXPECT_EQ(why.find('\n'), std::string::npos);
  }
  EXPECT_EQ(missing.count(NodeNeed::kSignals), 0u) << r->out << r->err;
  EXPECT_EQ(r->out.find("sleep"), std::string::npos);  // the probe's child leaves no job message
}

}  // namespace
}  // namespace faultline
