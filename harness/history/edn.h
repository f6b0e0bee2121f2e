// EdnReader: a real reader for EDN (Clojure's data notation), producing JSON
// values, for Jepsen `history.edn` files and Knossos data files.
//
// Supported: nil/true/false, integers (with N suffix), floats (with M
// suffix), ratios (as floats), strings with escapes (\n \t \" \\ \uXXXX ...),
// characters (\a, \newline ...: as one-character strings), keywords
// (`:read` -> "read", the colon dropped), symbols (as strings), lists `()`,
// vectors `[]`, sets `#{}` (all as JSON arrays), maps `{}` (keyword/string
// keys become member names, other keys their EDN text), `;` comments, commas
// as whitespace, `#_` discard, and `#tag value` literals (`#inst "..."`,
// `#jepsen.history.Op{...}`: the tag is dropped, the value kept).
//
// Errors are one line "line L: reason" (L is 1-based). The reader is a value
// over a borrowed text buffer; not thread-safe, cheap to create.
#pragma once

#include <string>
#include <string_view>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

class EdnReader {
 public:
  explicit EdnReader(std::string_view text) : text_(text) {}

  // Skips whitespace, commas and comments; true when the input is exhausted.
  bool AtEnd();
  // The next significant character (after SkipSpace), or '\0' at the end.
  char Peek();
  // Consumes one character (used to enter/leave a top-level collection).
  void Advance() { Take(); }
  // 1-based line of the current position.
  int line() const { return line_; }
  // Offset of the current position in the text.
  size_t offset() const { return pos_; }

  // Reads one complete value. On error, returns "line L: reason".
  Result<json> ReadValue();

 private:
  Result<json> ReadValueAt(int depth);
  Result<json> ReadCollection(char close, int depth, bool is_map);
  Result<json> ReadString();
  // Skips space and any "#_ value" discards; error when a discarded value is malformed.
  Status SkipDiscarded(int depth);
  Result<json> ReadAtom();
  Status Error(const std::string& reason) const;
  char Take();
  void SkipSpace();

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

// Parses a whole EDN text holding exactly one value (e.g. "[1 4]", ":read").
Result<json> ParseEdn(std::string_view text);

}  // namespace faultline
