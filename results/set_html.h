// SetHtml: the report's section for a set checker's result (checkers/
// set_checker.h), as Jepsen's set-full shows it: the counts first (attempted,
// acknowledged, in the final read, lost, unexpected, stale, duplicated,
// recovered, unread), then each listed element with when it was added (the
// add's invocation and completion times, outcome, node and process) and when
// it was last seen (the last ok read of its key that contained it: time, node,
// process), and what makes it a problem (the final read it is missing from,
// the stale read, the read that returned an element nobody added, ...).
//
// The checker's details name elements by key and value and reads by history
// index; the times, nodes and processes are looked up in `history` (so the
// section works for results.json files written before this section existed).
// An element or read the history does not have is shown as "?", never a
// crash: the details may come from a file. Every text is HTML-escaped.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "harness/core/op.h"

namespace faultline {

// True when `details` (one checker's entry of results.json) is a set
// checker's result: an "attempt_count" number and a "lost" list.
bool IsSetCheckResult(const json& details);

// The section's HTML (no heading of its own).
std::string SetSection(const json& details, const History& history);

// The CSS the section needs (class names start with "set-").
const char* SetSectionStyle();

}  // namespace faultline
