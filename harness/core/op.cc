#include "harness/core/op.h"

#include <charconv>
#include <cstdio>

namespace faultline {

std::string_view OpTypeName(OpType type) {
  switch (type) {
    case OpType::kInvoke: return "invoke";
    case OpType::kOk: return "ok";
    case OpType::kFail: return "fail";
    case OpType::kInfo: return "info";
  }
  return "?";
}

Result<OpType> ParseOpType(std::string_view name) {
  if (name == "invoke") return OpType::kInvoke;
  if (name == "ok") return OpType::kOk;
  if (name == "fail") return OpType::kFail;
  if (name == "info") return OpType::kInfo;
  // The name comes from untrusted text: control characters (a decoded \n)
  // are shown escaped so the error stays one line; long names are cut.
  std::string shown;
  for (char c : name.substr(0, 40)) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(c));
      shown += buf;
    } else {
      shown += c;
    }
  }
  if (name.size() > 40) shown += "...";
  return Status::Error("unknown op type \"" + shown + "\" (expected invoke, ok, fail or info)");
}

json OpToJson(const Op& op) {
  json j = json::object();
  if (op.index >= 0) j["index"] = op.index;
  j["time"] = op.time;
  j["type"] = OpTypeName(op.type);
  if (op.is_nemesis()) {
    j["process"] = "nemesis";
  } else {
    j["process"] = op.process;
  }
  j["f"] = op.f;
  j["value"] = op.value;
  if (!op.key.is_null()) j["key"] = op.key;
  if (!op.node.empty()) j["node"] = op.node;
  if (!op.error.empty()) j["error"] = op.error;
  for (auto it = op.extra.begin(); it != op.extra.end(); ++it) {
    if (!j.contains(it.key())) j[it.key()] = it.value();
  }
  return j;
}

namespace {

constexpr auto kReplace = json::error_handler_t::replace;

void AppendString(const std::string& text, std::string* out) {
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {  // needs escaping or UTF-8 checks
      out->append(json(text).dump(-1, ' ', false, kReplace));
      return;
    }
  }
  out->push_back('"');
  out->append(text);
  out->push_back('"');
}

template <typename Int>
void AppendInt(Int v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// json::dump for the common shapes (null, integers, strings, arrays of them);
// anything else through dump itself.
void AppendValue(const json& v, std::string* out) {
  switch (v.type()) {
    case json::value_t::null: out->append("null"); return;
    case json::value_t::boolean: out->append(v.get<bool>() ? "true" : "false"); return;
    case json::value_t::number_integer: AppendInt(v.get<int64_t>(), out); return;
    case json::value_t::number_unsigned: AppendInt(v.get<uint64_t>(), out); return;
    case json::value_t::string: AppendString(v.get_ref<const std::string&>(), out); return;
    case json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const json& e : v) {
        if (!first) out->push_back(',');
        first = false;
        AppendValue(e, out);
      }
      out->push_back(']');
      return;
    }
    default: out->append(v.dump(-1, ' ', false, kReplace));
  }
}

}  // namespace

void AppendOpJsonWithoutIndex(const Op& op, std::string* out) {
  if (!op.extra.empty()) {  // extra fields interleave by name: the general path
    Op copy = op;
    copy.index = -1;
    out->append(OpToJson(copy).dump(-1, ' ', false, kReplace));
    return;
  }
  // The keys in json's (sorted) order: error, f, key, node, process, time, type, value.
  out->push_back('{');
  if (!op.error.empty()) {
    out->append("\"error\":");
    AppendString(op.error, out);
    out->push_back(',');
  }
  out->append("\"f\":");
  AppendString(op.f, out);
  if (!op.key.is_null()) {
    out->append(",\"key\":");
    AppendValue(op.key, out);
  }
  if (!op.node.empty()) {
    out->append(",\"node\":");
    AppendString(op.node, out);
  }
  out->append(",\"process\":");
  if (op.is_nemesis()) {
    out->append("\"nemesis\"");
  } else {
    AppendInt(op.process, out);
  }
  out->append(",\"time\":");
  AppendInt(op.time, out);
  out->append(",\"type\":\"");
  out->append(OpTypeName(op.type));
  out->append("\",\"value\":");
  AppendValue(op.value, out);
  out->push_back('}');
}

Result<int64_t> TimeFromJson(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_number()) return Status::Error("is not a number");
  double d = v.get<double>();
  // Casting a double outside int64's range is undefined behaviour.
  if (!(d > -9.2e18 && d < 9.2e18)) return Status::Error("is out of range");
  return static_cast<int64_t>(d);
}

Result<Op> OpFromJson(const json& j) {
  if (!j.is_object()) return Status::Error("op is not a JSON object");
  Op op;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    if (k == "index") {
      if (!v.is_number_integer()) return Status::Error("field \"index\" is not an integer");
      op.index = v.get<int64_t>();
    } else if (k == "time") {
      auto t = TimeFromJson(v);
      if (!t.ok()) return Status::Error("field \"time\" " + t.status().message());
      op.time = *t;
    } else if (k == "type") {
      if (!v.is_string()) return Status::Error("field \"type\" is not a string");
      auto t = ParseOpType(v.get<std::string>());
      if (!t.ok()) return t.status();
      op.type = *t;
    } else if (k == "process") {
      if (v.is_number_integer()) {
        op.process = v.get<int64_t>();
        if (op.process < 0) return Status::Error("field \"process\" is negative");
      } else if (v.is_string() && v.get<std::string>() == "nemesis") {
        op.process = kNemesisProcess;
      } else {
        return Status::Error("field \"process\" must be an integer or \"nemesis\"");
      }
    } else if (k == "f") {
      if (!v.is_string()) return Status::Error("field \"f\" is not a string");
      op.f = v.get<std::string>();
    } else if (k == "value") {
      op.value = v;
    } else if (k == "key") {
      op.key = v;
    } else if (k == "node") {
      if (!v.is_string()) return Status::Error("field \"node\" is not a string");
      op.node = v.get<std::string>();
    } else if (k == "error") {
      op.error = v.is_string() ? v.get<std::string>() : v.dump();
    } else {
      op.extra[k] = v;
    }
  }
  if (!j.contains("type")) return Status::Error("missing field \"type\"");
  if (!j.contains("process")) return Status::Error("missing field \"process\"");
  if (!j.contains("f")) return Status::Error("missing field \"f\"");
  return op;
}

std::string OpToString(const Op& op) {
  std::string s = op.is_nemesis() ? "nemesis" : std::to_string(op.process);
  s += " ";
  s += OpTypeName(op.type);
  s += " ";
  s += op.f;
  if (!op.key.is_null()) s += " " + (op.key.is_string() ? op.key.get<std::string>() : op.key.dump());
  s += " " + op.value.dump();
  return s;
}

}  // namespace faultline
