#include "harness/bounded_json.h"

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
