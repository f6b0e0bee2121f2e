#include "harness/history/jepsen_log.h"

#include <cctype>
#include <string>

#include "harness/history/edn.h"

namespace faultline {
namespace {

struct Token {
  std::string_view text;
  size_t end;  // offset just past the token in the line
};

// Splits on tabs and runs of spaces, keeping offsets so the value (which may
// contain spaces, e.g. "[1 4]") can be taken from the rest of the line.
std::vector<Token> Tokenize(std::string_view line, size_t max_tokens) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < line.size() && out.size() < max_tokens) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back({line.substr(start, i - start), i});
  }
  return out;
}

bool IsProcessToken(std::string_view t) {
  if (t == ":nemesis" || t == "nemesis") return true;
  if (t.empty() || t.size() > 18) return false;
  for (char c : t) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsTypeToken(std::string_view t) {
  return t == ":invoke" || t == ":ok" || t == ":fail" || t == ":info";
}

// Index of the ":type" token of an op line, or -1.
int FindTypeToken(const std::vector<Token>& tokens) {
  for (size_t i = 1; i + 1 < tokens.size(); ++i) {
    if (IsTypeToken(tokens[i].text) && IsProcessToken(tokens[i - 1].text) &&
        tokens[i + 1].text.size() > 1 && tokens[i + 1].text[0] == ':') {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

bool IsJepsenLogOpLine(std::string_view line) { return FindTypeToken(Tokenize(line, 64)) >= 0; }

Status ParseJepsenLog(std::string_view text, std::vector<Op>* ops, std::vector<int>* lines) {
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find(":invoke") == std::string_view::npos && line.find(":ok") == std::string_view::npos &&
        line.find(":fail") == std::string_view::npos && line.find(":info") == std::string_view::npos) {
      continue;  // fast path: not an op line
    }
    auto tokens = Tokenize(line, 64);
    int t = FindTypeToken(tokens);
    if (t < 0) continue;
    Op op;
    std::string_view proc = tokens[t - 1].text;
    if (proc == ":nemesis" || proc == "nemesis") {
      op.process = kNemesisProcess;
    } else {
      op.process = std::stoll(std::string(proc));
    }
    op.type = *ParseOpType(tokens[t].text.substr(1));
    op.f = std::string(tokens[t + 1].text.substr(1));
    std::string_view rest = line.substr(tokens[t + 1].end);
    EdnReader reader(rest);
    if (!reader.AtEnd()) {
      auto value = reader.ReadValue();
      if (!value.ok()) {
        return Status::Error("line " + std::to_string(line_no) + ": cannot read the value of this " +
                             std::string(tokens[t].text) + " " + std::string(tokens[t + 1].text) +
                             " op (" + value.status().message() + ")");
      }
      op.value = std::move(*value);
      // Whatever follows the value is the error Jepsen logs for fail/info.
      std::string_view err = rest.substr(reader.offset());
      while (!err.empty() && (err.front() == ' ' || err.front() == '\t')) err.remove_prefix(1);
      while (!err.empty() && (err.back() == ' ' || err.back() == '\t')) err.remove_suffix(1);
      op.error = std::string(err);
    }
    op.index = -1;
    ops->push_back(std::move(op));
    lines->push_back(line_no);
  }
  return Status::Ok();
}

}  // namespace faultline
