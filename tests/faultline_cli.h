// Faultline(args): runs the built `faultline` binary (FAULTLINE_BINARY_DIR)
// with `args` — a string the shell splits, so quote paths with spaces — and
// returns its exit code (-1 when it did not exit normally) and its stdout and
// stderr together. For tests of the real CLI, end to end.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace faultline {

struct FaultlineOutput {
  int code = -1;
  std::string text;
};

inline FaultlineOutput Faultline(const std::string& args) {
  FaultlineOutput out;
  std::string cmd = std::string(FAULTLINE_BINARY_DIR) + "/faultline " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.text.append(buf, n);
  int status = pclose(p);
  out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace faultline
