#include "checkers/model.h"

namespace faultline {

std::vector<json> Machine::DescribeLinearization(const std::vector<uint32_t>& order) const {
  size_t w = state_words();
  std::vector<uint64_t> state(w), next(w);
  Init(state.data());
  std::vector<json> out;
  out.reserve(order.size());
  for (uint32_t i : order) {
    if (!Step(state.data(), i, next.data())) {
      out.push_back("(op not legal here)");
      continue;
    }
    state.swap(next);
    out.push_back(DescribeState(state.data()));
  }
  return out;
}

Result<std::unique_ptr<Model>> MakeModel(const std::string& name) {
  const auto* entry = ModelRegistry::Get().Find(name);
  if (!entry) {
    return Status::Error("unknown model \"" + name + "\" (known: " + ModelRegistry::Get().NamesJoined() + ")");
  }
  return entry->factory();
}

std::string DescribeModelOp(const ModelOp& op) {
  std::string s;
  if (op.invoke) {
    s = "process " + (op.invoke->is_nemesis() ? std::string("nemesis") : std::to_string(op.invoke->process)) + " ";
  }
  s += ":" + op.f;
  if (op.invoke && !op.invoke->key.is_null()) s += " key " + op.invoke->key.dump();
  s += " " + op.input.dump();
  if (op.invoke && op.invoke->index >= 0) s += " (event " + std::to_string(op.invoke->index) + ")";
  return s;
}

json ModelOpJson(const ModelOp& op) {
  json j = {{"f", op.f}, {"value", op.pending ? op.input : op.output}};
  return j;
}

}  // namespace faultline
