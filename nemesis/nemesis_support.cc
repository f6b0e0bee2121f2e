#include "nemesis/nemesis_support.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

namespace faultline {

Status ForEachNode(const std::vector<const NodeInfo*>& nodes,
                   const std::function<Status(const NodeInfo&)>& fn) {
  std::vector<Status> results(nodes.size());
  std::vector<std::thread> threads;
  threads.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        results[i] = fn(*nodes[i]);
      } catch (const std::exception& e) {
        results[i] = Status::Error(nodes[i]->name + ": " + e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::string errors;
  for (const auto& s : results) {
    if (!s.ok()) errors += (errors.empty() ? "" : "; ") + s.message();
  }
  return errors.empty() ? Status::Ok() : Status::Error(errors);
}

std::vector<std::string> NodeNames(const ClusterInfo& cluster) {
  std::vector<std::string> out;
  for (const auto& n : cluster.nodes) out.push_back(n.name);
  return out;
}

std::vector<const NodeInfo*> NodesNamed(const ClusterInfo& cluster,
                                        const std::vector<std::string>& names) {
  std::vector<const NodeInfo*> out;
  for (const auto& n : cluster.nodes) {
    for (const auto& name : names) {
      if (n.name == name) {
        out.push_back(&n);
        break;
      }
    }
  }
  return out;
}

std::vector<const NodeInfo*> AllNodes(const ClusterInfo& cluster) {
  std::vector<const NodeInfo*> out;
  for (const auto& n : cluster.nodes) out.push_back(&n);
  return out;
}

Status RequireRemotes(const ClusterInfo& cluster, const std::string& nemesis) {
  if (cluster.nodes.empty()) return Status::Error(nemesis + ": the cluster has no nodes");
  for (const auto& n : cluster.nodes) {
    if (n.remote == nullptr) {
      return Status::Error(nemesis + ": node " + n.name +
                           " has no remote (the target runs in-process); this fault needs nodes");
    }
  }
  return Status::Ok();
}

Result<double> DoubleOption(const NemesisOptions& options, const std::string& key,
                            double fallback, double min, double max) {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  const char* text = it->second.c_str();
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (it->second.empty() || end == text || *end != '\0' || !std::isfinite(v) || v < min || v > max) {
    char range[96];
    std::snprintf(range, sizeof range, "[%g, %g]", min, max);
    return Status::Error(key + ": \"" + it->second + "\" is not a number in " + range);
  }
  return v;
}

std::string StringOption(const NemesisOptions& options, const std::string& key,
                         const std::string& fallback) {
  auto it = options.find(key);
  return it == options.end() ? fallback : it->second;
}

Op CompleteFault(const Op& invoke, nlohmann::json value, const Status& status) {
  Op done = invoke;
  done.type = OpType::kInfo;
  done.process = kNemesisProcess;
  done.value = std::move(value);
  done.error = status.ok() ? "" : status.message();
  return done;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    if (nl > pos) out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

}  // namespace faultline
