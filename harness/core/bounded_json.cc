#include "harness/core/bounded_json.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace faultline {
namespace {

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line
// 1, column 3: syntax error ..."; keep what follows the last ": " prefix.
std::string Reason(const char* what) {
  std::string w = what;
  size_t bracket = w.find("] ");
  if (bracket != std::string::npos) w = w.substr(bracket + 2);
  size_t colon = w.find(": ");
  if (w.rfind("parse error", 0) == 0 && colon != std::string::npos) w = w.substr(colon + 2);
  return w.substr(0, 160);
}

}  // namespace

size_t FindInvalidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size(), i = 0;
  while (i < n) {
    // ASCII runs, 32 bytes a step (the usual history is all ASCII).
    while (i + 32 <= n) {
      uint64_t w[4];
      std::memcpy(w, s + i, 32);
      if (((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL) != 0) break;
      i += 32;
    }
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      return i;
    }
    if (i + len > n || s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

Status CheckJsonNesting(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      // Skip the string; an unterminated one is the parser's to report.
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return Status::Error("nesting deeper than " + std::to_string(max_depth) + " (at byte " +
                             std::to_string(i + 1) + ")");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return Status::Ok();
}

Result<nlohmann::json> ParseBoundedJson(std::string_view text, const JsonLimits& limits, JsonError* error) {
  JsonError scratch;
  JsonError* e = error ? error : &scratch;
  *e = JsonError{};
  if (text.size() > limits.max_bytes) {
    return Status::Error(std::to_string(text.size()) + " bytes exceed the limit of " +
                         std::to_string(limits.max_bytes));
  }
  Status nesting = CheckJsonNesting(text, limits.max_depth);
  if (!nesting.ok()) return nesting;
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& x) {
    e->syntax = true;
    e->byte = x.byte;
    return Status::Error("malformed JSON (at byte " + std::to_string(x.byte) + ": " + Reason(x.what()) + ")");
  } catch (const nlohmann::json::exception& x) {
    // out_of_range 406: "number overflow parsing '1e999'".
    return Status::Error("number out of range (" + Reason(x.what()) + ")");
  }
}

nlohmann::json ParseBoundedJsonOrDiscarded(std::string_view text, const JsonLimits& limits) {
  auto v = ParseBoundedJson(text, limits);
  return v.ok() ? std::move(*v) : nlohmann::json(nlohmann::json::value_t::discarded);
}

}  // namespace faultline
