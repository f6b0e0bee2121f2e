// Running a store under libfaketime (clock faults) without leaking /dev/shm.
//
// libfaketime 0.9.x gives every preloaded process that finds no
// FAKETIME_SHARED in its environment a POSIX semaphore and a shared memory
// object named by its pid (/dev/shm/sem.faketime_sem_PID, faketime_shm_PID),
// and removes them only when that process exits normally. A store the kill
// nemesis SIGKILLs leaves its pair behind for good, and a later preloaded
// process that gets the same pid cannot make its own (CI saw a run's setup
// fail after 20 such pids in a row, when namespace nodes still shared the
// host's /dev/shm while their pids did not). So a store gets one pair per
// node with a name of its own, made once by a preloaded shell that SIGKILLs
// itself (so it cannot remove it), renamed, passed in FAKETIME_SHARED (then
// libfaketime makes none), and removed at teardown. FAKETIME_DISABLE_SHM=1
// is set as well: newer libfaketime versions then use no shared memory at
// all (0.9.10, Debian 12's, ignores it).
#pragma once

#include <string>

namespace faultline {

// The pair's name stem for a store (`owner`, e.g. "ringstore") on one node;
// the node's name and address keep two clusters' "n1" apart on one host.
// Only [A-Za-z0-9_.-] (a POSIX ipc name must not have '/').
std::string FaketimePairId(const std::string& owner, const std::string& node_name,
                           const std::string& node_address);

// Shell lines setting $lib to the node's libfaketime (where Debian puts it,
// any architecture), or "" when it has none.
std::string FaketimeLibFindScript();

// Shell lines that, with $lib naming the libfaketime to preload, make sure the
// pair `id` exists (tries up to 100 pids) and export FAKETIME_SHARED and
// FAKETIME_DISABLE_SHM. On failure they print "libfaketime made no
// FAKETIME_SHARED ..." to stderr and `exit 1`.
std::string FaketimePairScript(const std::string& id);

// A shell command removing the pair `id`; always succeeds.
std::string FaketimePairRemoveCommand(const std::string& id);

}  // namespace faultline
