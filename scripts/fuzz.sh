#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz/ (history readers, test spec, ringstore
# requests), built with clang into build/fuzz — apart from the main gcc build.
#
#   bash scripts/fuzz.sh build               configure + build the targets
#   bash scripts/fuzz.sh replay              build, then run every target over its
#                                            checked-in corpus (seeds + every crash
#                                            ever found) once; exit 1 on any finding
#   bash scripts/fuzz.sh run SECONDS [T...]  build, then fuzz each target (all, or
#                                            the names given) for SECONDS, one at a
#                                            time, at nice 19
#
# Targets: jsonl_reader edn_reader jepsen_log_reader test_spec ringstore_request.
# Each target's body is an entry function in tests/fuzz/*_fuzz.h, which the
# normal test suite also replays over the corpora without sanitizers
# (CorpusReplayTest in tests_harness); the ctest fuzz_corpora_replay runs
# `replay` only when FAULTLINE_FUZZ_REPLAY=1.
# New inputs go to build/fuzz/corpus/<T>/, crashes to build/fuzz/artifacts/<T>/
# (copy a crash into tests/fuzz/corpus/<T>/ and add a unit test when fixed),
# each run's log to build/fuzz/logs/<T>.log; the last line of each run says
# its time and exec count.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/build/fuzz
targets=(jsonl_reader edn_reader jepsen_log_reader test_spec ringstore_request)
CXX_FUZZ=${CXX_FUZZ:-clang++-14}

build() {
  bash scripts/install-deps.sh
  local launcher=()
  if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S tests/fuzz -B "$out" -DCMAKE_CXX_COMPILER="$CXX_FUZZ" "${launcher[@]}" > /dev/null
  nice cmake --build "$out" -j "${JOBS:-2}" 2>&1 | grep -E "error|warning: unused" || true
  for t in "${targets[@]}"; do
    [ -x "$out/${t}_fuzz" ] || { echo "fuzz.sh: $out/${t}_fuzz was not built" >&2; exit 4; }
  done
}

# ASan: abort on the first report; UBSan: print the stack. Leaks are checked.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

replay() {
  local failed=0
  for t in "${targets[@]}"; do
    local dir=tests/fuzz/corpus/$t
    local files=()
    mapfile -t files < <(find "$dir" -type f | sort)
    if [ ${#files[@]} -eq 0 ]; then echo "fuzz.sh: $dir is empty" >&2; exit 4; fi
    local log=$out/logs/$t-replay.log
    mkdir -p "$out/logs"
    # Given files (not directories), libFuzzer runs each once and exits.
    if "$out/${t}_fuzz" -timeout=30 -rss_limit_mb=4096 "${files[@]}" > "$log" 2>&1 < /dev/null; then
      echo "fuzz replay $t: ${#files[@]} inputs, no finding"
    else
      echo "fuzz replay $t: FAILED (log: $log)"; tail -n 30 "$log"; failed=1
    fi
  done
  return $failed
}

run() {
  local seconds=$1; shift
  local which=("$@")
  [ ${#which[@]} -gt 0 ] || which=("${targets[@]}")
  for t in "${which[@]}"; do
    mkdir -p "$out/corpus/$t" "$out/artifacts/$t" "$out/logs"
    local log=$out/logs/$t.log
    echo "fuzzing $t for ${seconds}s (log $log)"
    (cd "$out/artifacts/$t" &&
      nice -n 19 "$out/${t}_fuzz" -max_total_time="$seconds" -jobs=1 -workers=1 -timeout=20 \
        -rss_limit_mb=4096 -max_len=65536 -artifact_prefix="$out/artifacts/$t/" \
        "$out/corpus/$t" "$root/tests/fuzz/corpus/$t" > "$log" 2>&1 < /dev/null) || true
    cat "$out/artifacts/$t"/fuzz-0.log >> "$log" 2>/dev/null || true
    rm -f "$out/artifacts/$t"/fuzz-0.log
    grep -E "^(#[0-9]+|Done|==[0-9]+==ERROR|SUMMARY)" "$log" | tail -n 2 || true
    ls "$out/artifacts/$t" | grep -E "^(crash|leak|timeout|oom)-" | sed "s|^|  finding: $out/artifacts/$t/|" || true
  done
}

case "${1:-}" in
  build) build ;;
  replay) build; replay ;;
  run) [ $# -ge 2 ] || { echo "usage: scripts/fuzz.sh run SECONDS [TARGET...]" >&2; exit 3; }
       build; shift; run "$@" ;;
  *) echo "usage: scripts/fuzz.sh build | replay | run SECONDS [TARGET...]" >&2; exit 3 ;;
esac
