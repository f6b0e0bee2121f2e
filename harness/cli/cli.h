// The `faultline` command line: the registry of subcommands and the dispatcher.
//
// Every `faultline <command>` is one file in this folder, a thin layer that
// parses its flags (core/flags.h) and calls the library. Each registers itself:
//   static Registrar<CommandFn> reg("check", "check histories for linearizability", &RunCheck);
// A CommandFn receives the arguments after the subcommand name and returns the
// process exit code (kExit* in core/flags.h). This folder is the top of the
// dependency graph: nothing outside harness/cli includes it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness/core/flags.h"
#include "harness/core/registry.h"

namespace faultline {

using CommandFn = std::function<int(const std::vector<std::string>& args)>;
using CommandRegistry = Registry<CommandFn>;

// Entry point used by faultline_main.cc: dispatches argv[1] to a command.
// Prints the command list for no command / help; an unknown command or an
// exception escaping a command is one line on stderr (exit 3 / 4).
int RunCli(int argc, char** argv);

}  // namespace faultline
