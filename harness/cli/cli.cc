#include "harness/cli/cli.h"

#include <algorithm>
#include <cstdio>
#include <exception>

namespace faultline {

static void PrintCommands() {
  std::printf("usage: faultline <command> [flags]   (faultline <command> --help for its flags)\n\n");
  std::printf("commands:\n");
  int width = 0;
  for (const auto* e : CommandRegistry::Get().All()) width = std::max(width, static_cast<int>(e->name.size()));
  for (const auto* e : CommandRegistry::Get().All()) {
    std::printf("  %-*s  %s\n", width, e->name.c_str(), e->summary.c_str());
  }
}

int RunCli(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "help") {
    // `faultline help CMD [SUB]` = `faultline CMD [SUB] --help`.
    std::vector<std::string> args(argv + 2, argv + argc);
    args.push_back("--help");
    std::vector<char*> forwarded = {argv[0]};
    for (auto& a : args) forwarded.push_back(a.data());
    return RunCli(static_cast<int>(forwarded.size()), forwarded.data());
  }
  if (argc < 2 || std::string(argv[1]) == "help" || std::string(argv[1]) == "--help" ||
      std::string(argv[1]) == "-h") {
    PrintCommands();
    return argc < 2 ? kExitBadInput : kExitValid;
  }
  std::string name = argv[1];
  // The spelling every tool accepts; the same as the `version` command.
  if (name == "--version") name = "version";
  const auto* entry = CommandRegistry::Get().Find(name);
  if (!entry) {
    std::fprintf(stderr, "faultline: unknown command \"%s\" (known: %s)\n", name.c_str(),
                 CommandRegistry::Get().NamesJoined().c_str());
    return kExitBadInput;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    return entry->factory(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faultline %s: internal error: %s\n", name.c_str(), e.what());
    return kExitInfra;
  }
}

}  // namespace faultline
