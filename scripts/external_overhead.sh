#!/usr/bin/env bash
# Overhead of the external target (issue 13 "Must show"): ops/s and latency of
# ringstore driven by its Python adapter (--target-spec
# targets/external/ringstore.json) vs the built-in C++ client (--target
# ringstore), same store, same 3-node local cluster, WORKERS unthrottled
# workers (--rate 0), no faults, TIME seconds, REPS alternating runs each.
# Prints one line per run and the medians. Needs root, python3, a build.
# Not part of the suite.
#   bash scripts/external_overhead.sh                 # 10 workers, 10 s, 3 runs each
#   WORKERS=20 TIME=20 REPS=5 bash scripts/external_overhead.sh
set -uo pipefail
cd "$(dirname "$0")/.."
FL=build/faultline
WORKERS=${WORKERS:-10}
TIME=${TIME:-10}
REPS=${REPS:-3}
STORE=$(mktemp -d /tmp/faultline-overhead-XXXXXX)
NAME=${CLUSTER_NAME:-overhd}
[ -x "$FL" ] && [ -x build/ringstore ] || { echo "build first: bash scripts/build.sh" >&2; exit 3; }
"$FL" cluster up --nodes 3 --name "$NAME" --subnet "${SUBNET:-10.79.1.0/24}" >/dev/null || exit 4
trap '"$FL" cluster down --name "$NAME" >/dev/null; rm -rf "$STORE"' EXIT
cluster_file=/var/lib/faultline-cluster/$NAME/cluster.json

# "OPS_PER_S P50_MS P99_MS" of the completions in the main phase of the last run.
figures() {
  python3 - "$STORE/latest/history.jsonl" "$TIME" <<'PY'
import json, sys
limit = float(sys.argv[2]) * 1e9
invoked, lat = {}, []
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["process"] == "nemesis":
        continue
    if o["type"] == "invoke":
        invoked[o["process"]] = o["time"]
    elif o["time"] <= limit:
        lat.append((o["time"] - invoked[o["process"]]) / 1e6)
lat.sort()
print("%.0f %.2f %.2f" % (len(lat) / (limit / 1e9), lat[len(lat) // 2], lat[int(len(lat) * 0.99)]))
PY
}

declare -A runs
for rep in $(seq 1 "$REPS"); do
  for kind in builtin external; do
    if [ "$kind" = builtin ]; then
      target=(--target ringstore --target-opt "binary=$PWD/build/ringstore")
    else
      target=(--target-spec targets/external/ringstore.json --target-opt "binary=$PWD/build/ringstore")
    fi
    "$FL" test "${target[@]}" --name "overhead-$kind" --store "$STORE" --cluster-file "$cluster_file" \
      --workload register --time-limit "$TIME" --concurrency "$WORKERS" --rate 0 --seed "$rep" \
      >/dev/null 2>&1 || { echo "$kind run $rep failed: see $STORE" >&2; trap - EXIT; exit 4; }
    f=$(figures)
    runs[$kind]+="${f%% *} "
    echo "$kind run $rep: ops/s p50-ms p99-ms = $f"
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
b=$(echo "${runs[builtin]}" | median)
e=$(echo "${runs[external]}" | median)
echo "median ops/s at $WORKERS workers: built-in $b, external (Python adapter) $e ($(( 100 * e / b ))% of built-in)"
