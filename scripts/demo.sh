#!/usr/bin/env bash
# The main job: build faultline, bring up a local 5-node cluster (unless one is
# already up), deploy ringstore on it, run the register workload for 60 s under
# every fault this build has (partition, kill, ... as registered), then print
# the verdict and the report path. Links /usr/local/bin/faultline to
# build/faultline so `faultline` works afterwards. A cluster this script created is always
# removed again (trap), even when the test fails or is interrupted.
# Needs root (namespaces). Exit code = the test's (0 valid, 1 invalid, ...).
# Environment: TIME_LIMIT (default 60), NEMESIS (default: all registered).
set -euo pipefail
cd "$(dirname "$0")/.."
# Only the four binaries the demo runs: the test binaries are the bulk of a
# cold build (scripts/test.sh builds them).
bash scripts/build.sh faultline ringstore faultline-shaper faultline-fs
FL=./build/faultline

# `faultline` on PATH (README quick start). A link, not a copy: /proc/self/exe
# is then build/faultline, so it finds build/ringstore, build/faultline-shaper and build/faultline-fs
# beside it, and later builds need no reinstall. An installed faultline (not a
# link) is left alone.
link=/usr/local/bin/faultline
if [ -e "$link" ] && [ ! -L "$link" ]; then
  echo "== $link is an installed faultline: left as is (this build: $PWD/build/faultline)"
elif ln -sfn "$PWD/build/faultline" "$link" 2>/dev/null; then
  echo "== faultline on PATH: $link -> $PWD/build/faultline ($("$FL" --version))"
else
  echo "== could not link $link (run ./build/faultline, or cmake --install build)"
fi

made_cluster=0
cleanup() {
  if [ "$made_cluster" = 1 ]; then
    echo "== removing the local cluster"
    "$FL" cluster down || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if "$FL" cluster status >/dev/null 2>&1; then
  echo "== using the local cluster that is already up"
else
  echo "== faultline cluster up --nodes 5"
  "$FL" cluster down >/dev/null 2>&1 || true   # leftovers of a crashed run
  made_cluster=1
  "$FL" cluster up --nodes 5
fi

# Every registered nemesis, e.g. "partition,clock,kill,pause,packet".
nemeses="${NEMESIS:-$("$FL" list | awk '/^nemeses:/ {on=1; next} /^$/ {on=0} on && $1 != "(none)" {print $1}' | paste -sd, -)}"
args=(test --target ringstore --workload register --time-limit "${TIME_LIMIT:-60}"
      --concurrency 10 --rate 200)
if [ -n "$nemeses" ]; then
  args+=(--nemesis "$nemeses" --nemesis-interval 10)
fi
echo "== faultline ${args[*]}"
set +e
"$FL" "${args[@]}"
code=$?
set -e
run="$(readlink -f store/latest 2>/dev/null || true)"
case $code in
  0) verdict=valid ;; 1) verdict=invalid ;; 2) verdict=unknown ;;
  3) verdict="bad input" ;; *) verdict="infrastructure error" ;;
esac
echo "== verdict: $verdict (exit $code)"
if [ -n "$run" ]; then
  if [ -f "$run/report.html" ]; then
    echo "== report: $run/report.html"
  else
    echo "== run directory: $run"
  fi
fi
exit $code
