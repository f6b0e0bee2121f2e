// campaign.html and the text matrix (results/campaign_page.h): cells group
// the seeds of a combination with their detection rate, outcomes are
// coloured, crashed and not-applicable runs say why, links point at the runs'
// reports relative to the campaign directory; the page opens in headless
// Chromium without a console message and marks itself drawn (screenshot in
// build/test-screenshots/campaign.png).
#include "results/campaign_page.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/results/headless_chromium.h"
#include "tests/test_files.h"

namespace faultline {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json RunEntry(int index, const std::string& mode, const std::string& nemesis, int seed, const std::string& status,
         json verdict, const std::string& run_dir = "") {
  json r = {{"index", index}, {"key", mode + " | " + nemesis + " #" + std::to_string(seed)},
            {"labels", {mode, nemesis}}, {"seed", seed}, {"status", status}, {"expect", nullptr}};
  if (status == "done") r["verdict"] = verdict;
  if (status == "crashed") r["log_tail"] = "faultline test: n1: cannot connect";
  if (status == "not applicable") r["reason"] = "target memory runs in-process; nemeses need nodes";
  if (!run_dir.empty()) r["run_dir"] = run_dir;
  return r;
}

TEST(CampaignPageTest, MatrixCellsRatesLinksAndABrowserDrawsIt) {
  std::string dir = TempDir("campaign-page");
  ASSERT_FALSE(dir.empty());
  std::string campaign_dir = dir + "/store/campaigns/c/20261203T100000.000";
  std::string run_dir = dir + "/store/c-paxos-none/20261203T100001.000";
  fs::create_directories(campaign_dir);
  fs::create_directories(run_dir);
  std::ofstream(run_dir + "/report.html") << "<html><body>report</body></html>";
  json record = {{"name", "c"}, {"started", "2026-12-03T10:00:00Z"}, {"finished", "2026-12-03T10:05:00Z"},
                 {"exit_code", 4}, {"file", "c.json"}, {"dimensions", {"mode", "nemesis"}},
                 {"runs", {RunEntry(0, "paxos", "none", 1, "done", true, run_dir), RunEntry(1, "paxos", "none", 2, "done", true),
                           RunEntry(2, "paxos", "clock", 1, "done", false), RunEntry(3, "paxos", "clock", 2, "done", "unknown"),
                           RunEntry(4, "eventual", "none", 1, "crashed", nullptr),
                           RunEntry(5, "eventual", "clock", 1, "not applicable", nullptr)}}};
  std::string text = CampaignMatrixText(record);
  EXPECT_NE(text.find("paxos     valid 2/2    invalid 1/2, unknown 1/2"), std::string::npos) << text;
  EXPECT_NE(text.find("eventual  crashed 1/1  not applicable"), std::string::npos) << text;

  std::string html = CampaignPageHtml(record, campaign_dir);
  EXPECT_NE(html.find("href=\"../../../c-paxos-none/20261203T100001.000/report.html\""), std::string::npos);
  EXPECT_NE(html.find("background:#FEB5DA"), std::string::npos);  // the invalid seed
  EXPECT_NE(html.find("faultline test: n1: cannot connect"), std::string::npos);
  EXPECT_NE(html.find("nemeses need nodes"), std::string::npos);
  EXPECT_NE(html.find(">exit 4<"), std::string::npos);
  std::ofstream(campaign_dir + "/campaign.html") << html;

  ASSERT_FALSE(testing::ChromiumBinary().empty()) << "chromium is not installed: run scripts/install-deps.sh";
  testing::ChromiumRun run = testing::LoadPage("file://" + campaign_dir + "/campaign.html");
  EXPECT_TRUE(run.console.empty()) << run.console.front();
  EXPECT_NE(run.out.find("data-drawn=\"yes\""), std::string::npos) << run.out.substr(0, 500);
  std::string png = testing::ScreenshotPath("campaign");
  testing::ChromiumRun shot = testing::Screenshot("file://" + campaign_dir + "/campaign.html", png);
  EXPECT_TRUE(shot.console.empty());
  EXPECT_GT(fs::file_size(png), 10000u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace faultline
