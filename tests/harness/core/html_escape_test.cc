#include "harness/core/html_escape.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

TEST(HtmlEscapeTest, EscapesEveryCharacterSpecialInContentOrAttributes) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  EXPECT_EQ(HtmlEscape("plain text, ünïcode"), "plain text, ünïcode");
  EXPECT_EQ(HtmlEscape(""), "");
  // Already-escaped text is escaped again (the input is text, not HTML).
  EXPECT_EQ(HtmlEscape("&amp;"), "&amp;amp;");
}

}  // namespace
}  // namespace faultline
