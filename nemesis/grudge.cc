#include "nemesis/grudge.h"

#include <algorithm>

namespace faultline {

Grudge CompleteGrudge(const Components& components) {
  Grudge grudge;
  for (size_t i = 0; i < components.size(); ++i) {
    for (const auto& node : components[i]) {
      for (size_t j = 0; j < components.size(); ++j) {
        if (j == i) continue;
        for (const auto& other : components[j]) {
          if (other != node) grudge[node].insert(other);
        }
      }
    }
  }
  return grudge;
}

Components Bisect(const std::vector<std::string>& nodes) {
  const size_t half = nodes.size() / 2;
  return {std::vector<std::string>(nodes.begin(), nodes.begin() + half),
          std::vector<std::string>(nodes.begin() + half, nodes.end())};
}

const std::vector<std::string>& GrudgeKinds() {
  static const std::vector<std::string> kKinds = {"one",      "halves",          "random-halves",
                                                  "majority", "majorities-ring", "bridge"};
  return kKinds;
}

Grudge IsolateNode(const std::vector<std::string>& nodes, const std::string& node) {
  std::vector<std::string> rest;
  for (const auto& n : nodes) {
    if (n != node) rest.push_back(n);
  }
  return CompleteGrudge({{node}, rest});
}

Grudge Halves(const std::vector<std::string>& nodes) { return CompleteGrudge(Bisect(nodes)); }

Grudge CutMinority(const std::vector<std::string>& nodes, size_t minority_size) {
  minority_size = std::min(minority_size, nodes.size());
  return CompleteGrudge({std::vector<std::string>(nodes.begin(), nodes.begin() + minority_size),
                         std::vector<std::string>(nodes.begin() + minority_size, nodes.end())});
}

Grudge MajoritiesRing(const std::vector<std::string>& nodes) {
  const size_t n = nodes.size();
  const size_t m = n / 2 + 1;  // majority size
  Grudge grudge;
  if (n < 3) return grudge;  // a majority of 1 or 2 nodes is everyone: nothing to cut
  for (size_t p = 0; p < n; ++p) {
    // Window of m ring positions with p at index floor(m/2), as in Jepsen.
    std::set<std::string> sees;
    const size_t start = (p + n - m / 2) % n;
    for (size_t k = 0; k < m; ++k) sees.insert(nodes[(start + k) % n]);
    for (const auto& other : nodes) {
      if (!sees.count(other)) grudge[nodes[p]].insert(other);
    }
  }
  return grudge;
}

Grudge Bridge(const std::vector<std::string>& nodes) {
  Components halves = Bisect(nodes);
  if (halves[0].empty() || halves[1].empty()) return {};
  const std::string bridge = halves[1].front();
  Grudge grudge = CompleteGrudge(halves);
  grudge.erase(bridge);
  for (auto it = grudge.begin(); it != grudge.end();) {
    it->second.erase(bridge);
    it = it->second.empty() ? grudge.erase(it) : std::next(it);
  }
  return grudge;
}

Result<Grudge> MakeGrudge(const std::string& kind, const std::vector<std::string>& nodes, Rng& rng) {
  if (std::find(GrudgeKinds().begin(), GrudgeKinds().end(), kind) == GrudgeKinds().end()) {
    std::string known;
    for (const auto& k : GrudgeKinds()) known += (known.empty() ? "" : ", ") + k;
    return Status::Error("unknown partition kind \"" + kind + "\" (known: " + known + ")");
  }
  if (nodes.size() < 2) {
    return Status::Error("a partition needs at least 2 nodes, got " + std::to_string(nodes.size()));
  }
  if (kind == "halves") return Halves(nodes);
  std::vector<std::string> shuffled = nodes;
  rng.Shuffle(shuffled);
  if (kind == "one") return IsolateNode(nodes, shuffled.front());
  if (kind == "random-halves") return Halves(shuffled);
  if (kind == "majority") {
    const int64_t max_minority = std::max<int64_t>(1, (static_cast<int64_t>(nodes.size()) - 1) / 2);
    return CutMinority(shuffled, static_cast<size_t>(rng.Range(1, max_minority)));
  }
  if (kind == "majorities-ring") return MajoritiesRing(shuffled);
  return Bridge(shuffled);
}

std::vector<std::string> CutOffNodes(const Grudge& grudge, const std::vector<std::string>& nodes) {
  const size_t majority = nodes.size() / 2 + 1;
  std::vector<std::string> out;
  for (const auto& node : nodes) {
    auto it = grudge.find(node);
    const size_t dropped = it == grudge.end() ? 0 : it->second.size();
    if (nodes.size() - dropped < majority) out.push_back(node);
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json GrudgeToJson(const Grudge& grudge) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [node, drops] : grudge) {
    j[node] = std::vector<std::string>(drops.begin(), drops.end());
  }
  return j;
}

Result<Grudge> GrudgeFromJson(const nlohmann::json& j, const std::vector<std::string>& nodes) {
  if (!j.is_object()) return Status::Error("grudge must be an object {node: [nodes it drops]}");
  auto known = [&](const std::string& n) {
    return std::find(nodes.begin(), nodes.end(), n) != nodes.end();
  };
  Grudge grudge;
  for (const auto& [node, drops] : j.items()) {
    if (!known(node)) return Status::Error("grudge: unknown node \"" + node + "\"");
    if (!drops.is_array()) return Status::Error("grudge: \"" + node + "\" must map to a list of nodes");
    for (const auto& d : drops) {
      if (!d.is_string() || !known(d.get<std::string>())) {
        return Status::Error("grudge: \"" + node + "\" lists unknown node " + d.dump());
      }
      if (d.get<std::string>() == node) {
        return Status::Error("grudge: \"" + node + "\" cannot drop traffic from itself");
      }
      grudge[node].insert(d.get<std::string>());
    }
    if (grudge.count(node) && grudge[node].empty()) grudge.erase(node);
  }
  return grudge;
}

}  // namespace faultline
