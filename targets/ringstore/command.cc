#include "targets/ringstore/command.h"

#include <algorithm>

namespace faultline::ringstore {

std::string Command::StorageKey() const {
  if (!storage_key.empty()) return storage_key;
  switch (op) {
    case Op::kRead: case Op::kWrite: case Op::kCas: case Op::kAppend: return "kv/" + key;
    case Op::kSetAdd: case Op::kSetRead: return "set/" + key;
    case Op::kCounterAdd: case Op::kCounterRead: return "counter/" + key;
  }
  return key;
}

Outcome Outcome::Error(int status, const std::string& message, bool definite) {
  return Outcome{status, {{"error", message}, {"definite", definite}}};
}

Change ApplyChange(const Command& cmd, const nlohmann::json& current) {
  Change c;
  c.new_value = current;
  switch (cmd.op) {
    case Op::kRead:
      c.outcome = Outcome::Ok({{"value", current}});
      break;
    case Op::kWrite:
      c.new_value = cmd.arg;
      c.changed = cmd.arg != current;
      c.outcome = Outcome::Ok({{"ok", true}});
      break;
    case Op::kCas:
      if (current == cmd.arg[0]) {
        c.new_value = cmd.arg[1];
        c.changed = cmd.arg[1] != current;
        c.outcome = Outcome::Ok({{"ok", true}});
      } else {
        c.outcome = Outcome::Error(409, "cas precondition failed: current value is " + current.dump(), true);
        c.outcome.body["value"] = current;
      }
      break;
    case Op::kAppend:
      // Unlike set-add, an element already present is appended again: a
      // list-append checker must see the duplicates a store really makes.
      if (!current.is_null() && !current.is_array()) {
        c.outcome = Outcome::Error(409, "append: the value is not a list: " + current.dump(), true);
        break;
      }
      c.new_value = current.is_array() ? current : nlohmann::json::array();
      c.new_value.push_back(cmd.arg);
      c.changed = true;
      c.outcome = Outcome::Ok({{"ok", true}});
      break;
    case Op::kSetAdd: {
      nlohmann::json set = current.is_array() ? current : nlohmann::json::array();
      if (std::find(set.begin(), set.end(), cmd.arg) == set.end()) {
        set.push_back(cmd.arg);
        c.changed = true;
      }
      c.new_value = std::move(set);
      c.outcome = Outcome::Ok({{"ok", true}});
      break;
    }
    case Op::kSetRead:
      c.outcome = Outcome::Ok({{"value", current.is_array() ? current : nlohmann::json::array()}});
      break;
    case Op::kCounterAdd: {
      int64_t v = current.is_number_integer() ? current.get<int64_t>() : 0;
      v += cmd.arg.get<int64_t>();
      c.new_value = v;
      c.changed = cmd.arg.get<int64_t>() != 0 || !current.is_number_integer();
      c.outcome = Outcome::Ok({{"ok", true}, {"value", v}});
      break;
    }
    case Op::kCounterRead:
      c.outcome = Outcome::Ok({{"value", current.is_number_integer() ? current.get<int64_t>() : 0}});
      break;
  }
  return c;
}

nlohmann::json CommandToJson(const Command& cmd) {
  return {{"op", static_cast<int>(cmd.op)}, {"key", cmd.key}, {"arg", cmd.arg}};
}

bool CommandFromJson(const nlohmann::json& j, Command* out) {
  if (!j.is_object() || !j.contains("op") || !j["op"].is_number_integer() || !j.contains("key") ||
      !j["key"].is_string()) {
    return false;
  }
  int op = j["op"].get<int>();
  if (op < 0 || op > static_cast<int>(kLastOp)) return false;
  out->op = static_cast<Op>(op);
  out->key = j["key"].get<std::string>();
  out->arg = j.value("arg", nlohmann::json());
  if (out->op == Op::kCas && !(out->arg.is_array() && out->arg.size() == 2)) return false;
  if (out->op == Op::kCounterAdd && !out->arg.is_number_integer()) return false;
  return true;
}

}  // namespace faultline::ringstore
