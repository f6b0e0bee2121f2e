#include "nemesis/node_selection.h"

#include <algorithm>
#include <set>

namespace faultline {

const std::vector<std::string>& TargetSpecs() {
  static const std::vector<std::string> kSpecs = {"one", "minority", "majority", "all"};
  return kSpecs;
}

const std::vector<std::string>& RoleTargetSpecs() {
  static const std::vector<std::string> kSpecs = {"leader", "primaries", "non-leader"};
  return kSpecs;
}

bool IsRoleSpec(const std::string& spec) {
  return std::find(RoleTargetSpecs().begin(), RoleTargetSpecs().end(), spec) != RoleTargetSpecs().end();
}

Result<std::vector<std::string>> ParseTargetSpecs(const std::string& text) {
  if (text.empty()) return TargetSpecs();
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string spec = text.substr(pos, comma - pos);
    if (std::find(TargetSpecs().begin(), TargetSpecs().end(), spec) == TargetSpecs().end() &&
        !IsRoleSpec(spec)) {
      return Status::Error("unknown targets \"" + spec +
                           "\" (known: one, minority, majority, all, leader, primaries, non-leader)");
    }
    if (std::find(out.begin(), out.end(), spec) == out.end()) out.push_back(spec);
    pos = comma + 1;
  }
  return out;
}

size_t TargetCount(const std::string& spec, size_t n) {
  if (n == 0) return 0;
  if (spec == "one") return 1;
  if (spec == "minority") return std::max<size_t>(1, (n - 1) / 2);
  if (spec == "majority") return n / 2 + 1;
  return n;
}

std::vector<std::string> PickTargets(const std::vector<std::string>& specs,
                                     const std::vector<std::string>& nodes, Rng& rng,
                                     std::string* chosen_spec) {
  const std::string& spec = specs.empty() ? TargetSpecs().back() : rng.Pick(specs);
  if (chosen_spec) *chosen_spec = spec;
  std::vector<std::string> shuffled = nodes;
  rng.Shuffle(shuffled);
  std::set<std::string> picked(shuffled.begin(),
                               shuffled.begin() + TargetCount(spec, nodes.size()));
  std::vector<std::string> out;
  for (const auto& n : nodes) {
    if (picked.count(n)) out.push_back(n);
  }
  return out;
}

}  // namespace faultline
