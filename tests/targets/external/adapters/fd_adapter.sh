# A faultline adapter for the descriptor tests, run as `bash -c "$(cat
# fd_adapter.sh)" fd-adapter MODE` (bash running a script file would hold it
# open on fd 255). It lists its own open descriptors — /proc/$$/fd, read by
# a child so the listing adds none — and answers every op with that list
# ("0,1,2") as the value. The state dir is FAULTLINE_OPT_STATE.
#
#   good       answers init, then every op
#   slow-init  appends its pid to <state>/pids, saves the init line in
#              <state>/init.<pid>, and never answers init (it exec's sleep,
#              which ignores its stdin closing)
state=${FAULTLINE_OPT_STATE:-/tmp}
ls /proc/$$/fd > "$state/fds.$$"
fds=$(sort -n "$state/fds.$$" | paste -sd, -)
rm -f "$state/fds.$$"
read -r init || exit 1
if [ "$1" = slow-init ]; then
  echo $$ >> "$state/pids"
  printf '%s\n' "$init" > "$state/init.$$"
  exec sleep 600
fi
echo '{"type":"init_ok"}'
while read -r line; do
  id=${line#*\"id\":}
  id=${id%%,*}
  echo "{\"id\":$id,\"type\":\"ok\",\"value\":\"$fds\"}"
done
