#include "harness/history/edn.h"

#include <cerrno>
#include <cstdlib>

#include "harness/core/bounded_json.h"

namespace faultline {
namespace {

// Nesting deeper than this is treated as malformed input rather than risking
// stack exhaustion on hostile files (here and in every later copy or dump of
// the JSON value it becomes).
constexpr int kMaxDepth = static_cast<int>(kMaxNesting);

bool IsDelimiter(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == '(' || c == ')' ||
         c == '[' || c == ']' || c == '{' || c == '}' || c == '"' || c == ';' || c == '\f';
}

void AppendUtf8(std::string* out, unsigned cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int HexDigit(char h) {
  if (h >= '0' && h <= '9') return h - '0';
  if (h >= 'a' && h <= 'f') return h - 'a' + 10;
  if (h >= 'A' && h <= 'F') return h - 'A' + 10;
  return -1;
}

std::string Shorten(std::string_view s) {
  std::string out(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  return out;
}

}  // namespace

Status EdnReader::Error(const std::string& reason) const {
  return Status::Error("line " + std::to_string(line_) + ": " + reason);
}

char EdnReader::Take() {
  if (pos_ >= text_.size()) return '\0';
  char c = text_[pos_++];
  if (c == '\n') ++line_;
  return c;
}

void EdnReader::SkipSpace() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == '\f') {
      Take();
    } else if (c == ';') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else {
      break;
    }
  }
}

bool EdnReader::AtEnd() {
  SkipSpace();
  return pos_ >= text_.size();
}

char EdnReader::Peek() {
  SkipSpace();
  return pos_ < text_.size() ? text_[pos_] : '\0';
}

Status EdnReader::SkipDiscarded(int depth) {
  SkipSpace();
  // A loop, so a long run of "#_ x" cannot exhaust the stack.
  while (pos_ + 1 < text_.size() && text_[pos_] == '#' && text_[pos_ + 1] == '_') {
    pos_ += 2;
    auto discarded = ReadValueAt(depth + 1);
    if (!discarded.ok()) return discarded.status();
    SkipSpace();
  }
  return Status::Ok();
}

Result<json> EdnReader::ReadValue() { return ReadValueAt(0); }

Result<json> EdnReader::ReadValueAt(int depth) {
  if (depth > kMaxDepth) return Error("nesting deeper than " + std::to_string(kMaxDepth));
  Status skipped = SkipDiscarded(depth);
  if (!skipped.ok()) return skipped;
  if (pos_ >= text_.size()) return Error("unexpected end of input (truncated file?)");
  char c = text_[pos_];
  switch (c) {
    case '(':
      Take();
      return ReadCollection(')', depth, false);
    case '[':
      Take();
      return ReadCollection(']', depth, false);
    case '{':
      Take();
      return ReadCollection('}', depth, true);
    case ')':
    case ']':
    case '}':
      return Error(std::string("unexpected '") + c + "'");
    case '"':
      return ReadString();
    case '#': {
      Take();
      char n = pos_ < text_.size() ? text_[pos_] : '\0';
      if (n == '{') {
        Take();
        return ReadCollection('}', depth, false);  // set -> array
      }
      // Tagged literal: #tag value. The tag is a symbol; keep only the value.
      size_t start = pos_;
      while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) ++pos_;
      if (pos_ == start) return Error("'#' not followed by a tag, '{' or '_'");
      return ReadValueAt(depth + 1);
    }
    default:
      return ReadAtom();
  }
}

Result<json> EdnReader::ReadCollection(char close, int depth, bool is_map) {
  int open_line = line_;
  json out = is_map ? json::object() : json::array();
  while (true) {
    Status skipped = SkipDiscarded(depth);
    if (!skipped.ok()) return skipped;
    if (pos_ >= text_.size()) {
      return Status::Error("line " + std::to_string(line_) + ": unexpected end of input: '" +
                           std::string(1, close == ')' ? '(' : close == ']' ? '[' : '{') +
                           "' opened on line " + std::to_string(open_line) +
                           " is never closed (truncated file?)");
    }
    if (text_[pos_] == close) {
      Take();
      return out;
    }
    if (text_[pos_] == ')' || text_[pos_] == ']' || text_[pos_] == '}') {
      return Error(std::string("mismatched '") + text_[pos_] + "' (expected '" + close + "')");
    }
    auto item = ReadValueAt(depth + 1);
    if (!item.ok()) return item;
    if (!is_map) {
      out.push_back(std::move(*item));
      continue;
    }
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] == close) {
      return Error("map has a key without a value");
    }
    auto value = ReadValueAt(depth + 1);
    if (!value.ok()) return value;
    std::string key = item->is_string() ? item->get<std::string>() : item->dump();
    out[key] = std::move(*value);
  }
}

Result<json> EdnReader::ReadString() {
  int open_line = line_;
  Take();  // opening quote
  std::string s;
  while (true) {
    if (pos_ >= text_.size()) {
      return Status::Error("line " + std::to_string(line_) + ": string opened on line " +
                           std::to_string(open_line) + " is never closed (truncated file?)");
    }
    char c = Take();
    if (c == '"') return json(std::move(s));
    if (c != '\\') {
      s.push_back(c);
      continue;
    }
    char e = Take();
    switch (e) {
      case 'n': s.push_back('\n'); break;
      case 't': s.push_back('\t'); break;
      case 'r': s.push_back('\r'); break;
      case 'b': s.push_back('\b'); break;
      case 'f': s.push_back('\f'); break;
      case '"': s.push_back('"'); break;
      case '\\': s.push_back('\\'); break;
      case 'u': {
        if (pos_ + 4 > text_.size()) return Error("truncated \\u escape");
        unsigned cp = 0;
        for (size_t k = 0; k < 4; ++k) {
          int d = HexDigit(text_[pos_ + k]);
          if (d < 0) return Error("bad \\u escape \"\\u" + Shorten(text_.substr(pos_, 4)) + "\"");
          cp = cp * 16 + static_cast<unsigned>(d);
        }
        // A surrogate would become invalid UTF-8 (Clojure strings can hold
        // them; JSON text cannot), which a later dump() throws on.
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          return Error("\\u escape of a UTF-16 surrogate \"\\u" + std::string(text_.substr(pos_, 4)) + "\"");
        }
        pos_ += 4;
        AppendUtf8(&s, cp);
        break;
      }
      case '\0':
        return Error("string ends inside an escape (truncated file?)");
      default:
        return Error(std::string("unknown string escape '\\") + e + "'");
    }
  }
}

Result<json> EdnReader::ReadAtom() {
  size_t start = pos_;
  if (text_[pos_] == '\\') {
    // Character literal: \a, \newline, \space, \tab, \uXXXX.
    ++pos_;
    size_t cstart = pos_;
    if (pos_ < text_.size()) ++pos_;  // at least one character, even a delimiter
    while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) ++pos_;
    std::string_view name = text_.substr(cstart, pos_ - cstart);
    if (name == "newline") return json("\n");
    if (name == "space") return json(" ");
    if (name == "tab") return json("\t");
    if (name == "return") return json("\r");
    if (name.empty()) return Error("empty character literal");
    return json(std::string(name));
  }
  while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) ++pos_;
  std::string_view tok = text_.substr(start, pos_ - start);
  if (tok.empty()) return Error("unexpected character");
  if (tok == "nil") return json(nullptr);
  if (tok == "true") return json(true);
  if (tok == "false") return json(false);
  if (tok[0] == ':') {
    if (tok.size() == 1) return Error("empty keyword ':'");
    return json(std::string(tok.substr(1)));
  }
  char c0 = tok[0];
  bool numeric = (c0 >= '0' && c0 <= '9') ||
                 ((c0 == '-' || c0 == '+') && tok.size() > 1 && tok[1] >= '0' && tok[1] <= '9');
  if (!numeric) return json(std::string(tok));  // symbol
  std::string num(tok);
  if (num.back() == 'N' || num.back() == 'M') num.pop_back();
  if (auto slash = num.find('/'); slash != std::string::npos) {
    char* e1 = nullptr;
    char* e2 = nullptr;
    // Both parts named: e1 points into the numerator's buffer after strtod
    // (a temporary here was a use after scope, found by the EDN fuzzer).
    std::string numer = num.substr(0, slash);
    double a = std::strtod(numer.c_str(), &e1);
    std::string den = num.substr(slash + 1);
    double b = std::strtod(den.c_str(), &e2);
    if (*e1 != '\0' || *e2 != '\0' || b == 0) return Error("bad ratio \"" + Shorten(tok) + "\"");
    return json(a / b);
  }
  bool is_float = num.find_first_of(".eE") != std::string::npos;
  char* end = nullptr;
  errno = 0;
  if (!is_float) {
    long long v = std::strtoll(num.c_str(), &end, 10);
    if (*end == '\0' && errno == 0) return json(static_cast<int64_t>(v));
    errno = 0;
  }
  double d = std::strtod(num.c_str(), &end);
  if (*end != '\0' || num.empty()) return Error("bad number \"" + Shorten(tok) + "\"");
  return json(d);
}

Result<json> ParseEdn(std::string_view text) {
  if (size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    return Status::Error("invalid UTF-8 at byte " + std::to_string(bad + 1));
  }
  EdnReader reader(text);
  auto v = reader.ReadValue();
  if (!v.ok()) return v;
  if (!reader.AtEnd()) return Status::Error("line " + std::to_string(reader.line()) +
                                            ": unexpected text after the value");
  return v;
}

}  // namespace faultline
