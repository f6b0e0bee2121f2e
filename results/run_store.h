// RunStore: the on-disk results store (DESIGN.md §8).
//
//   <store>/<test-name>/<timestamp>/   one run: test.json, history.jsonl,
//                                      results.json, faultline.log,
//                                      nodes/<node>/..., report.html,
//                                      crashed.json (its controller died)
//   <store>/.active-faults.json        faults runs have not healed yet
//                                      (harness/run/fault_ledger.h)
//   <store>/<test-name>/latest -> <timestamp>
//   <store>/latest             -> <test-name>/<timestamp>
// Symlinks are relative (the store can be moved) and replaced atomically
// (symlink to a temporary name, then rename over the old link), so a reader
// never sees a missing or half-written `latest`.
//
// Functions are safe to call from several threads and processes at once:
// run directories are claimed with mkdir (atomic), files are written to a
// temporary name, fsynced and renamed into place.
#pragma once

#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

// Creates <store_root>/<test_name>/<timestamp>/ (parents as needed) and
// points both `latest` links at it. The timestamp is UTC, e.g.
// 20261126T071500.123; if that directory already exists (two runs in the
// same millisecond) a suffix -001, -002, ... keeps it unique, and names still
// sort in creation order (as long as the wall clock does not step back). Returns the run directory's path. Errors name the path
// and the OS reason; a test_name that is empty, contains '/' or starts with
// '.' is rejected, as is "latest". The store's runs index (runs_index.h) gets
// a "running" entry for it (a failure to append is ignored: it is a cache).
Result<std::string> CreateRunDir(const std::string& store_root, const std::string& test_name);

// Writes `j` (pretty, 2-space indent) to `path` atomically and durably:
// temporary file in the same directory, fsync, rename, fsync of the directory.
Status WriteJsonFile(const std::string& path, const json& j);

// In a run directory: present when SIGINT/SIGTERM cut the run short, so only
// a prefix of it was recorded and checked ({"events": N}).
inline constexpr const char* kInterruptedFile = "interrupted.json";
// The same for arbitrary text (used for report.html).
Status WriteTextFile(const std::string& path, const std::string& text);

// A stored run, loaded back for `faultline analyze` and the report.
struct LoadedRun {
  std::string dir;                 // the run directory (symlinks resolved)
  json test = json::object();      // test.json
  History history;                 // history.jsonl (possibly a prefix, see notes)
  json results;                    // results.json, or null when absent
  json crashed;                    // crashed.json, or null: the run's controller
                                   // died and a later run healed what it left
  std::vector<std::string> notes;  // things the user should know, e.g. a
                                   // truncated final line that was ignored
};

// "2026-11-26 07:15:00.123 UTC" from a run directory CreateRunDir named
// (20261126T071500.123, maybe with a -001 suffix); "" for other names.
std::string RunStartTime(const std::string& run_dir);

// Records in <run_dir>/crashed.json that this run's controller died without
// finishing, with `info` (who found it, when, which faults were healed).
// `faultline analyze` and the report then say so; the store's runs index
// (runs_index.h) gets a "crashed" entry.
Status MarkRunCrashed(const std::string& run_dir, const json& info);

// Loads `where`: "latest" (= <store_root>/latest), a run directory, or a test
// directory (<store>/<test>, via its `latest`). A final history line cut off
// mid-write (a run killed with kill -9) is dropped with a note; any other
// malformed line is an error "path:line: reason". Missing test.json or
// history.jsonl is an error naming the file.
Result<LoadedRun> LoadRun(const std::string& where, const std::string& store_root);

}  // namespace faultline
