#include "workloads/workload.h"

#include <cerrno>
#include <cstdlib>

namespace faultline {

Status CheckWorkloadOptionKeys(const std::string& workload, const WorkloadOptions& options,
                               const std::set<std::string>& known) {
  for (const auto& [key, value] : options.opts) {
    if (!known.count(key)) {
      std::string names;
      for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
      return Status::Error("workload " + workload + ": unknown option \"" + key + "\" (known: " +
                           (names.empty() ? "none" : names) + ")");
    }
  }
  return Status::Ok();
}

Result<int64_t> WorkloadIntOption(const std::string& workload, const WorkloadOptions& options,
                                  const std::string& key, int64_t default_value, int64_t min,
                                  int64_t max) {
  auto it = options.opts.find(key);
  if (it == options.opts.end()) return default_value;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < min || v > max) {
    return Status::Error("workload " + workload + ": option " + key + "=\"" + s +
                         "\" must be an integer in [" + std::to_string(min) + ", " +
                         std::to_string(max) + "]");
  }
  return static_cast<int64_t>(v);
}

Result<bool> WorkloadBoolOption(const std::string& workload, const WorkloadOptions& options,
                                const std::string& key, bool default_value) {
  auto it = options.opts.find(key);
  if (it == options.opts.end()) return default_value;
  if (it->second == "true" || it->second.empty()) return true;
  if (it->second == "false") return false;
  return Status::Error("workload " + workload + ": option " + key + "=\"" + it->second +
                       "\" must be true or false");
}

}  // namespace faultline
