// The faultline controller binary: every subcommand registers itself (cli.h).
#include "harness/cli/cli.h"

int main(int argc, char** argv) { return faultline::RunCli(argc, argv); }
