#include "harness/history/independent_keys.h"

#include <set>
#include <unordered_map>

namespace faultline {
namespace {

bool IsTuple(const json& v) {
  return v.is_array() && v.size() == 2 && (v[0].is_number_integer() || v[0].is_string());
}

// Why `op` (whose invocation is `inv`, or null for an invocation) is not an
// independent-key op; empty when it is.
std::string Misfit(const Op& op, const Op* inv) {
  if (!op.key.is_null()) return "it already has a key";
  if (!IsTuple(op.value)) {
    if (inv && !op.is_ok()) return "";  // a fail/info without the tuple takes its invocation's key
    return "its value " + op.value.dump().substr(0, 60) + " is not a [key value] tuple";
  }
  if (op.f == "cas" && !(op.value[1].is_array() && op.value[1].size() == 2) &&
      (op.is_invoke() || op.is_ok())) {
    return "its cas value " + op.value.dump().substr(0, 60) + " is not [key [old new]]";
  }
  if (inv && IsTuple(inv->value) && inv->value[0] != op.value[0]) {
    return "its key " + op.value[0].dump() + " differs from its invocation's " + inv->value[0].dump();
  }
  return "";
}

// Calls fn(i, misfit-reason, invocation-or-null) for every client op.
template <typename Fn>
void ForEachClientOp(const History& history, Fn fn) {
  std::unordered_map<int64_t, size_t> open;
  for (size_t i = 0; i < history.size(); ++i) {
    const Op& op = history[i];
    if (op.is_nemesis()) continue;
    const Op* inv = nullptr;
    if (op.is_invoke()) {
      open[op.process] = i;
    } else if (auto it = open.find(op.process); it != open.end()) {
      inv = &history[it->second];
    }
    if (!fn(i, Misfit(op, inv), inv)) return;
  }
}

}  // namespace

Result<IndependentMode> ParseIndependentMode(const std::string& name) {
  if (name == "auto") return IndependentMode::kAuto;
  if (name == "yes") return IndependentMode::kYes;
  if (name == "no") return IndependentMode::kNo;
  return Status::Error("unknown value \"" + name + "\" (known: yes, no, auto)");
}

bool LooksIndependent(const History& history) {
  bool any = false, fits = true;
  ForEachClientOp(history, [&](size_t, const std::string& misfit, const Op*) {
    any = true;
    fits = misfit.empty();
    return fits;
  });
  return any && fits;
}

Result<size_t> SplitIndependentKeys(History* history, const std::vector<int>& lines, const std::string& name) {
  std::string error;
  ForEachClientOp(*history, [&](size_t i, const std::string& misfit, const Op*) {
    if (misfit.empty()) return true;
    std::string where = i < lines.size() && lines[i] > 0 ? name + ":" + std::to_string(lines[i])
                                                         : name + ": event " + std::to_string(i);
    error = where + ": not an independent-key op (" + misfit + ")";
    return false;
  });
  if (!error.empty()) return Status::Error(error);
  // Second pass: invocations first set the key their completions inherit.
  std::unordered_map<int64_t, json> open_key;
  std::set<std::string> keys;
  for (Op& op : *history) {
    if (op.is_nemesis()) continue;
    if (IsTuple(op.value)) {
      op.key = op.value[0];
      json v = std::move(op.value[1]);
      op.value = std::move(v);
    } else {
      op.key = open_key[op.process];
      op.value = nullptr;
    }
    if (op.is_invoke()) open_key[op.process] = op.key;
    keys.insert(op.key.dump());
  }
  return keys.size();
}

}  // namespace faultline
