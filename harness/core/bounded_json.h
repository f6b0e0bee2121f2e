// Bounded JSON parsing: the one place every parser of untrusted JSON goes
// through (history readers, test specs, the results loader, ringstore's HTTP
// bodies and peer RPC replies).
//
// Why: nlohmann::json parses any depth, but copying, comparing, dumping and
// destroying a value recurse once per level, so a 200 KB line of '['s
// overflows the stack (SIGSEGV) long after the parse "succeeded". And it
// reports a number like 1e999 as an out_of_range exception, not a parse error.
// ParseBoundedJson pre-scans the text (one pass, strings skipped) and refuses
// nesting deeper than `max_depth` or text longer than `max_bytes` before
// nlohmann sees it, and turns every nlohmann error into a Status.
//
// kMaxNesting is also the EDN reader's limit, so a value from any reader can
// be copied and dumped safely. Stateless functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace faultline {

// Deepest nesting of arrays/objects any parser accepts. Real histories,
// specs and bodies stay under 10; 256 keeps recursion cheap even under ASan.
inline constexpr size_t kMaxNesting = 256;

struct JsonLimits {
  size_t max_depth = kMaxNesting;
  size_t max_bytes = size_t{64} << 20;  // 64 MiB
};

// OK when `text`'s arrays/objects nest at most `max_depth` deep (brackets
// inside strings do not count); otherwise "nesting deeper than D (at byte N)".
// Does not validate the syntax.
Status CheckJsonNesting(std::string_view text, size_t max_depth = kMaxNesting);

// Where and why a parse failed, for callers that word their own message.
struct JsonError {
  bool syntax = false;  // a syntax error (else: size, depth or number range)
  size_t byte = 0;      // 1-based offset of the problem (0 when not known)
};

// Parses `text` as exactly one JSON value. Error (one line, the caller adds
// the place): "N bytes exceed the limit of M", "nesting deeper than D (at
// byte N)", "malformed JSON (at byte N: <what is wrong>)", or "number out of
// range (<the number>)". Never throws. `error` (may be null) gets the details.
Result<nlohmann::json> ParseBoundedJson(std::string_view text, const JsonLimits& limits = {},
                                        JsonError* error = nullptr);

// Offset of the first byte of `text` that is not well-formed UTF-8 (an
// overlong form, a surrogate, past U+10FFFF, or a truncated sequence), or
// npos when it all is. nlohmann refuses to dump() such strings (it throws),
// so readers that do not go through nlohmann's parser check their text here.
// ASCII runs are skipped 8 bytes at a time: histories are mostly ASCII.
size_t FindInvalidUtf8(std::string_view text);

// Drop-in for json::parse(text, nullptr, false): the value, or a discarded
// value (is_discarded()) on any of the errors above.
nlohmann::json ParseBoundedJsonOrDiscarded(std::string_view text, const JsonLimits& limits = {});

}  // namespace faultline
