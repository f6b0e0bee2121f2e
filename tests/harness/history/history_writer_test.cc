#include "harness/history/history_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace faultline {
namespace {

TEST(HistoryWriterTest, WritesOneValidJsonLinePerOpWithIndexes) {
  std::string path = ::testing::TempDir() + "/hist_" + std::to_string(::getpid()) + ".jsonl";
  auto w = HistoryWriter::Open(path, 2);
  ASSERT_TRUE(w.ok()) << w.status().message();
  Op op;
  op.process = 1;
  op.f = "write";
  op.value = 3;
  EXPECT_EQ((*w)->Append(op), 0);
  op.type = OpType::kOk;
  EXPECT_EQ((*w)->Append(op), 1);
  // Before Close the lines are already in the file: a crash keeps them.
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    auto parsed = OpFromJson(json::parse(line));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->index, n);
    ++n;
  }
  EXPECT_EQ(n, 2);
  EXPECT_TRUE((*w)->Close().ok());
  ::unlink(path.c_str());
}

TEST(HistoryWriterTest, UnwritablePathIsAnError) {
  auto w = HistoryWriter::Open("/nonexistent-dir/x.jsonl");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("/nonexistent-dir/x.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace faultline
