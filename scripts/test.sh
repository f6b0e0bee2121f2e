#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, runs every test
# (unit and, as root, integration tests with namespaces). Exit 0 = all passed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure -j "${JOBS:-2}" --timeout 900 "$@"
