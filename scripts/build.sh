#!/usr/bin/env bash
# Configures and builds faultline into build/ (2 parallel jobs by default).
# Uses ccache when it is installed (developer machines); CI builds without it.
#   bash scripts/build.sh                      every target, tests included
#   bash scripts/build.sh faultline ringstore  only these targets (and what they link)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" > /dev/null
targets=()
if [ $# -gt 0 ]; then targets=(--target "$@"); fi
cmake --build build -j "${JOBS:-2}" "${targets[@]}"
