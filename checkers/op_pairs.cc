#include "checkers/op_pairs.h"

#include <unordered_map>

namespace faultline {

PairedOps PairClientOps(const History& history) {
  PairedOps out;
  // process -> index into out.pairs of its open invocation
  std::unordered_map<int64_t, size_t> open;
  for (size_t i = 0; i < history.size(); ++i) {
    const Op& op = history[i];
    if (op.is_nemesis()) continue;
    if (op.is_invoke()) {
      auto [it, inserted] = open.try_emplace(op.process, out.pairs.size());
      if (!inserted) {
        // A second invoke while one is open: the earlier one stays pending.
        ++out.malformed;
        it->second = out.pairs.size();
      }
      out.pairs.push_back(OpPair{i, std::nullopt});
      continue;
    }
    auto it = open.find(op.process);
    if (it == open.end()) {
      ++out.malformed;
      continue;
    }
    out.pairs[it->second].completion = i;
    open.erase(it);
  }
  return out;
}

OpType PairOutcome(const History& history, const OpPair& pair) {
  return pair.completion ? history[*pair.completion].type : OpType::kInvoke;
}

}  // namespace faultline
