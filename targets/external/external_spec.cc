#include "targets/external/external_spec.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>

#include "harness/core/bounded_json.h"
#include "targets/external/adapter_process.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxSpecFileBytes = size_t{1} << 20;

// Errors say "<file>: <key>: ...": the file and the dotted key.
class SpecReader {
 public:
  explicit SpecReader(std::string file) : file_(std::move(file)) {}

  Status Error(const std::string& key, const std::string& what) const {
    return Status::Error(file_ + ": " + key + ": " + what);
  }
  Status String(const json& obj, const std::string& prefix, const char* key, std::string* out,
                bool required) const {
    std::string dotted = prefix + key;
    if (!obj.contains(key)) return required ? Error(dotted, "is missing") : Status::Ok();
    const json& v = obj[key];
    if (!v.is_string()) return Error(dotted, "must be a string");
    *out = v.get<std::string>();
    if (required && out->empty()) return Error(dotted, "must not be empty");
    return Status::Ok();
  }
  Status Strings(const json& obj, const std::string& prefix, const char* key, std::vector<std::string>* out,
                 bool required, const char* what) const {
    std::string dotted = prefix + key;
    if (!obj.contains(key)) return required ? Error(dotted, "is missing") : Status::Ok();
    const json& v = obj[key];
    if (!v.is_array()) return Error(dotted, std::string("must be a list of ") + what);
    for (const auto& e : v) {
      if (!e.is_string() || e.get<std::string>().empty()) {
        return Error(dotted, std::string("must be a list of ") + what + " (non-empty strings)");
      }
      out->push_back(e.get<std::string>());
    }
    if (required && out->empty()) return Error(dotted, std::string("must list at least one of ") + what);
    return Status::Ok();
  }
  Status Seconds(const json& obj, const std::string& prefix, const char* key, double* out) const {
    if (!obj.contains(key)) return Status::Ok();
    const json& v = obj[key];
    if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() > 86400) {
      return Error(prefix + key, "must be a number of seconds in (0, 86400]");
    }
    *out = v.get<double>();
    return Status::Ok();
  }
  // Unknown keys are errors: a misspelt "helth" must not silently do nothing.
  Status OnlyKeys(const json& obj, const std::string& prefix, std::set<std::string> known) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (!known.count(it.key())) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        return Error(prefix + it.key(), "unknown key (known: " + list + ")");
      }
    }
    return Status::Ok();
  }

 private:
  std::string file_;
};

bool IsExecutable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

// An adapter argument is a file when it contains '/' or ends in a program
// file's extension (adapter.py, client.jar): README "client.command".
bool LooksLikeFile(const std::string& arg) {
  if (arg.empty() || arg[0] == '-' || arg.find('=') != std::string::npos) return false;
  if (arg.find('/') != std::string::npos) return true;
  static const std::set<std::string> kExt = {".py",   ".js",  ".mjs", ".cjs", ".ts",  ".rb",  ".pl", ".sh",
                                             ".bash", ".jar", ".lua", ".php", ".exs", ".clj", ".R"};
  return kExt.count(fs::path(arg).extension().string()) > 0;
}

Status ResolveCommand(const SpecReader& r, const fs::path& dir, std::vector<std::string>* argv) {
  for (size_t i = 0; i < argv->size(); ++i) {
    std::string& arg = (*argv)[i];
    std::string key = "client.command[" + std::to_string(i) + "]";
    if (i == 0 && arg.find('/') == std::string::npos) {
      if (FindProgramOnPath(arg).empty()) return r.Error(key, "program \"" + arg + "\" is not on PATH");
      continue;
    }
    if (!LooksLikeFile(arg)) continue;
    fs::path p = fs::path(arg).is_absolute() ? fs::path(arg) : dir / arg;
    p = p.lexically_normal();
    std::error_code ec;
    if (!fs::exists(p, ec)) return r.Error(key, "file " + p.string() + " does not exist");
    if (i == 0 && !IsExecutable(p)) return r.Error(key, p.string() + " is not executable");
    arg = p.string();
  }
  return Status::Ok();
}

Status ReadDb(const SpecReader& r, const json& db, bool no_nodes, ExternalDbSpec* out) {
  const std::string p = "db.";
  if (!db.is_object()) return r.Error("db", "must be an object");
  Status s = r.OnlyKeys(db, p,
                        {"setup", "teardown", "health", "pid_file", "process_match", "start", "kill", "pause",
                         "resume", "roles", "data_dir", "log_files", "start_timeout_s", "faketime", "join", "leave",
                         "members", "min_members"});
  // A store on the controller may be running already: nothing to set up.
  if (s.ok()) s = r.String(db, p, "setup", &out->setup, !no_nodes);
  if (s.ok()) s = r.String(db, p, "teardown", &out->teardown, !no_nodes);
  if (s.ok()) s = r.String(db, p, "health", &out->health, false);
  if (s.ok()) s = r.String(db, p, "pid_file", &out->pid_file, false);
  if (s.ok()) s = r.String(db, p, "process_match", &out->process_match, false);
  if (s.ok()) s = r.String(db, p, "start", &out->start, false);
  if (s.ok()) s = r.String(db, p, "kill", &out->kill, false);
  if (s.ok()) s = r.String(db, p, "pause", &out->pause, false);
  if (s.ok()) s = r.String(db, p, "resume", &out->resume, false);
  if (s.ok()) s = r.String(db, p, "roles", &out->roles, false);
  if (s.ok()) s = r.String(db, p, "data_dir", &out->data_dir, false);
  if (s.ok()) s = r.String(db, p, "join", &out->join, false);
  if (s.ok()) s = r.String(db, p, "leave", &out->leave, false);
  if (s.ok()) s = r.String(db, p, "members", &out->members, false);
  if (s.ok()) s = r.Strings(db, p, "log_files", &out->log_files, false, "node file paths");
  if (s.ok()) s = r.Seconds(db, p, "start_timeout_s", &out->start_timeout_s);
  if (!s.ok()) return s;
  if (db.contains("faketime")) {
    if (!db["faketime"].is_boolean()) return r.Error("db.faketime", "must be true or false");
    out->faketime = db["faketime"].get<bool>();
  }
  if (db.contains("min_members")) {
    const json& m = db["min_members"];
    if (!m.is_number_integer() || m.get<int64_t>() < 1 || m.get<int64_t>() > 1000) {
      return r.Error("db.min_members", "must be an integer from 1 to 1000");
    }
    out->min_members = m.get<int>();
  }
  // A membership change needs all three: how to join, how to leave, and how
  // to tell who is a member (the nemesis picks from it; heal compares it).
  if (!out->join.empty() || !out->leave.empty() || !out->members.empty() || out->min_members > 0) {
    const std::pair<const char*, const std::string*> commands[] = {
        {"join", &out->join}, {"leave", &out->leave}, {"members", &out->members}};
    for (const auto& [key, value] : commands) {
      if (value->empty()) {
        return r.Error(std::string("db.") + key, "is required with any of db.join, db.leave, db.members, "
                                                "db.min_members (membership changes need all three commands)");
      }
    }
    if (no_nodes) return r.Error("db.join", "means nothing with \"nodes\": \"none\" (membership changes need nodes)");
  }
  if (db.contains("data_dir")) {
    const fs::path dir(out->data_dir);
    if (out->data_dir.empty() || std::find(dir.begin(), dir.end(), "..") != dir.end()) {
      return r.Error("db.data_dir", "must name a directory on the node without \"..\" (absolute, or relative "
                                    "to FAULTLINE_DATA_DIR)");
    }
    if (no_nodes) return r.Error("db.data_dir", "means nothing with \"nodes\": \"none\" (storage faults need nodes)");
  }
  if (!out->pid_file.empty() && !fs::path(out->pid_file).is_absolute()) {
    return r.Error("db.pid_file", "must be an absolute path on the node");
  }
  // The cmdline check is what keeps a stale pid (reused by another program)
  // from ever being signalled.
  if (!out->pid_file.empty() && out->process_match.empty()) {
    return r.Error("db.process_match",
                   "is required with db.pid_file (a substring of the store's "
                   "/proc/PID/cmdline, checked before every signal)");
  }
  if (out->pid_file.empty() && !out->process_match.empty()) {
    return r.Error("db.process_match", "only means something with db.pid_file");
  }
  if (!out->pid_file.empty() && (!out->kill.empty() || !out->pause.empty() || !out->resume.empty())) {
    return r.Error(out->kill.empty() ? (out->pause.empty() ? "db.resume" : "db.pause") : "db.kill",
                   "give either db.pid_file or kill/pause/resume commands, not both");
  }
  if (out->pause.empty() != out->resume.empty()) {
    return r.Error(out->pause.empty() ? "db.pause" : "db.resume", "db.pause and db.resume go together");
  }
  if (!out->kill.empty() && out->start.empty()) {
    return r.Error("db.start", "is required with db.kill (a killed store must be started again)");
  }
  for (const auto& f : out->log_files) {
    if (!fs::path(f).is_absolute())
      return r.Error("db.log_files", "\"" + f + "\" must be an absolute node path");
  }
  return Status::Ok();
}

}  // namespace

Result<ExternalSpec> ParseExternalSpec(std::string_view text, const std::string& path) {
  SpecReader r(path);
  auto parsed = ParseBoundedJson(text, JsonLimits{kMaxNesting, kMaxSpecFileBytes});
  if (!parsed.ok()) return Status::Error(path + ": not a valid target spec: " + parsed.status().message());
  const json& j = *parsed;
  if (!j.is_object()) return Status::Error(path + ": a target spec must be a JSON object");
  ExternalSpec spec;
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec).lexically_normal();
  spec.file = abs.string();
  spec.dir = abs.parent_path().string();
  Status s = r.OnlyKeys(j, "", {"name", "fs", "nodes", "db", "client"});
  if (s.ok()) s = r.String(j, "", "name", &spec.name, true);
  if (!s.ok()) return s;
  if (j.contains("nodes")) {
    if (j["nodes"] != "none") {
      return r.Error("nodes", "must be \"none\" (the store runs on the controller: no nodes, no cluster), "
                              "or absent (the store runs on the nodes)");
    }
    spec.no_nodes = true;
  }
  for (char c : spec.name) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '_')) {
      return r.Error("name", "\"" + spec.name + "\" may only use a-z, 0-9, - and _ (it names directories)");
    }
  }
  std::vector<std::string> fs_list;
  if (s = r.Strings(j, "", "fs", &fs_list, true, "op names"); !s.ok()) return s;
  spec.fs.insert(fs_list.begin(), fs_list.end());
  if (!j.contains("db") && !spec.no_nodes) return r.Error("db", "is missing");
  if (j.contains("db")) {
    if (s = ReadDb(r, j["db"], spec.no_nodes, &spec.db); !s.ok()) return s;
  }
  if (!j.contains("client")) return r.Error("client", "is missing");
  const json& c = j["client"];
  if (!c.is_object()) return r.Error("client", "must be an object");
  s = r.OnlyKeys(c, "client.", {"command", "op_timeout_s", "init_timeout_s"});
  if (s.ok()) s = r.Strings(c, "client.", "command", &spec.client.command, true, "program arguments");
  if (s.ok()) s = r.Seconds(c, "client.", "op_timeout_s", &spec.client.op_timeout_s);
  if (s.ok()) s = r.Seconds(c, "client.", "init_timeout_s", &spec.client.init_timeout_s);
  if (s.ok()) s = ResolveCommand(r, spec.dir, &spec.client.command);
  if (!s.ok()) return s;
  return spec;
}

Result<ExternalSpec> LoadExternalSpec(const std::string& path) {
  // Not a FIFO or a device: reading one could block forever (or never end).
  std::error_code ec;
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec)) {
    return Status::Error(path + ": the target spec is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot read the target spec file");
  std::string text(kMaxSpecFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return ParseExternalSpec(text, path);
}

std::string DescribeExternalSpec(const ExternalSpec& s) {
  std::string ops, caps = "setup, teardown";
  for (const auto& f : s.fs) ops += (ops.empty() ? "" : ", ") + f;
  if (s.db.killable()) caps += ", kill";
  if (s.db.pausable()) caps += ", pause";
  if (s.db.faketime) caps += ", clock (libfaketime)";
  if (!s.db.roles.empty()) caps += ", roles";
  if (s.db.reconfigurable()) caps += ", membership (join, leave)";
  if (!s.db.data_dir.empty()) caps += ", disk (data_dir)";
  if (!s.db.log_files.empty()) caps += ", logs";
  std::string cmd;
  for (const auto& a : s.client.command) cmd += (cmd.empty() ? "" : " ") + a;
  return s.name + " (" + s.file + ")\n  ops: " + ops +
         (s.no_nodes ? "\n  nodes: none (the store runs on the controller; no nemeses)" : "") + "\n  db: " + caps +
         (s.db.pid_file.empty() ? "" : " (signals by pid file " + s.db.pid_file + ")") +
         "\n  adapter: " + cmd + " (op timeout " + json(s.client.op_timeout_s).dump() + " s)";
}

}  // namespace faultline
