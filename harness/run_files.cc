#include "harness/run_files.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness/history_reader.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", std::gmtime(&t));
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms));
  return out;
}

// Replaces `link` by a symlink to `target` atomically (rename over it).
void PointLink(const fs::path& link, const fs::path& target) {
  std::error_code ec;
  fs::path tmp = link;
  tmp += ".tmp";
  fs::remove(tmp, ec);
  fs::create_directory_symlink(target, tmp, ec);
  if (!ec) fs::rename(tmp, link, ec);
}

}  // namespace

Result<std::string> CreateRunDir(const std::string& store, const std::string& name) {
  std::error_code ec;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string stamp = Timestamp();
    if (attempt > 0) stamp += "-" + std::to_string(attempt);
    fs::path dir = fs::path(store) / name / stamp;
    fs::create_directories(dir.parent_path(), ec);
    if (ec) return Status::Error(dir.parent_path().string() + ": cannot create: " + ec.message());
    if (fs::create_directory(dir, ec)) {
      PointLink(fs::path(store) / "latest", fs::path(name) / stamp);
      PointLink(fs::path(store) / name / "latest", stamp);
      return dir.string();
    }
    if (ec) return Status::Error(dir.string() + ": cannot create: " + ec.message());
  }
  return Status::Error(store + "/" + name + ": cannot find a free run directory name");
}

Result<std::string> ResolveRunDir(const std::string& arg, const std::string& store) {
  fs::path p = arg == "latest" ? fs::path(store) / "latest" : fs::path(arg);
  std::error_code ec;
  if (!fs::is_directory(p, ec)) {
    return Status::Error(p.string() + ": no such run directory" +
                         (arg == "latest" ? " (no run yet in " + store + "/)" : ""));
  }
  fs::path canonical = fs::canonical(p, ec);
  if (ec) return Status::Error(p.string() + ": " + ec.message());
  if (!fs::exists(canonical / "test.json")) {
    return Status::Error(canonical.string() + ": not a run directory (no test.json)");
  }
  return canonical.string();
}

Status WriteJsonFile(const std::string& path, const json& j) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) return Status::Error(path + ": cannot write");
    out << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    if (!out) return Status::Error(path + ": write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Error(path + ": " + ec.message());
  return Status::Ok();
}

Result<json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error(path + ": cannot read");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    return Status::Error(path + ": not valid JSON: " + e.what());
  }
}

Status WriteRunResults(const std::string& run_dir, const json& results) {
  return WriteJsonFile(run_dir + "/results.json", results);
}

Result<History> ReadRunHistory(const std::string& run_dir) {
  const std::string path = run_dir + "/history.jsonl";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // A run killed mid-write may end in a torn line: the complete lines before
  // it are the recorded prefix. (Any other malformed line is an error.)
  if (!text.empty() && text.back() != '\n') text.resize(text.rfind('\n') + 1);
  return ReadHistoryText(text, path, HistoryFormat::kJsonl);
}

}  // namespace faultline
