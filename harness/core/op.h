// harness/core — the vocabulary every other room speaks: Op and History, Status
// and Result, the seeded Rng, name registries, command-line Flags and exit
// codes, and small pure helpers (base64, HTML escaping, URL and HTTP client
// setup). Depends on nothing else in faultline.
//
// Op: one history event (DESIGN.md §1), and its canonical JSON form.
//
// An operation is an `invoke` followed by exactly one completion (`ok`, `fail`
// or `info`) from the same process. `ok` = took effect, `fail` = certainly did
// not, `info` = unknown (may take effect at any later time). Nemesis events use
// process kNemesisProcess ("nemesis" in JSON) and type info. Plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace faultline {

using json = nlohmann::json;

enum class OpType { kInvoke, kOk, kFail, kInfo };

// "invoke" / "ok" / "fail" / "info".
std::string_view OpTypeName(OpType type);
// Parses a type name; error names the bad word.
Result<OpType> ParseOpType(std::string_view name);

// The nemesis's process id ("nemesis" in JSON).
inline constexpr int64_t kNemesisProcess = -1;

struct Op {
  int64_t index = -1;        // position in the history; -1 until recorded
  int64_t time = 0;          // nanoseconds since the run started (monotonic)
  OpType type = OpType::kInvoke;
  int64_t process = 0;       // worker process id, or kNemesisProcess
  std::string f;             // operation name: "read", "write", "cas", ...
  json value;                // argument or result; null when absent
  json key;                  // key for keyed workloads; null when not keyed
  std::string node;          // node the client talked to; empty if unknown
  std::string error;         // error text of a fail/info completion; empty if none
  json extra;  // unknown fields, preserved on read and write (null = none: no allocation per op)

  bool is_invoke() const { return type == OpType::kInvoke; }
  bool is_ok() const { return type == OpType::kOk; }
  bool is_fail() const { return type == OpType::kFail; }
  bool is_info() const { return type == OpType::kInfo; }
  bool is_nemesis() const { return process == kNemesisProcess; }
  bool is_client() const { return process != kNemesisProcess; }
};

using History = std::vector<Op>;

// Canonical JSON object: index, time, type, process, f, value, [key], [node],
// [error], then the extra fields.
json OpToJson(const Op& op);
// Appends OpToJson(op) without its "index" as one line of JSON (no newline)
// to `out`: the same bytes as OpToJson(op).dump() with invalid UTF-8
// replaced, built without the intermediate json object (the history writer
// calls it for every event).
void AppendOpJsonWithoutIndex(const Op& op, std::string* out);
// Parses the canonical form. Requires type, process (integer or "nemesis") and f;
// the error says which field is missing or malformed.
Result<Op> OpFromJson(const json& j);

// An op's time from a JSON number (integer, or a float within int64's range).
Result<int64_t> TimeFromJson(const json& v);

// Short one-line text, e.g. `3 ok cas k7 [1,4]`, for messages and reports.
std::string OpToString(const Op& op);

}  // namespace faultline
