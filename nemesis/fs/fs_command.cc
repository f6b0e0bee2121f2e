#include "nemesis/fs/fs_command.h"

#include <cstdlib>
#include <sstream>
#include <vector>

namespace faultline::fs {
namespace {

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0' || v < 0) return false;
  *out = v;
  return true;
}

bool ParseOps(const std::string& s, uint8_t* out) {
  uint8_t ops = 0;
  std::stringstream in(s);
  std::string one;
  while (std::getline(in, one, ',')) {
    if (one == "read") ops |= kOpRead;
    else if (one == "write") ops |= kOpWrite;
    else if (one == "fsync") ops |= kOpFsync;
    else if (one == "all") ops |= kOpAll;
    else return false;
  }
  if (ops == 0) return false;
  *out = ops;
  return true;
}

}  // namespace

std::optional<FsCommand> ParseFsCommand(const std::string& line, std::string* error) {
  std::stringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) {
    *error = "empty command";
    return std::nullopt;
  }
  FsCommand c;
  const std::string& name = words[0];
  if (name == "lose-unfsynced") c.kind = FsCommand::Kind::kLoseUnfsynced;
  else if (name == "corrupt") c.kind = FsCommand::Kind::kCorrupt;
  else if (name == "eio") c.kind = FsCommand::Kind::kEio;
  else if (name == "enospc") c.kind = FsCommand::Kind::kEnospc;
  else if (name == "slow") c.kind = FsCommand::Kind::kSlow;
  else if (name == "clear") c.kind = FsCommand::Kind::kClear;
  else if (name == "flush") c.kind = FsCommand::Kind::kFlush;
  else if (name == "status") c.kind = FsCommand::Kind::kStatus;
  else {
    *error = "unknown command \"" + name + "\" (lose-unfsynced, corrupt, eio, enospc, slow, clear, flush, status)";
    return std::nullopt;
  }
  bool has_ms = false;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    size_t eq = w.find('=');
    std::string key = eq == std::string::npos ? w : w.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : w.substr(eq + 1);
    auto bad = [&](const std::string& why) {
      *error = name + ": " + w + " " + why;
      return std::nullopt;
    };
    if (c.kind == FsCommand::Kind::kLoseUnfsynced && w == "tear") {
      c.tear = true;
    } else if (c.kind == FsCommand::Kind::kLoseUnfsynced && key == "dirs") {
      if (value == "posix") c.journal_dirs = false;
      else if (value == "journal") c.journal_dirs = true;
      else return bad("is not posix or journal");
    } else if (c.kind == FsCommand::Kind::kCorrupt && key == "file" && !value.empty()) {
      if (value[0] == '/' || value.find("..") != std::string::npos) return bad("must be a path inside the mount");
      c.file = value;
    } else if (c.kind == FsCommand::Kind::kCorrupt && key == "mode") {
      if (value == "bitflip") c.mode = CorruptMode::kBitflip;
      else if (value == "truncate") c.mode = CorruptMode::kTruncate;
      else if (value == "zero") c.mode = CorruptMode::kZero;
      else return bad("is not bitflip, truncate or zero");
    } else if (c.kind == FsCommand::Kind::kCorrupt && key == "offset") {
      int64_t v;
      if (!ParseInt(value, &v)) return bad("is not a byte offset");
      c.offset = v;
    } else if (c.kind == FsCommand::Kind::kCorrupt && key == "bytes") {
      if (!ParseInt(value, &c.bytes) || c.bytes == 0) return bad("is not a positive count");
    } else if (c.kind == FsCommand::Kind::kEio && key == "p") {
      char* end = nullptr;
      c.p = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(c.p >= 0 && c.p <= 1)) return bad("is not a fraction in [0, 1]");
    } else if ((c.kind == FsCommand::Kind::kEio || c.kind == FsCommand::Kind::kSlow) && key == "ops") {
      if (!ParseOps(value, &c.ops)) return bad("is not a list of read, write, fsync, all");
    } else if (c.kind == FsCommand::Kind::kSlow && key == "ms") {
      if (!ParseInt(value, &c.ms)) return bad("is not a number of milliseconds");
      has_ms = true;
    } else {
      return bad("is not an argument of " + name);
    }
  }
  if (c.kind == FsCommand::Kind::kSlow && !has_ms) {
    *error = "slow: needs ms=N";
    return std::nullopt;
  }
  return c;
}

}  // namespace faultline::fs
