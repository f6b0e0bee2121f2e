#include "harness/core/text_lines.h"

#include <gtest/gtest.h>

#include "harness/core/format_double.h"

namespace faultline {
namespace {

// Error messages quote the end of a command's output: trailing blank lines and
// carriage returns must not make the quoted line empty.
TEST(TextLinesTest, LastLineSkipsTrailingBlanks) {
  EXPECT_EQ(LastLine("first\nError: no such container\n\n"), "Error: no such container");
  EXPECT_EQ(LastLine("only line\r\n"), "only line");
  EXPECT_EQ(LastLine(""), "");
  EXPECT_EQ(LastLine("\n\n"), "");
}

TEST(TextLinesTest, LastLinesKeepsTheLastNLines) {
  EXPECT_EQ(LastLines("a\nb\nc\nd\n", 2), "c\nd");
  EXPECT_EQ(LastLines("a\nb\n", 5), "a\nb");
  EXPECT_EQ(LastLines("a\nb\n", 0), "");
  EXPECT_EQ(LastLines("", 3), "");
}

TEST(TextLinesTest, TrimTrailingKeepsLeadingSpace) {
  EXPECT_EQ(TrimTrailing("  x \r\n"), "  x");
  EXPECT_EQ(TrimTrailing("\n"), "");
}

TEST(TextLinesTest, TrimDropsBlanksAtBothEnds) {
  EXPECT_EQ(Trim("\t 0000003fffffffff \n"), "0000003fffffffff");
  EXPECT_EQ(Trim(" \t\n"), "");
  EXPECT_EQ(Trim("a b"), "a b");
}

TEST(FormatDoubleTest, UsesThePrintfFormat) {
  EXPECT_EQ(FormatDouble("%g", 2.5), "2.5");
  EXPECT_EQ(FormatDouble("%.1f%%", 99.96), "100.0%");
  EXPECT_EQ(FormatDouble("%g", 1e6), "1e+06");
}

}  // namespace
}  // namespace faultline
