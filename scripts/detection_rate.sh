#!/usr/bin/env bash
# Detection rate of the nemeses (issue 6 "Must show"): for each mode x fault
# pair, SEEDS seeded runs of `faultline test` (ringstore, register workload,
# TIME seconds each) on a local 5-node cluster; prints, per pair, how many
# runs were found invalid and the client availability (answered / completed
# client ops; answered = ok, or fail by a cas precondition) from each run's
# results.json (the availability checker), also during faults and while
# healthy, on the cut-off vs the majority side of partitions, and the slowest
# recovery (heal -> first answered op on a node).
# Needs root, python3 and a build (bash scripts/build.sh). Not part of the suite.
#   SEEDS=10 TIME=30 bash scripts/detection_rate.sh            # the README table
#   PAIRS="lww:clock" SEEDS=3 bash scripts/detection_rate.sh   # one pair
# SCHEDULE=overlap runs the faults of a pair overlapping; the README table was
# measured one fault at a time (alternate, the default here).
set -uo pipefail
cd "$(dirname "$0")/.."
FL=build/faultline
SEEDS=${SEEDS:-10}
TIME=${TIME:-30}
STORE=${STORE:-store/detection}
NAME=${CLUSTER_NAME:-detect}
PAIRS=${PAIRS:-"paxos:partition,kill,pause,clock lww:clock eventual:partition"}
SCHEDULE=${SCHEDULE:-alternate}
[ -x "$FL" ] && [ -x build/ringstore ] || { echo "build first: bash scripts/build.sh" >&2; exit 3; }
command -v python3 >/dev/null || { echo "detection_rate.sh needs python3 (apt-get install python3)" >&2; exit 3; }

# Prints "A time=T fault=F healthy=H cut-off=C majority=M recovery-max=R"
# (answered fractions — by ops, then by time —, seconds; "-" where the run had
# none) from a run's results.json.
checker_figures() {
  python3 - "$1" <<'PY'
import json, sys
try:
    a = json.load(open(sys.argv[1]))["availability"]
except Exception as e:
    print("no availability in results.json (%s)" % e); sys.exit(0)
def f(x):
    v = (x or {}).get("availability")
    return "-" if v is None else "%.3f" % v
sides = a.get("partition_sides", {})
rec = [s for r in a.get("recovery", []) for s in r["nodes"].values() if s is not None]
never = sum(1 for r in a.get("recovery", []) for s in r["nodes"].values() if s is None)
t = a.get("time_availability")
print("%s time=%s fault=%s healthy=%s cut-off=%s majority=%s recovery-max=%s%s" % (
    f(a), "-" if t is None else "%.3f" % t, f(a.get("fault")), f(a.get("healthy")), f(sides.get("cut_off")), f(sides.get("majority")),
    "%.2fs" % max(rec) if rec else "-", " (%d node-heals never recovered)" % never if never else ""))
PY
}

# Min-max of each checker_figures column over the runs of one pair.
summarize() {
  python3 -c '
import sys
rows = [l.split()[:7] for l in sys.stdin if l.strip() and not l.startswith("no ")]
if not rows: print("no results"); sys.exit(0)
out = []
for i, cell in enumerate(rows[0]):
    name = cell.split("=")[0] + "=" if "=" in cell else ""
    vals = []
    for r in rows:
        v = r[i].split("=")[-1].rstrip("s") if i < len(r) else "-"
        if v != "-": vals.append(float(v))
    vals.sort()
    out.append(name + ("%.3f-%.3f" % (vals[0], vals[-1]) if vals else "-"))
print(" ".join(out))
'
}

mkdir -p "$STORE" || exit 4
"$FL" cluster up --nodes 5 --name "$NAME" --subnet "${SUBNET:-10.79.0.0/24}" >/dev/null || exit 4
trap '"$FL" cluster down --name "$NAME" >/dev/null' EXIT
cluster_file=/var/lib/faultline-cluster/$NAME/cluster.json

printf '%-9s %-27s %-9s %-9s %-9s %s\n' mode fault invalid valid other \
  "availability, min-max over runs (overall by ops, by time, during faults, healthy, cut-off/majority side of partitions, slowest recovery)"
for pair in $PAIRS; do
  mode=${pair%%:*} fault=${pair#*:}
  invalid=0 valid=0 other=0 figures_all=()
  for seed in $(seq 1 "$SEEDS"); do
    extra=()
    case $fault in *clock*) extra+=(--clock-max-skew-ms 5000) ;; esac
    "$FL" test --name "detect-$mode-${fault//,/-}" --store "$STORE" --cluster-file "$cluster_file" \
      --target ringstore --target-opt mode="$mode" --workload register \
      --time-limit "$TIME" --nemesis "$fault" --nemesis-interval 5 --nemesis-schedule "$SCHEDULE" --seed "$seed" "${extra[@]}" \
      >"$STORE.last.log" 2>&1
    rc=$?
    # Count a verdict only when the run printed it (exit 1 alone could be anything).
    verdict=$(sed -n 's/^.*verdict: \([a-z]*\).*$/\1/p' "$STORE.last.log" | tail -1)
    case "$rc:$verdict" in
      0:valid) valid=$((valid + 1)) ;;
      1:invalid) invalid=$((invalid + 1)) ;;
      *) other=$((other + 1)); echo "  run failed (exit $rc): $(tail -2 "$STORE.last.log")" >&2 ;;
    esac
    r=$STORE/latest/results.json
    [ -f "$r" ] || { echo "  no results at $r" >&2; continue; }
    figures=$(checker_figures "$r")
    figures_all+=("$figures")
    echo "  $mode $fault seed $seed: exit $rc, availability $figures ($(readlink -f "$STORE/latest"))" >&2
  done
  printf '%-9s %-27s %-9s %-9s %-9s %s\n' "$mode" "$fault" "$invalid/$SEEDS" "$valid/$SEEDS" \
    "$other/$SEEDS" "$(printf '%s\n' "${figures_all[@]}" | summarize)"
done
