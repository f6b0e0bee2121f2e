#include "harness/history/history_reader.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "harness/core/bounded_json.h"
#include "harness/core/json_text.h"
#include "harness/history/edn.h"
#include "harness/history/jepsen_log.h"

namespace faultline {
namespace {

std::string Keyword(const std::string& f) { return ":" + f; }

std::string ProcessName(int64_t p) { return p == kNemesisProcess ? "nemesis" : std::to_string(p); }

// The process model (DESIGN.md §1) checked one op at a time, so that the
// whole-history and the streaming readers word every violation alike.
class ProcessModelValidator {
 public:
  explicit ProcessModelValidator(const std::string& name) : name_(name) {}
  // Op number `pos`; `has_line`: `line` is its source line (else messages
  // say "event pos", as for a history without line numbers).
  Status Feed(const Op& op, size_t pos, bool has_line, int line) {
    if (op.is_nemesis()) return Status::Ok();
    auto it = open_.find(op.process);
    std::string where = has_line && line > 0 ? name_ + ":" + std::to_string(line)
                                             : name_ + ": event " + std::to_string(pos);
    if (op.is_invoke()) {
      if (it != open_.end()) {
        const Open& prev = it->second;
        if (prev.crashed) {
          return Status::Error(where + ": process " + ProcessName(op.process) + " invoked " + Keyword(op.f) +
                               " after its " + Keyword(prev.f) + " (" + prev.Place() +
                               ") ended with :info; a crashed process must not invoke again");
        }
        return Status::Error(where + ": process " + ProcessName(op.process) + " invoked " + Keyword(op.f) +
                             " while its " + Keyword(prev.f) + " (" + prev.Place() + ") is still open");
      }
      open_[op.process] = Open{pos, has_line, line, false, op.f};
      return Status::Ok();
    }
    if (it == open_.end() || it->second.crashed) {
      return Status::Error(where + ": process " + ProcessName(op.process) + " completed " + Keyword(op.f) +
                           " (:" + std::string(OpTypeName(op.type)) + ") without a matching invoke");
    }
    if (it->second.f != op.f) {
      return Status::Error(where + ": process " + ProcessName(op.process) + "'s :" +
                           std::string(OpTypeName(op.type)) + " " + Keyword(op.f) + " does not match its open " +
                           Keyword(it->second.f) + " (" + it->second.Place() + ")");
    }
    if (op.is_info()) {
      it->second.crashed = true;  // the process must not invoke again
    } else {
      open_.erase(it);
    }
    return Status::Ok();
  }

 private:
  struct Open {
    size_t pos;
    bool has_line;
    int line;
    bool crashed;  // the op ended with info
    std::string f;
    std::string Place() const { return has_line ? "line " + std::to_string(line) : "event " + std::to_string(pos); }
  };
  const std::string& name_;
  std::unordered_map<int64_t, Open> open_;  // process -> its open (or crashed) op
};

// Where the parsers put their ops: fills in missing indexes, validates the
// process model (keeping the first violation for after the parse, as a
// malformed line is reported before it) and hands each op to the sink.
class OpStream {
 public:
  OpStream(const std::string& name, HistorySink* sink) : validator_(name), sink_(sink) {}
  HistorySink* sink() const { return sink_; }
  Status Emit(Op&& op, int line, bool value_taken) {
    if (op.index < 0) op.index = static_cast<int64_t>(count_);
    if (violation_.ok()) violation_ = validator_.Feed(op, count_, true, line);
    ++count_;
    return sink_->OnOp(std::move(op), line, value_taken);
  }
  const Status& violation() const { return violation_; }

 private:
  ProcessModelValidator validator_;
  HistorySink* sink_;
  size_t count_ = 0;
  Status violation_;
};

// Converts one EDN op map (keys already keyword-stripped) to an Op.
Result<Op> OpFromEdnMap(const json& m) {
  if (!m.is_object()) return Status::Error("expected an op map {...}, got " + m.dump().substr(0, 60));
  Op op;
  bool has_type = false, has_process = false, has_f = false;
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    if (k == "type") {
      if (!v.is_string()) return Status::Error(":type is not a keyword");
      auto t = ParseOpType(v.get<std::string>());
      if (!t.ok()) return t.status();
      op.type = *t;
      has_type = true;
    } else if (k == "process") {
      if (v.is_number_integer() && v.get<int64_t>() >= 0) {
        op.process = v.get<int64_t>();
      } else if (v.is_string() && v.get<std::string>() == "nemesis") {
        op.process = kNemesisProcess;
      } else {
        return Status::Error(":process must be a non-negative integer or :nemesis, got " + v.dump());
      }
      has_process = true;
    } else if (k == "f") {
      op.f = v.is_string() ? v.get<std::string>() : v.dump();
      has_f = true;
    } else if (k == "value") {
      op.value = v;
    } else if (k == "time") {
      auto t = TimeFromJson(v);
      if (!t.ok()) return Status::Error(":time " + t.status().message());
      op.time = *t;
    } else if (k == "index") {
      if (!v.is_number_integer()) return Status::Error(":index is not an integer");
      op.index = v.get<int64_t>();
    } else if (k == "key") {
      op.key = v;
    } else if (k == "node") {
      op.node = v.is_string() ? v.get<std::string>() : v.dump();
    } else if (k == "error") {
      if (!v.is_null()) op.error = v.is_string() ? v.get<std::string>() : v.dump();
    } else {
      op.extra[k] = v;
    }
  }
  if (!has_type) return Status::Error("op has no :type");
  if (!has_process) return Status::Error("op has no :process");
  if (!has_f) return Status::Error("op has no :f");
  return op;
}

Status ReadEdn(std::string_view text, OpStream* out) {
  EdnReader reader(text);
  if (reader.AtEnd()) return Status::Ok();
  char c = reader.Peek();
  bool collection = c == '[' || c == '(';
  char close = c == '[' ? ']' : ')';
  int open_line = reader.line();
  if (collection) reader.Advance();
  while (true) {
    if (reader.AtEnd()) {
      if (collection) {
        return Status::Error("line " + std::to_string(reader.line()) + ": unexpected end of input: '" +
                             std::string(1, c) + "' opened on line " + std::to_string(open_line) +
                             " is never closed (truncated file?)");
      }
      return Status::Ok();
    }
    if (collection && reader.Peek() == close) {
      reader.Advance();
      if (!reader.AtEnd()) {
        return Status::Error("line " + std::to_string(reader.line()) +
                             ": unexpected text after the history's closing '" + std::string(1, close) +
                             "'");
      }
      return Status::Ok();
    }
    int line = reader.line();
    auto value = reader.ReadValue();
    if (!value.ok()) return value.status();
    auto op = OpFromEdnMap(*value);
    if (!op.ok()) return op.status().Prefixed("line " + std::to_string(line));
    Status s = out->Emit(std::move(*op), line, false);
    if (!s.ok()) return s;
  }
}


// ---- JSON Lines fast path ----
// Canonical lines are parsed member by member without building a JSON
// document for the whole object (2,000,000-line histories are common). Any
// line the fast path is not sure about (escapes, odd types, duplicates,
// syntax errors) returns false and goes through nlohmann + OpFromJson, which
// also produce the error messages.
class LineScanner {
 public:
  explicit LineScanner(std::string_view s) : s_(s) {}
  void Ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool Eat(char c) {
    Ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    Ws();
    return i_ == s_.size();
  }
  // A string without escapes.
  bool SimpleString(std::string_view* out) {
    Ws();
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    ++i_;
    return ScanPlainJsonString(s_, &i_, out);
  }
  // The text of one JSON value (not validated here).
  bool ValueSpan(std::string_view* out) {
    Ws();
    size_t start = i_;
    int depth = 0;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        while (i_ < s_.size() && s_[i_] != '"') i_ += s_[i_] == '\\' ? 2 : 1;
        if (i_ >= s_.size()) return false;
        ++i_;
        if (depth == 0) break;
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;
        if (--depth == 0) {
          ++i_;
          break;
        }
      } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\r')) {
        break;
      }
      ++i_;
    }
    if (depth != 0 || i_ == start) return false;
    *out = s_.substr(start, i_ - start);
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// Anything unusual goes to the slow path, which words the error: so a value
// the bounded parser refuses (too deep, a number out of range) is not taken
// here either.
bool FastValueSlow(std::string_view t, json* out) {
  auto v = ParseBoundedJson(t);
  if (!v.ok()) return false;
  *out = std::move(*v);
  return true;
}

// Nested arrays of small integers, nulls and plain strings (no escapes or
// control characters; the text was checked for UTF-8 already), as
// transactions' micro-op lists are, e.g. [["append",3,7],["r",4,[1,2]]].
// False (nothing consumed that matters) for anything else: the caller then
// takes the slow path, which also words any error.
bool FastNestedArray(std::string_view t, size_t* i, json* out, int depth) {
  auto ws = [&] {
    while (*i < t.size() && (t[*i] == ' ' || t[*i] == '\t' || t[*i] == '\r')) ++*i;
  };
  if (depth > 8 || *i >= t.size() || t[*i] != '[') return false;
  ++*i;
  *out = json::array();
  ws();
  if (*i < t.size() && t[*i] == ']') {
    ++*i;
    return true;
  }
  while (true) {
    ws();
    if (*i >= t.size()) return false;
    char c = t[*i];
    if (c == '[') {
      json inner;
      if (!FastNestedArray(t, i, &inner, depth + 1)) return false;
      out->push_back(std::move(inner));
    } else if (c == '"') {
      size_t start = ++*i;
      while (*i < t.size() && t[*i] != '"') {
        if (t[*i] == '\\' || static_cast<unsigned char>(t[*i]) < 0x20) return false;
        ++*i;
      }
      if (*i >= t.size()) return false;
      out->push_back(std::string(t.substr(start, *i - start)));
      ++*i;
    } else {
      size_t start = *i;
      while (*i < t.size() && t[*i] != ',' && t[*i] != ']' && t[*i] != ' ' && t[*i] != '\t' && t[*i] != '\r') ++*i;
      std::string_view item = t.substr(start, *i - start);
      int64_t v;
      if (item == "null") {
        out->push_back(nullptr);
      } else if (ParseJsonInt(item, &v)) {
        out->push_back(v);
      } else {
        return false;
      }
    }
    ws();
    if (*i >= t.size()) return false;
    if (t[*i] == ']') {
      ++*i;
      return true;
    }
    if (t[*i] != ',') return false;
    ++*i;
  }
}

// A value: null, a small integer, a plain string or a flat list of those
// directly; nested lists of those (transactions) by FastNestedArray;
// anything else through nlohmann.
bool FastValue(std::string_view t, json* out) {
  int64_t v;
  if (t == "null") {
    *out = nullptr;
  } else if (ParseJsonInt(t, &v)) {
    *out = v;
  } else if (t.size() >= 2 && t.front() == '"' && t.find('\\') == std::string_view::npos) {
    *out = std::string(t.substr(1, t.size() - 2));
  } else if (t.size() >= 2 && t.front() == '[' && t.back() == ']' &&
             t.find_first_of("[{\"", 1) == std::string_view::npos) {
    // A flat list of integers/nulls, e.g. a cas value [1,4].
    json arr = json::array();
    std::string_view body = t.substr(1, t.size() - 2);
    size_t p = 0;
    while (body.find_first_not_of(" \t") != std::string_view::npos) {
      size_t comma = body.find(',', p);
      std::string_view item = body.substr(p, comma == std::string_view::npos ? std::string_view::npos : comma - p);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (item == "null") {
        arr.push_back(nullptr);
      } else if (ParseJsonInt(item, &v)) {
        arr.push_back(v);
      } else {
        return FastValueSlow(t, out);
      }
      if (comma == std::string_view::npos) break;
      p = comma + 1;
    }
    *out = std::move(arr);
  } else if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
    size_t i = 0;
    json v;
    if (!FastNestedArray(t, &i, &v, 0) || i != t.size()) return FastValueSlow(t, out);
    *out = std::move(v);
  } else {
    return FastValueSlow(t, out);
  }
  return true;
}

// `sink` may take the value's text itself (*value_taken set).
bool ParseOpLineFast(std::string_view line, Op* op, HistorySink* sink, bool* value_taken) {
  LineScanner sc(line);
  if (!sc.Eat('{')) return false;
  unsigned seen = 0;
  enum : unsigned { kType = 1, kProcess = 2, kF = 4 };
  std::vector<std::string_view> extra_keys;
  if (!sc.Eat('}')) {
    do {
      std::string_view key, span;
      if (!sc.SimpleString(&key) || !sc.Eat(':') || !sc.ValueSpan(&span)) return false;
      std::string_view str;
      int64_t num;
      if (key == "type") {
        if (seen & kType || span.size() < 2 || span.front() != '"') return false;
        auto t = ParseOpType(span.substr(1, span.size() - 2));
        if (!t.ok()) return false;
        op->type = *t;
        seen |= kType;
      } else if (key == "process") {
        if (seen & kProcess) return false;
        if (ParseJsonInt(span, &num) && num >= 0) {
          op->process = num;
        } else if (span == "\"nemesis\"") {
          op->process = kNemesisProcess;
        } else {
          return false;
        }
        seen |= kProcess;
      } else if (key == "f") {
        if (seen & kF || span.size() < 2 || span.front() != '"' || span.find('\\') != std::string_view::npos) {
          return false;
        }
        op->f = std::string(span.substr(1, span.size() - 2));
        seen |= kF;
      } else if (key == "index") {
        if (!ParseJsonInt(span, &num)) return false;
        op->index = num;
      } else if (key == "time") {
        if (!ParseJsonInt(span, &num)) return false;
        op->time = num;
      } else if (key == "value") {
        if (sink->TakeValue(span)) {
          *value_taken = true;
        } else if (!FastValue(span, &op->value)) {
          return false;
        }
      } else if (key == "key") {
        if (!FastValue(span, &op->key)) return false;
      } else if (key == "node") {
        if (span.size() < 2 || span.front() != '"' || span.find('\\') != std::string_view::npos) return false;
        op->node = std::string(span.substr(1, span.size() - 2));
      } else {
        for (auto k : extra_keys) {
          if (k == key) return false;
        }
        extra_keys.push_back(key);
        json v;
        if (!FastValue(span, &v)) return false;
        if (key == "error") {
          op->error = v.is_string() ? v.get<std::string>() : v.dump();
        } else {
          op->extra[std::string(key)] = std::move(v);
        }
      }
    } while (sc.Eat(','));
    if (!sc.Eat('}')) return false;
  }
  return sc.AtEnd() && seen == (kType | kProcess | kF);
}

// One op is a few hundred bytes; a line this long is not a history.
constexpr size_t kMaxLineBytes = size_t{16} << 20;

// Parses the lines of `text` (whole lines; the first is line `first_line`).
// `is_end` says whether `text` ends the file (a last line without newline
// may be a truncated write).
Status ReadJsonlLines(std::string_view text, int first_line, bool is_end, OpStream* out) {
  constexpr size_t kProgressEvery = size_t{4} << 20;
  size_t pos = 0, next_progress = kProgressEvery;
  int line_no = first_line - 1;
  while (pos < text.size()) {
    if (pos >= next_progress) {
      out->sink()->OnProgress(pos, text.size());
      next_progress = pos + kProgressEvery;
    }
    size_t nl = text.find('\n', pos);
    bool last_without_newline = nl == std::string_view::npos && is_end;
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    {
      Op fast;
      bool taken = false;
      if (ParseOpLineFast(line, &fast, out->sink(), &taken)) {
        Status s = out->Emit(std::move(fast), line_no, taken);
        if (!s.ok()) return s;
        continue;
      }
    }
    JsonError error;
    auto j = ParseBoundedJson(line, JsonLimits{kMaxNesting, kMaxLineBytes}, &error);
    if (!j.ok() && error.syntax) {
      std::string why = last_without_newline ? "truncated or malformed JSON" : "malformed JSON";
      return Status::Error("line " + std::to_string(line_no) + ": " + why + " (at byte " +
                           std::to_string(error.byte) + " of the line)");
    }
    if (!j.ok()) return j.status().Prefixed("line " + std::to_string(line_no));
    auto op = OpFromJson(*j);
    if (!op.ok()) return op.status().Prefixed("line " + std::to_string(line_no));
    Status s = out->Emit(std::move(*op), line_no, false);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status ReadJsonl(std::string_view text, OpStream* out) {
  // One thread on purpose: parsing in parallel chunks measured slower here,
  // since merging the chunks moves every op once more.
  return ReadJsonlLines(text, 1, true, out);
}

// "line L: reason" -> "name:L: reason".
Status Locate(const Status& s, const std::string& name) {
  const std::string& m = s.message();
  if (m.rfind("line ", 0) == 0) {
    size_t colon = m.find(':');
    if (colon != std::string::npos) {
      return Status::Error(name + ":" + m.substr(5, colon - 5) + m.substr(colon));
    }
  }
  return Status::Error(name + ": " + m);
}

}  // namespace

Result<HistoryFormat> ParseHistoryFormat(const std::string& name) {
  if (name == "auto") return HistoryFormat::kAuto;
  if (name == "jsonl") return HistoryFormat::kJsonl;
  if (name == "edn") return HistoryFormat::kEdn;
  if (name == "jepsen-log") return HistoryFormat::kJepsenLog;
  return Status::Error("unknown history format \"" + name + "\" (known: auto, jsonl, edn, jepsen-log)");
}

std::string_view HistoryFormatName(HistoryFormat format) {
  switch (format) {
    case HistoryFormat::kAuto: return "auto";
    case HistoryFormat::kJsonl: return "jsonl";
    case HistoryFormat::kEdn: return "edn";
    case HistoryFormat::kJepsenLog: return "jepsen-log";
  }
  return "auto";
}

Result<HistoryFormat> SniffHistoryFormat(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                             text[i] == '\r' || text[i] == ',')) {
    ++i;
  }
  if (i == text.size()) return HistoryFormat::kJsonl;  // empty: an empty history in any format
  char c = text[i];
  if (c == '[' || c == '(' || c == ';' || c == '#') return HistoryFormat::kEdn;
  if (c == '{') {
    size_t j = i + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r')) ++j;
    if (j < text.size() && text[j] == '"') return HistoryFormat::kJsonl;
    if (j < text.size() && (text[j] == ':' || text[j] == '}')) return HistoryFormat::kEdn;
  }
  // Jepsen logs: look for an op line in the first lines.
  size_t pos = 0;
  for (int n = 0; n < 2000 && pos < text.size(); ++n) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    if (IsJepsenLogOpLine(text.substr(pos, nl - pos))) return HistoryFormat::kJepsenLog;
    pos = nl + 1;
  }
  return Status::Error("cannot tell the history format (not JSON Lines, EDN or a Jepsen log); "
                       "use --format");
}

Status ValidateHistory(const History& history, const std::vector<int>& lines, const std::string& name) {
  ProcessModelValidator validator(name);
  for (size_t i = 0; i < history.size(); ++i) {
    bool has_line = i < lines.size();
    Status s = validator.Feed(history[i], i, has_line, has_line ? lines[i] : 0);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

namespace {

// The whole-history reader's sink: every op, and its line.
class CollectingSink : public HistorySink {
 public:
  CollectingSink(History* ops, std::vector<int>* lines) : ops_(ops), lines_(lines) {}
  Status OnOp(Op&& op, int line, bool) override {
    ops_->push_back(std::move(op));
    lines_->push_back(line);
    return Status::Ok();
  }

 private:
  History* ops_;
  std::vector<int>* lines_;
};

// What both readers share: format, UTF-8, the parsers, validation. `format`
// is set to the format read.
Status StreamOps(std::string_view text, const std::string& name, HistoryFormat* format, HistorySink* sink) {
  if (*format == HistoryFormat::kAuto) {
    auto sniffed = SniffHistoryFormat(text);
    if (!sniffed.ok()) return sniffed.status().Prefixed(name);
    *format = *sniffed;
  }
  // Checked once for every format: strings from the JSONL fast path, EDN and
  // Jepsen logs are taken byte for byte, and a later dump() of invalid UTF-8
  // throws (found by the reader fuzzers).
  if (size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    line_start = line_start == std::string_view::npos || bad == 0 ? 0 : line_start + 1;
    size_t line = static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n')) + 1;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
    return Status::Error(name + ":" + std::to_string(line) + ": invalid UTF-8 (byte " + byte + " at column " +
                         std::to_string(bad - line_start + 1) + ")");
  }
  OpStream out(name, sink);
  Status s;
  switch (*format) {
    case HistoryFormat::kJsonl: s = ReadJsonl(text, &out); break;
    case HistoryFormat::kEdn: s = ReadEdn(text, &out); break;
    case HistoryFormat::kJepsenLog: {
      // Jepsen logs are small (they are printed for humans): parsed whole.
      History ops;
      std::vector<int> lines;
      s = ParseJepsenLog(text, &ops, &lines);
      for (size_t i = 0; s.ok() && i < ops.size(); ++i) s = out.Emit(std::move(ops[i]), lines[i], false);
      break;
    }
    case HistoryFormat::kAuto: break;
  }
  if (!s.ok()) return Locate(s, name);
  return out.violation();
}

// Calls `read(text)` on the file's bytes: mapped for regular files
// (histories can be hundreds of MB), read for pipes and the like.
template <typename Read>
auto WithFileText(const std::string& path, Read read) -> decltype(read(std::string_view())) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(path + ": cannot open (" + std::string(std::strerror(errno)) + ")");
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return Status::Error(path + ": cannot stat (" + std::string(std::strerror(errno)) + ")");
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return Status::Error(path + ": is a directory, not a history file");
  }
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    size_t size = static_cast<size_t>(st.st_size);
    // MAP_POPULATE: the pages are mapped in one go rather than faulted in
    // one by one as the text is scanned.
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return Status::Error(path + ": cannot map (" + std::string(std::strerror(errno)) + ")");
    madvise(p, size, MADV_SEQUENTIAL);
    auto result = read(std::string_view(static_cast<const char*>(p), size));
    munmap(p, size);
    return result;
  }
  std::string text;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  int err = errno;
  close(fd);
  if (n < 0) return Status::Error(path + ": read error (" + std::string(std::strerror(err)) + ")");
  return read(std::string_view(text));
}

}  // namespace

Status StreamHistoryText(std::string_view text, const std::string& name, HistoryFormat format, HistorySink* sink) {
  return StreamOps(text, name, &format, sink);
}

Status StreamHistoryFile(const std::string& path, HistoryFormat format, HistorySink* sink) {
  return WithFileText(path, [&](std::string_view text) { return StreamOps(text, path, &format, sink); });
}

Result<History> ReadHistoryText(std::string_view text, const std::string& name,
                                const HistoryReadOptions& options, HistoryReadInfo* info) {
  HistoryFormat format = options.format;
  History ops;
  std::vector<int> lines;
  size_t expected = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  ops.reserve(expected);
  lines.reserve(expected);
  CollectingSink sink(&ops, &lines);
  Status s = StreamOps(text, name, &format, &sink);
  if (!s.ok()) return s;
  HistoryReadInfo found;
  found.format = format;
  // Only the formats Jepsen writes are split unasked: faultline's own JSONL
  // carries keys in "key".
  bool split = options.independent == IndependentMode::kYes ||
               (options.independent == IndependentMode::kAuto && format != HistoryFormat::kJsonl &&
                LooksIndependent(ops));
  if (split) {
    auto keys = SplitIndependentKeys(&ops, lines, name);
    if (!keys.ok()) return keys.status();
    found.independent = true;
    found.keys = *keys;
  }
  if (info) {
    found.lines = std::move(lines);
    *info = std::move(found);
  }
  return ops;
}

Result<History> ReadHistoryText(std::string_view text, const std::string& name, HistoryFormat format) {
  HistoryReadOptions options;
  options.format = format;
  return ReadHistoryText(text, name, options, nullptr);
}

Result<History> ReadHistoryFile(const std::string& path, HistoryFormat format) {
  HistoryReadOptions options;
  options.format = format;
  return ReadHistoryFile(path, options, nullptr);
}

Result<History> ReadHistoryFile(const std::string& path, const HistoryReadOptions& options,
                                HistoryReadInfo* info) {
  return WithFileText(path, [&](std::string_view text) { return ReadHistoryText(text, path, options, info); });
}

}  // namespace faultline
