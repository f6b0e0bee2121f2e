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

  // Each flag has a help line and, in Usage(), a placeholder for its value
  // ("--time-limit SECONDS"): `placeholder` when given, else one derived from
  // the name, the kind and the help (see Usage()).
  void String(const std::string& name, std::string* out, const std::string& help,
              const std::string& placeholder = "");
  void Int(const std::string& name, long long* out, const std::string& help,
           const std::string& placeholder = "");
  // An int flag; values outside int's range are rejected.
  void Int(const std::string& name, int* out, const std::string& help, const std::string& placeholder = "");
  void Double(const std::string& name, double* out, const std::string& help,
              const std::string& placeholder = "");
  void Bool(const std::string& name, bool* out, const std::string& help);
  // Repeatable: every occurrence appends.
  void Strings(const std::string& name, std::vector<std::string>* out, const std::string& help,
               const std::string& placeholder = "");

  // Parses `args`. Non-flag arguments go to positionals(). Returns an error
  // line naming the flag ("--time-limit: \"x\" is not a number",
  // "unknown flag --foo"). `--help`/`-h` sets help_requested().
  Status Parse(const std::vector<std::string>& args);
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool help_requested() const { return help_; }
  // True when the flag appeared on the command line.
  bool WasSet(const std::string& name) const { return set_.count(name) > 0; }
  // Multi-line description of the flags, for --help: one line per flag,
  // "--name PLACEHOLDER  help", the help column aligned. A derived
  // placeholder is, by the first rule that fits: KEY=VALUE (a name ending in
  // -opt), MS (-ms), SECONDS (a number whose name says time, interval or
  // timeout), PORT, FILE (-file, spec, -key, known-hosts), DIR (store,
  // report, resume, state-root, -dir), LIST (help says "comma"), FRACTION
  // (help says "fraction"), N (other numbers), else the name's last word in
  // capitals (--target TARGET, --clock-strategy STRATEGY).
  std::string Usage() const;

 private:
  struct Def {
    enum Kind { kString, kInt, kInt32, kDouble, kBool, kStrings } kind;
    void* out;
    std::string help;
    std::string placeholder;  // "" for a bool
  };
  void Define(const std::string& name, Def::Kind kind, void* out, const std::string& help,
              const std::string& placeholder);
  std::string command_;
  std::map<std::string, Def> defs_;
  std::vector<std::string> positionals_;
  std::map<std::string, int> set_;
  bool help_ = false;
};

// Prints "faultline <command>: <message>" to stderr and returns kExitBadInput.
int BadInput(const std::string& command, const std::string& message);

}  // namespace faultline
