#!/usr/bin/env python3
"""A deliberately misbehaving faultline adapter for the tests.

argv[1] is the behaviour; an in-memory register store answers the ops it
does not break. Every process appends its pid to <state>/pids (the state
dir comes from --target-opt state=DIR, FAULTLINE_OPT_STATE), so the tests can
check that nothing is left running and count restarts.

  good          behaves
  crash         exits 3 (after a stderr line) on the 3rd op of the first process
  garbage       answers the 2nd op of the first process with a non-JSON line
  wrong-id      answers the 2nd op of the first process with id + 100
  bad-type      answers the 2nd op of the first process with type "maybe"
  too-long      answers the 2nd op of the first process with a 17 MiB line
  hang          never answers the 2nd op of the first process
  no-init       never answers init
  init-error    answers init with an error
  crash-then-no-init  first process exits on its first op; later ones never answer init
  crash-then-exit     first process exits on its first op; later ones exit before init
  flood         writes 5000 stderr lines per op
  ignore-eof    keeps running after stdin closes, with a forked child
  stop-reading  answers init, then never reads stdin again
"""
import json
import os
import subprocess
import sys
import time

mode = sys.argv[1]
state = os.environ.get("FAULTLINE_OPT_STATE", "/tmp")
with open(os.path.join(state, "pids"), "a") as f:
    f.write("%d\n" % os.getpid())
with open(os.path.join(state, "pids")) as f:
    generation = len(f.read().split())  # 1 for the first process


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


if mode == "crash-then-exit" and generation > 1:
    sys.exit(5)
init = json.loads(sys.stdin.readline())
print("init for", init["node"], "env node", os.environ.get("FAULTLINE_NODE"), file=sys.stderr, flush=True)
print("init json:", json.dumps(init, sort_keys=True, separators=(",", ":")), file=sys.stderr, flush=True)
if mode == "no-init" or (mode == "crash-then-no-init" and generation > 1):
    time.sleep(1000)
if mode == "init-error":
    send({"type": "error", "error": "cannot reach the store"})
    sys.exit(1)
if mode == "ignore-eof":
    child = subprocess.Popen(["sleep", "1000"])
    with open(os.path.join(state, "child"), "w") as f:
        f.write("%d\n" % child.pid)
send({"type": "init_ok"})
if mode == "stop-reading":
    time.sleep(1000)

value = None
n = 0
for line in sys.stdin:
    n += 1
    op = json.loads(line)
    first = generation == 1
    if mode == "crash" and first and n == 3:
        print("boom: giving up", file=sys.stderr, flush=True)
        sys.exit(3)
    if mode in ("crash-then-no-init", "crash-then-exit") and first:
        sys.exit(4)
    if first and n == 2:
        if mode == "garbage":
            sys.stdout.write("this is not json\n")
            sys.stdout.flush()
            continue
        if mode == "wrong-id":
            send({"id": op["id"] + 100, "type": "ok"})
            continue
        if mode == "bad-type":
            send({"id": op["id"], "type": "maybe"})
            continue
        if mode == "too-long":
            sys.stdout.write('{"id": %d, "type": "ok", "value": "%s"}\n' % (op["id"], "x" * (17 << 20)))
            sys.stdout.flush()
            continue
        if mode == "hang":
            time.sleep(1000)
    if mode == "flood":
        for i in range(5000):
            sys.stderr.write("flood line %d of op %d\n" % (i, op["id"]))
        sys.stderr.flush()
    f = op["f"]
    if f == "read":
        send({"id": op["id"], "type": "ok", "value": value})
    elif f == "write":
        value = op["value"]
        send({"id": op["id"], "type": "ok"})
    elif f == "cas":
        if value == op["value"][0]:
            value = op["value"][1]
            send({"id": op["id"], "type": "ok"})
        else:
            send({"id": op["id"], "type": "fail", "error": "precondition failed"})
    else:
        send({"id": op["id"], "type": "fail", "error": "unsupported f " + f})

if mode == "ignore-eof":
    time.sleep(1000)
