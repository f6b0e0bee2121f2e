// The process tree as /proc shows it: which processes a process started.
// Used to find what runs inside a local node (children of its PID 1) and by
// tests that check nothing is left behind.
#pragma once

#include <sys/types.h>

#include <vector>

namespace faultline {

// The direct children of `parent`, found by scanning /proc/<pid>/stat (works
// without CONFIG_PROC_CHILDREN). Empty when /proc cannot be read. A process
// that exits during the scan may or may not be listed.
std::vector<pid_t> ChildrenOf(pid_t parent);

}  // namespace faultline
