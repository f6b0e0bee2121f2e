#include "results/run_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "harness/core/bounded_json.h"
#include "harness/history/history_reader.h"
#include "results/runs_index.h"

namespace faultline {
namespace fs = std::filesystem;

namespace {

std::string OsError(const std::string& what, const std::string& path) {
  return path + ": " + what + ": " + std::strerror(errno);
}

// "20261126T071500.123" (UTC, milliseconds).
std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03d", buf, static_cast<int>(ms % 1000));
  return out;
}

// A temporary name next to `path` that no other thread or process uses.
std::string TempNameFor(const std::string& path) {
  auto tid = std::hash<std::thread::id>{}(std::this_thread::get_id());
  auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(tid % 1000000) + "." +
         std::to_string(ns);
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Error(OsError("cannot open directory", dir));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::Error(OsError("fsync failed", dir));
  return Status::Ok();
}

// Points `link` at `target` (relative) atomically.
Status ReplaceSymlink(const std::string& link, const std::string& target) {
  std::string tmp = TempNameFor(link);
  if (::symlink(target.c_str(), tmp.c_str()) != 0) {
    return Status::Error(OsError("cannot create symlink", tmp));
  }
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    Status s = Status::Error(OsError("cannot replace symlink", link));
    ::unlink(tmp.c_str());
    return s;
  }
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::Error(path + ": read error");
  return ss.str();
}

// The part of history.jsonl text a reader should check: everything, except
// a last line without its newline that does not parse — a write cut short
// when the run was killed — which is dropped with a note.
std::string_view RecordedPrefix(const std::string& path, std::string_view text,
                                std::vector<std::string>* notes) {
  if (text.empty() || text.back() == '\n') return text;
  size_t start = text.rfind('\n');
  start = start == std::string_view::npos ? 0 : start + 1;
  if (json::accept(text.substr(start))) return text;
  int64_t line_no = 1 + std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(start), '\n');
  notes->push_back(path + ":" + std::to_string(line_no) +
                   ": final line is cut off (run killed mid-write?); checked the lines before it");
  return text.substr(0, start);
}

}  // namespace

Result<std::string> CreateRunDir(const std::string& store_root, const std::string& test_name) {
  if (test_name.empty() || test_name.find('/') != std::string::npos || test_name[0] == '.' ||
      test_name == "latest") {
    return Status::Error("invalid test name \"" + test_name +
                         "\" (must be non-empty, without '/', not starting with '.', not \"latest\")");
  }
  std::string test_dir = store_root + "/" + test_name;
  std::error_code ec;
  fs::create_directories(test_dir, ec);
  if (ec) return Status::Error(test_dir + ": cannot create directory: " + ec.message());

  std::string stamp = Timestamp();
  std::string name, dir;
  // Same millisecond as an earlier run: suffix -001, -002, ... (zero-padded
  // so that names keep sorting in creation order).
  for (int n = 0;; ++n) {
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "-%03d", n);
    name = n == 0 ? stamp : stamp + suffix;
    dir = test_dir + "/" + name;
    if (::mkdir(dir.c_str(), 0755) == 0) break;
    if (errno != EEXIST || n >= 999) return Status::Error(OsError("cannot create directory", dir));
  }
  Status s = ReplaceSymlink(test_dir + "/latest", name);
  if (s.ok()) s = ReplaceSymlink(store_root + "/latest", test_name + "/" + name);
  if (!s.ok()) return s;
  (void)AppendRunIndex(store_root, {{"run", test_name + "/" + name},
                                    {"test", test_name},
                                    {"status", "running"},
                                    {"started", RunStartTime(dir)}});
  return dir;
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::string tmp = TempNameFor(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(OsError("cannot create", tmp));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Status::Error(OsError("write failed", tmp));
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Status::Error(OsError("fsync failed", tmp));
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Status::Error(OsError("cannot rename into place", path));
    ::unlink(tmp.c_str());
    return s;
  }
  std::string parent = fs::path(path).parent_path().string();
  return FsyncDir(parent.empty() ? "." : parent);
}

Status WriteJsonFile(const std::string& path, const json& j) {
  return WriteTextFile(path, j.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

std::string RunStartTime(const std::string& run_dir) {
  std::string b = fs::path(run_dir).filename().string();
  if (b.size() < 15 || b[8] != 'T') return "";
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}) {
    if (!std::isdigit(static_cast<unsigned char>(b[i]))) return "";
  }
  std::string out = b.substr(0, 4) + "-" + b.substr(4, 2) + "-" + b.substr(6, 2) + " " + b.substr(9, 2) + ":" +
                    b.substr(11, 2) + ":" + b.substr(13, 2);
  if (b.size() >= 19 && b[15] == '.') out += b.substr(15, 4);
  return out + " UTC";
}

Status MarkRunCrashed(const std::string& run_dir, const json& info) {
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) return Status::Error(run_dir + ": run directory is gone");
  Status s = WriteJsonFile(run_dir + "/crashed.json", info);
  if (!s.ok()) return s;
  // The runs index is a cache (serve lists from it); a failure to update it
  // does not undo the record.
  fs::path dir = fs::weakly_canonical(run_dir, ec);
  std::string store = dir.parent_path().parent_path().string();
  std::string key = RunKey(store, dir.string());
  if (!key.empty()) (void)AppendRunIndex(store, {{"run", key}, {"status", "crashed"}});
  return Status::Ok();
}

Result<LoadedRun> LoadRun(const std::string& where, const std::string& store_root) {
  std::string path = where == "latest" ? store_root + "/latest" : where;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    if (where == "latest") {
      return Status::Error(path + ": no runs in store " + store_root + " yet (no latest link)");
    }
    return Status::Error(path + ": not a run directory");
  }
  // A test directory (<store>/<test>) means its latest run.
  if (!fs::exists(path + "/history.jsonl") && fs::is_directory(path + "/latest", ec)) {
    path += "/latest";
  }
  LoadedRun run;
  run.dir = fs::canonical(path, ec).string();
  if (ec) return Status::Error(path + ": " + ec.message());

  std::string test_path = run.dir + "/test.json";
  if (!fs::exists(test_path)) return Status::Error(test_path + ": missing (is this a run directory?)");
  auto test_text = ReadWholeFile(test_path);
  if (!test_text.ok()) return test_text.status();
  auto test = ParseBoundedJson(*test_text);
  if (!test.ok()) return Status::Error(test_path + ": " + test.status().message());
  run.test = std::move(*test);
  if (!run.test.is_object()) return Status::Error(test_path + ": not a JSON object");

  std::string history_path = run.dir + "/history.jsonl";
  if (!fs::exists(history_path)) return Status::Error(history_path + ": missing");
  auto history_text = ReadWholeFile(history_path);
  if (!history_text.ok()) return history_text.status();
  auto history = ReadHistoryText(RecordedPrefix(history_path, *history_text, &run.notes),
                                 history_path, HistoryFormat::kJsonl);
  if (!history.ok()) return history.status();
  run.history = std::move(*history);

  std::string results_path = run.dir + "/results.json";
  if (fs::exists(results_path)) {
    auto text = ReadWholeFile(results_path);
    if (text.ok()) {
      auto results = ParseBoundedJson(*text);
      if (results.ok()) {
        run.results = std::move(*results);
      } else {
        run.results = nullptr;
        run.notes.push_back(results_path + ": not valid JSON (" + results.status().message() + "); ignored");
      }
    }
  } else {
    run.results = nullptr;
  }

  run.crashed = nullptr;
  std::string crashed_path = run.dir + "/crashed.json";
  if (fs::exists(crashed_path)) {
    auto text = ReadWholeFile(crashed_path);
    json crashed = nullptr;
    if (text.ok()) {
      auto parsed = ParseBoundedJson(*text);
      if (parsed.ok()) crashed = std::move(*parsed);
    }
    if (crashed.is_object()) {
      run.crashed = std::move(crashed);
      std::string line = "this run's controller died before it finished";
      std::string faults = run.crashed.value("faults", "");
      if (!faults.empty() && faults != "no faults") {
        line += "; the faults it left (" + faults + ") were healed by " +
                run.crashed.value("healed_by", std::string("a later run"));
      }
      run.notes.push_back(line + "; its history is the prefix recorded before it died");
    } else {
      run.notes.push_back(crashed_path + ": not a crash record; ignored");
    }
  }
  return run;
}

}  // namespace faultline
