// Parser for Jepsen's text logs (jepsen.log): the op lines Jepsen's
// jepsen.util/log-op prints, e.g.
//   INFO  jepsen.util - 3	:invoke	:read	nil
//   2017-03-16 08:53:13,617{GMT}	INFO	[jepsen worker 3] jepsen.util: 3	:ok	:cas	[1 4]
//   INFO  jepsen.util - :nemesis	:info	:start	nil
// Fields are separated by tabs or runs of spaces; the value is EDN, and any
// text after it is the op's error. Lines that are not op lines are ignored.
// Stateless; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

// Appends the ops found in `text` to `ops` and their 1-based line numbers to
// `lines`. Error (one line, "line L: reason") when an op line's value is not
// valid EDN.
Status ParseJepsenLog(std::string_view text, std::vector<Op>* ops, std::vector<int>* lines);

// True when `line` looks like a Jepsen op line (used by format sniffing).
bool IsJepsenLogOpLine(std::string_view line);

}  // namespace faultline
