// Schedule files: exact fault times for a run (`--nemesis-schedule FILE`, the
// spec's "nemesis_schedule"), a JSON list of steps:
//
//   [{"at": 5,  "start": "partition", "partition": "majority"},
//    {"at": 8,  "start": "kill", "targets": "leader"},
//    {"after": 6, "stop": "kill"},
//    {"at": 20, "stop": "all"},
//    {"at": 30, "start": "pause", "on": ["n2"], "repeat": 3, "every": 10}]
//
// Each step has one time: "at" (seconds from the start of the main phase) or
// "after" (seconds after the previous step's first time; the first step: after
// the start), and one action: "start" or "stop" of a fault kind (a nemesis
// name; "stop": "all" stops every fault the schedule started). Options, by
// kind: "partition" (a partition kind, for start partition), "targets"
// (one|minority|majority|all|leader|primaries|non-leader) and "on" (node
// names, a list or a comma string) for the other kinds, "value" (an object
// passed to the nemesis as the op's value, for anything else). "repeat": N
// runs the step N times (default 1), "every" seconds apart (required when
// N > 1). Unknown keys are errors.
//
// Validation happens before anything runs: every error is one line naming the
// JSON path, e.g. `$[1].targets: unknown targets "leeder" (known: ...)`.
// Pure functions; thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "harness/core/op.h"
#include "harness/core/status.h"

namespace faultline {

struct ScheduleStep {
  double at_s = 0;       // resolved: seconds from the start of the main phase
  bool start = true;     // false: stop
  std::string fault;     // nemesis name ("partition"); "all" only for stop
  json value;            // the op's value (null: the nemesis chooses)
  int64_t repeat = 1;
  double every_s = 0;
};

// One step occurrence on the run's timeline (ExpandSchedule).
struct ScheduledOp {
  double at_s = 0;
  size_t step = 0;       // index into the file's steps
  bool start = true;
  std::string fault;
  json value;
};

// Validates `steps` (the parsed file). `known_faults`: the fault kinds that
// may be named (the registered nemeses). `time_limit_s` > 0: a step whose
// first time lies past it is an error (it would never run); <= 0: no check.
Result<std::vector<ScheduleStep>> ParseSchedule(const json& steps, const std::set<std::string>& known_faults,
                                                double time_limit_s = 0);

// Reads and validates a schedule file; errors start with the path.
inline constexpr size_t kMaxScheduleBytes = size_t{1} << 20;
Result<std::vector<ScheduleStep>> LoadScheduleFile(const std::string& path,
                                                   const std::set<std::string>& known_faults,
                                                   double time_limit_s = 0);

// Every occurrence of every step (repeats unrolled), ordered by time and then
// by the step's position in the file.
std::vector<ScheduledOp> ExpandSchedule(const std::vector<ScheduleStep>& steps);

// The fault kinds a schedule starts or stops by name (not "all").
std::set<std::string> ScheduleFaults(const std::vector<ScheduleStep>& steps);

// True when `text` names a schedule mode rather than a file.
inline bool IsScheduleMode(const std::string& text) { return text == "overlap" || text == "alternate"; }

}  // namespace faultline
