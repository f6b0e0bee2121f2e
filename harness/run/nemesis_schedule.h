// The nemesis thread's schedules (`--nemesis-schedule`): when each fault
// starts and stops during the main phase.
//   - AlternateSchedule ("alternate"): one fault at a time; a start, then its
//     stop, `interval_s` apart after a healthy first interval; which fault to
//     start is drawn from the seed.
//   - OverlapSchedule ("overlap", the default): every fault kind starts and
//     stops on its own random schedule around `interval_s` (healthy for
//     0.25-1 interval, active for 0.5-1.5 intervals, drawn from the seed),
//     so with several kinds they overlap: a kill can start during a partition
//     and end after it. A fault op that completes with a "retry-after-s"
//     value (it could do nothing now; nemesis.h) is emitted again that many
//     seconds after its completion instead of its kind changing phase; the
//     thread serves the other kinds meanwhile. Once the op acts, the kind's
//     next phase change is drawn from when the op was first due (so it may
//     be due at once): waiting does not cost the fault its later cycles, and
//     the draws do not depend on how many tries an op took.
//   - FileSchedule (a schedule file, harness/run/schedule_file.h): each step's
//     op at its time. "stop": "all" becomes a stop of every fault the schedule
//     started and did not stop yet.
// All of them emit ops only on the nemesis thread, one at a time: a step due
// while the previous fault op is still running waits for it. A schedule
// file's op carries that wait: its "schedule" field (a history extra) holds
// {"step", "at" (planned seconds), "waited-s", "waited-for" (the f it waited
// for)}. Times count from the first time the generator is asked (the start of
// the main phase). Generators: not thread-safe (the scheduler's thread).
#pragma once

#include <vector>

#include "harness/run/generator.h"
#include "harness/run/schedule_file.h"
#include "nemesis/nemesis.h"

namespace faultline {

GenPtr AlternateSchedule(std::vector<FaultPair> pairs, double interval_s);
GenPtr OverlapSchedule(std::vector<FaultPair> pairs, double interval_s);
GenPtr FileSchedule(const std::vector<ScheduleStep>& steps);

// A wait shorter than this is scheduling jitter, not recorded as waited.
inline constexpr double kScheduleWaitNoteS = 0.05;

}  // namespace faultline
