#!/usr/bin/env bash
# The main job. For now: builds faultline and lists its commands; the runner
# work turns this into a local-cluster chaos test of ringstore.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
./build/faultline help
