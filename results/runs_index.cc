#include "results/runs_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "results/run_store.h"

namespace faultline {
namespace fs = std::filesystem;

Status AppendRunIndex(const std::string& store_root, const json& entry) {
  std::string path = store_root + "/" + kRunsIndexFile;
  std::string line = entry.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  // A writer killed mid-line left no newline: end its line first, so this
  // entry is not glued to the garbage (the reader skips both halves apart).
  struct stat st {};
  char last = '\n';
  if (::fstat(fd, &st) == 0 && st.st_size > 0 && ::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') {
    line = "\n" + line;
  }
  ssize_t n = ::write(fd, line.data(), line.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    return Status::Error(path + ": cannot append: " + std::strerror(n < 0 ? err : EIO));
  }
  return Status::Ok();
}

std::vector<json> ReadRunIndex(const std::string& store_root) {
  std::ifstream in(store_root + "/" + kRunsIndexFile, std::ios::binary);
  std::map<std::string, json> runs;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("run") || !j["run"].is_string()) continue;
    json& e = runs[j["run"].get<std::string>()];
    if (e.is_null()) e = json::object();
    for (auto it = j.begin(); it != j.end(); ++it) e[it.key()] = it.value();
  }
  std::vector<json> out;
  out.reserve(runs.size());
  for (auto& [k, v] : runs) out.push_back(std::move(v));
  auto stamp = [](const json& e) {
    std::string r = e["run"].get<std::string>();
    size_t slash = r.rfind('/');
    return slash == std::string::npos ? r : r.substr(slash + 1);
  };
  std::stable_sort(out.begin(), out.end(), [&](const json& a, const json& b) { return stamp(a) > stamp(b); });
  return out;
}

std::string RunSettings(const json& test) {
  if (!test.is_object()) return "";
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  auto pairs = [&](const char* k) {
    if (!test.contains(k) || !test[k].is_object()) return;
    for (auto it = test[k].begin(); it != test[k].end(); ++it) {
      add(it.key() + "=" + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump()));
    }
  };
  pairs("target_opts");
  pairs("workload_opts");
  if (test.contains("nemesis") && test["nemesis"].is_array() && !test["nemesis"].empty()) {
    std::string n;
    for (const json& x : test["nemesis"]) n += (n.empty() ? "" : ",") + (x.is_string() ? x.get<std::string>() : x.dump());
    add("nemesis " + n);
  } else {
    add("no faults");
  }
  if (test.contains("seed") && test["seed"].is_number()) add("seed " + test["seed"].dump());
  return out;
}

json DoneIndexEntry(const std::string& run, const json& test, const json& results, const History& history) {
  json e = {{"run", run}, {"status", "done"}, {"started", RunStartTime(run)}};
  if (test.is_object() && test.contains("name")) e["test"] = test["name"];
  if (std::string s = RunSettings(test); !s.empty()) e["settings"] = s;
  e["valid"] = results.is_object() && results.contains("valid") ? results["valid"] : json("unknown");
  int64_t first = history.empty() ? 0 : history.front().time, last = 0;
  int64_t ops = 0;
  for (const Op& op : history) {
    last = std::max(last, op.time);
    if (op.is_client() && !op.is_invoke()) ++ops;
  }
  double duration = static_cast<double>(std::max<int64_t>(0, last - first)) / 1e9;
  e["duration_s"] = duration;
  e["ops"] = ops;
  e["ops_s"] = duration > 0 ? static_cast<double>(ops) / duration : 0.0;
  if (results.is_object() && results.contains("availability") && results["availability"].is_object()) {
    const json& a = results["availability"];
    e["availability"] = a.value("availability", json());
    e["time_availability"] = a.value("time_availability", json());
  }
  if (results.is_object() && results.contains("crashed")) e["status"] = "crashed";
  if (results.is_object() && results.contains("interrupted")) e["interrupted"] = true;
  return e;
}

std::string RunKey(const std::string& store_root, const std::string& run_dir) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(store_root, ec);
  fs::path dir = fs::weakly_canonical(run_dir, ec);
  fs::path rel = dir.lexically_relative(root);
  auto it = rel.begin();
  if (rel.empty() || *it == ".." || std::distance(rel.begin(), rel.end()) != 2) return "";
  return rel.generic_string();
}

}  // namespace faultline
