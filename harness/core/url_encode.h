// Percent-encoding of one URL path segment (RFC 3986 unreserved characters
// kept, every other byte as %XX), as the ringstore API expects keys: "a/b" ->
// "a%2Fb", so a key can hold any bytes. Pure; thread-safe.
#pragma once

#include <string>

namespace faultline {

std::string EncodePathSegment(const std::string& segment);

}  // namespace faultline
