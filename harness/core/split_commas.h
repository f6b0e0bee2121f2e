// SplitCommas: "a,b,c" -> {"a", "b", "c"}, the list syntax of flags and
// options (--nemesis partition,kill; consistency-models=a,b). Empty items
// ("a,,b", a trailing comma) are dropped. Pure.
#pragma once

#include <string>
#include <vector>

namespace faultline {

std::vector<std::string> SplitCommas(const std::string& text);

}  // namespace faultline
