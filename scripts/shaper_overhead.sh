#!/usr/bin/env bash
# Overhead of faultline-shaper (issue 15 "Must show"): TCP bulk throughput
# between two network namespaces over a local bridge, without the shaper and
# with it at delay 0 (every packet to the peer through NFQUEUE and back), REPS
# alternating runs of MB megabytes each. Prints one line per run, the medians
# and their ratio. Needs root, python3, build/faultline-shaper. Not part of
# the suite; cleans up what it made (by name of its own namespaces, by pid).
#   bash scripts/shaper_overhead.sh            # 3 runs each of 200 MB
#   REPS=5 MB=500 bash scripts/shaper_overhead.sh
set -uo pipefail
cd "$(dirname "$0")/.."
SHAPER=$PWD/build/faultline-shaper
REPS=${REPS:-3}
MB=${MB:-200}
T=fso$$
[ -x "$SHAPER" ] || { echo "build first: bash scripts/build.sh" >&2; exit 3; }
cleanup() {
  [ -n "${SP:-}" ] && kill -TERM "$SP" 2>/dev/null
  ip link del ${T}h1 2>/dev/null; ip link del ${T}h2 2>/dev/null
  ip netns del ${T}a 2>/dev/null; ip netns del ${T}b 2>/dev/null; ip link del ${T}br 2>/dev/null
}
trap cleanup EXIT
set -e
ip link add ${T}br type bridge && ip link set ${T}br up
for i in 1 2; do
  ns=${T}$( [ $i = 1 ] && echo a || echo b )
  ip netns add $ns
  ip link add ${T}h$i type veth peer name eth0 netns $ns
  ip link set ${T}h$i master ${T}br up
  ip -n $ns addr add 10.251.7.1$i/24 dev eth0
  ip -n $ns link set eth0 up; ip -n $ns link set lo up
done
set +e

# Seconds to send MB megabytes from namespace a to b.
transfer() {
  ip netns exec ${T}b python3 -c '
import socket
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.251.7.12", 7555)); s.listen(1)
c,_=s.accept()
while c.recv(1<<20): pass' &
  local rp=$!
  sleep 0.3
  ip netns exec ${T}a python3 -c '
import socket, sys, time
n=int(sys.argv[1])<<20; buf=b"x"*(1<<20)
s=socket.create_connection(("10.251.7.12", 7555)); t=time.time(); sent=0
while sent<n: s.sendall(buf); sent+=len(buf)
s.shutdown(socket.SHUT_WR); s.recv(1); print("%.3f" % (time.time()-t))' "$MB"
  wait $rp
}

plain=(); shaped=()
for r in $(seq 1 "$REPS"); do
  s=$(transfer); plain+=("$s")
  echo "run $r without shaper: $MB MB in $s s ($(python3 -c "print('%.0f' % ($MB/$s))") MB/s)"
  ip netns exec ${T}a iptables -w -A OUTPUT -d 10.251.7.12 -j NFQUEUE --queue-num 7301 --queue-bypass
  ip netns exec ${T}a "$SHAPER" --queue 7301 --delay-ms 0 > /dev/null 2>&1 &
  SP=$!
  sleep 0.3
  s=$(transfer); shaped+=("$s")
  kill -TERM $SP; wait $SP 2>/dev/null; SP=
  ip netns exec ${T}a iptables -w -D OUTPUT -d 10.251.7.12 -j NFQUEUE --queue-num 7301 --queue-bypass
  echo "run $r with shaper (delay 0): $MB MB in $s s ($(python3 -c "print('%.0f' % ($MB/$s))") MB/s)"
done
python3 - "$MB" "${plain[*]}" "${shaped[*]}" <<'PY'
import statistics, sys
mb = float(sys.argv[1])
p = statistics.median(map(float, sys.argv[2].split())); s = statistics.median(map(float, sys.argv[3].split()))
print("median: without %.0f MB/s, with shaper %.0f MB/s: the shaper keeps %.0f%% of the throughput (ratio %.2f)"
      % (mb / p, mb / s, 100 * p / s, p / s))
PY
