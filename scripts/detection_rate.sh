#!/usr/bin/env bash
# Detection rate of the nemeses (issue 6 "Must show"): for each mode x fault
# pair, SEEDS seeded runs of `faultline test` (ringstore, register workload,
# TIME seconds each) on a local 5-node cluster; prints, per pair, how many
# runs were found invalid and the client availability (answered / completed
# client ops; answered = ok, or fail by a cas precondition). Needs root and a
# build (bash scripts/build.sh). Not part of the suite.
#   SEEDS=10 TIME=30 bash scripts/detection_rate.sh            # the README table
#   PAIRS="lww:clock" SEEDS=3 bash scripts/detection_rate.sh   # one pair
set -uo pipefail
cd "$(dirname "$0")/.."
FL=build/faultline
SEEDS=${SEEDS:-10}
TIME=${TIME:-30}
STORE=${STORE:-store/detection}
NAME=${CLUSTER_NAME:-detect}
PAIRS=${PAIRS:-"paxos:partition,kill,pause,clock lww:clock eventual:partition"}
[ -x "$FL" ] && [ -x build/ringstore ] || { echo "build first: bash scripts/build.sh" >&2; exit 3; }

mkdir -p "$STORE" || exit 4
"$FL" cluster up --nodes 5 --name "$NAME" --subnet "${SUBNET:-10.79.0.0/24}" >/dev/null || exit 4
trap '"$FL" cluster down --name "$NAME" >/dev/null' EXIT
cluster_file=/var/lib/faultline-cluster/$NAME/cluster.json

printf '%-9s %-27s %-9s %-9s %-9s %s\n' mode fault invalid valid other "availability (min-max)"
for pair in $PAIRS; do
  mode=${pair%%:*} fault=${pair#*:}
  invalid=0 valid=0 other=0 avail=()
  for seed in $(seq 1 "$SEEDS"); do
    extra=()
    case $fault in *clock*) extra+=(--clock-max-skew-ms 5000) ;; esac
    "$FL" test --name "detect-$mode-${fault//,/-}" --store "$STORE" --cluster-file "$cluster_file" \
      --target ringstore --target-opt mode="$mode" --workload register \
      --time-limit "$TIME" --nemesis "$fault" --nemesis-interval 5 --seed "$seed" "${extra[@]}" \
      >"$STORE.last.log" 2>&1
    rc=$?
    # Count a verdict only when the run printed it (exit 1 alone could be anything).
    verdict=$(sed -n 's/^.*verdict: \([a-z]*\).*$/\1/p' "$STORE.last.log" | tail -1)
    case "$rc:$verdict" in
      0:valid) valid=$((valid + 1)) ;;
      1:invalid) invalid=$((invalid + 1)) ;;
      *) other=$((other + 1)); echo "  run failed (exit $rc): $(tail -2 "$STORE.last.log")" >&2 ;;
    esac
    h=$STORE/latest/history.jsonl
    [ -f "$h" ] || { echo "  no history at $h" >&2; avail+=("nan"); continue; }
    # Answered = ok, or a definite cas precondition failure (a correct answer).
    ok=$(grep -v '"process":"nemesis"' "$h" | grep -cE '"type":"ok"|precondition failed.*"type":"fail"')
    done_=$(grep -v '"process":"nemesis"' "$h" | grep -cE '"type":"(ok|fail|info)"')
    avail+=("$(awk -v a="$ok" -v b="$done_" 'BEGIN{printf "%.3f", b ? a / b : 0}')")
    echo "  $mode $fault seed $seed: exit $rc, availability ${avail[-1]} ($STORE/latest)" >&2
  done
  sorted=$(printf '%s\n' "${avail[@]}" | sort -n)
  printf '%-9s %-27s %-9s %-9s %-9s %s-%s\n' "$mode" "$fault" "$invalid/$SEEDS" "$valid/$SEEDS" \
    "$other/$SEEDS" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)"
done
