// ExternalSpec: a store described without C++ — the target spec JSON file of
// `--target external --target-spec FILE` (README "Testing a third-party
// store"): shell commands for its lifecycle on the nodes (db.*) and the
// adapter program that speaks the JSON-lines protocol for the clients
// (client.*). See targets/external/external_db.h and external_client.h for
// what is done with them.
//
// Loading checks everything that can be checked on the controller, so a bad
// spec is refused before anything is deployed: unknown keys, missing
// required keys (name, fs, db.setup, db.teardown, client.command), wrong
// types, inconsistent capabilities (pause without resume, pid_file without
// process_match), and adapter files that do not exist. With "nodes": "none"
// (a store on the controller itself, e.g. on 127.0.0.1) the run has no nodes:
// db.setup and db.teardown become optional and run on the controller. Errors are one line
// naming the file and the key ("t.json: db.setup is missing").
// Plain values; thread-compatible.
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

// A spec's timeout (seconds, possibly fractional: "op_timeout_s": 0.5) as a
// duration.
inline std::chrono::milliseconds SpecSeconds(double s) {
  return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

struct ExternalDbSpec {
  std::string setup;                // install and start the store (all nodes at once); "": nothing
  std::string teardown;             // stop it and wipe its data; fine when nothing runs; "": nothing
  std::string health;               // exit 0 when ready; retried until start_timeout_s ("": setup's success)
  std::string pid_file;             // absolute node path: faultline signals this pid itself
  std::string process_match;        // substring /proc/PID/cmdline must contain (required with pid_file)
  std::string start;                // start again after a kill, keeping the data
  std::string kill, pause, resume;  // commands instead of signals by pid file
  // Prints the cluster's roles as JSON, {"leader": "n2", "primaries": ["n2"]}
  // (either may be missing): HasRoles, for --fault-targets leader etc.
  std::string roles;
  // The store's data directory on the node: absolute, or relative to
  // FAULTLINE_DATA_DIR ("data"). Given, the Db is HasDataDir: the disk
  // nemesis mounts it through faultline-fs (it needs Killable too).
  std::string data_dir;
  // Membership changes (Reconfigurable, for the membership nemesis), all
  // three or none. join: run on the node that joins, makes it a member of
  // the running store (then health as after start); leave: run on the node
  // that leaves, removes it and stops it; members: prints the members now as
  // a JSON array of node names (run on the nodes in turn until one exits 0).
  // join's and leave's stdout, when a JSON object, is the change's report.
  // The initial members are the first --target-opt initial-members=N nodes
  // (all without it; setup reads $FAULTLINE_OPT_INITIAL_MEMBERS).
  std::string join, leave, members;
  int min_members = 0;  // fewest members a leave keeps; 0: a majority of the nodes
  std::vector<std::string> log_files;  // absolute node paths, downloaded into the run
  double start_timeout_s = 30;
  bool faketime = false;  // run setup/start under libfaketime (clock faults reach the store)

  // The capabilities the keys give (README: pid_file or kill + start ->
  // Killable; pid_file or pause + resume -> Pausable).
  bool killable() const { return !start.empty() && (!pid_file.empty() || !kill.empty()); }
  bool pausable() const { return !pid_file.empty() || (!pause.empty() && !resume.empty()); }
  bool reconfigurable() const { return !join.empty(); }
};

struct ExternalClientSpec {
  // argv of the adapter; relative paths are resolved against the spec's dir.
  std::vector<std::string> command;
  double op_timeout_s = 5;
  // How long a (re)started adapter may take to answer init: an interpreter
  // or a JVM starting on a loaded machine needs longer than an op.
  double init_timeout_s = 10;
};

struct ExternalSpec {
  std::string file;  // the spec file, absolute
  std::string dir;   // its directory: the adapter's working directory
  std::string name;  // [a-z0-9_-]+: FAULTLINE_DATA_DIR is /var/lib/faultline/<name>
  std::set<std::string> fs;
  // "nodes": "none": the store runs on the controller (no cluster, no
  // --nodes); the db commands run there and the clients all use one
  // pseudo-node, "local" at 127.0.0.1. setup and teardown are then optional.
  bool no_nodes = false;
  ExternalDbSpec db;
  ExternalClientSpec client;
};

// Reads and checks the spec file at `path` (made absolute). Errors: one line,
// "<path>: <key>: <what is wrong>", or "<path>: cannot read ..." / "not JSON".
Result<ExternalSpec> LoadExternalSpec(const std::string& path);

// The same from the file's text (`path` names it in errors and anchors its
// relative paths).
Result<ExternalSpec> ParseExternalSpec(std::string_view text, const std::string& path);

// One-paragraph description for `faultline list --target-spec`: name, ops,
// capabilities, adapter command.
std::string DescribeExternalSpec(const ExternalSpec& spec);

}  // namespace faultline
