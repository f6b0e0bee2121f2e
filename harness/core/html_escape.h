// HtmlEscape: text made safe to place inside HTML element content and inside
// single- or double-quoted attribute values (& < > " ' become entities).
// Shared by every page the project writes (report.html, linearizability.html)
// so that no page escapes differently. Pure; thread-safe.
#pragma once

#include <string>

namespace faultline {

std::string HtmlEscape(const std::string& text);

}  // namespace faultline
