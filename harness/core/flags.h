// Command-line flags and exit codes, shared by every command and by the parts of
// the library that contribute flags (test spec, node flags).
//
// Bad input is reported as ONE line on stderr, prefixed "faultline <cmd>: ",
// with exit code kExitBadInput.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace faultline {

// Exit codes of every command (DESIGN.md §4).
inline constexpr int kExitValid = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUnknown = 2;
inline constexpr int kExitBadInput = 3;
inline constexpr int kExitInfra = 4;

// A small flag parser: `--name value`, `--name=value`, boolean `--name`,
// repeatable flags, and positional arguments. Not thread-safe (use in main).
class Flags {
 public:
  explicit Flags(std::string command) : command_(std::move(command)) {}

  void String(const std::string& name, std::string* out, const std::string& help);
  void Int(const std::string& name, long long* out, const std::string& help);
  // An int flag; values outside int's range are rejected.
  void Int(const std::string& name, int* out, const std::string& help);
  void Double(const std::string& name, double* out, const std::string& help);
  void Bool(const std::string& name, bool* out, const std::string& help);
  // Repeatable: every occurrence appends.
  void Strings(const std::string& name, std::vector<std::string>* out, const std::string& help);

  // Parses `args`. Non-flag arguments go to positionals(). Returns an error
  // line naming the flag ("--time-limit: \"x\" is not a number",
  // "unknown flag --foo"). `--help`/`-h` sets help_requested().
  Status Parse(const std::vector<std::string>& args);
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool help_requested() const { return help_; }
  // True when the flag appeared on the command line.
  bool WasSet(const std::string& name) const { return set_.count(name) > 0; }
  // Multi-line description of the flags, for --help.
  std::string Usage() const;

 private:
  struct Def {
    enum Kind { kString, kInt, kInt32, kDouble, kBool, kStrings } kind;
    void* out;
    std::string help;
  };
  std::string command_;
  std::map<std::string, Def> defs_;
  std::vector<std::string> positionals_;
  std::map<std::string, int> set_;
  bool help_ = false;
};

// Prints "faultline <command>: <message>" to stderr and returns kExitBadInput.
int BadInput(const std::string& command, const std::string& message);

}  // namespace faultline
