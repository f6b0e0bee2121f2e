#!/usr/bin/env python3
"""faultline adapter for ringstore: the worked example of the adapter protocol.

faultline starts one of these per worker and talks to it in JSON lines
(README "The adapter protocol"): first an init message naming the node this
worker talks to, then one invoke at a time, each answered by exactly one
completion with the same id. Standard library only (http.client, json).
"""
import http.client
import json
import sys
import urllib.parse


def log(*args):
    # stderr goes to faultline's run log, prefixed with the worker.
    print(*args, file=sys.stderr, flush=True)


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


class Ringstore:
    """One keep-alive HTTP connection to one ringstore node."""

    def __init__(self, address, port, timeout):
        self.address, self.port, self.timeout = address, port, timeout
        self.conn = None

    def request(self, method, path, body=None):
        """(status, parsed body). Raises ConnectionRefusedError when no
        connection could be made (the request never left: a definite fail),
        other OSErrors when it is unknown whether the store got it."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.address, self.port, timeout=self.timeout)
        data = None if body is None else json.dumps(body)
        headers = {} if body is None else {"Content-Type": "application/json"}
        try:
            self.conn.request(method, path, body=data, headers=headers)
            res = self.conn.getresponse()
            text = res.read()
        except Exception:
            self.conn.close()
            self.conn = None  # reconnect for the next op
            raise
        try:
            return res.status, json.loads(text)
        except ValueError:
            return res.status, {"error": text[:200].decode("utf-8", "replace")}


def handle(store, op):
    """The completion of one invoke (without its id)."""
    f, key, value = op["f"], op.get("key"), op.get("value")
    k = urllib.parse.quote(key if isinstance(key, str) else
                           "default" if key is None else json.dumps(key), safe="")
    read = f in ("read", "set-read", "counter-read")
    if f == "read":
        req = ("GET", "/kv/" + k, None)
    elif f == "write":
        req = ("PUT", "/kv/" + k, {"value": value})
    elif f == "cas":
        req = ("POST", "/kv/" + k + "/cas", {"expected": value[0], "new": value[1]})
    elif f == "set-add":
        req = ("POST", "/set/" + k + "/add", {"element": value})
    elif f == "set-read":
        req = ("GET", "/set/" + k, None)
    elif f == "counter-add":
        req = ("POST", "/counter/" + k + "/add", {"delta": value})
    elif f == "counter-read":
        req = ("GET", "/counter/" + k, None)
    else:
        return {"type": "fail", "error": "unsupported f " + f}
    try:
        status, body = store.request(*req)
    except ConnectionRefusedError as e:
        return {"type": "fail", "error": "cannot connect: %s" % e}
    except OSError as e:  # timeout, reset: it may or may not have happened
        return {"type": "info", "error": "%s: %s" % (type(e).__name__, e)}
    except http.client.HTTPException as e:
        return {"type": "info", "error": "%s: %s" % (type(e).__name__, e)}
    if status == 200:
        # Writes keep the invocation's value: no "value" in the answer.
        return {"type": "ok", "value": body.get("value")} if read else {"type": "ok"}
    error = body.get("error", "HTTP %d" % status) if isinstance(body, dict) else "HTTP %d" % status
    if status == 409 and f == "cas":
        # The cas precondition did not hold: definitely no effect.
        return {"type": "fail", "error": "precondition failed: " + error}
    # ringstore says whether a failure is definite; without that, 4xx means
    # rejected before doing anything, anything else is unknown.
    definite = body.get("definite", 400 <= status < 500) if isinstance(body, dict) else False
    return {"type": "fail" if definite else "info", "error": error}


def main():
    init = json.loads(sys.stdin.readline() or "null")
    if not init or init.get("type") != "init":
        send({"type": "error", "error": "expected an init message first"})
        return 1
    opts = init.get("opts", {})
    try:
        port = int(opts.get("port", "7100"))
    except ValueError:
        send({"type": "error", "error": "port=%r is not a number" % opts["port"]})
        return 1
    # Below faultline's op timeout, so a slow store gives this adapter's own
    # info rather than faultline killing it.
    store = Ringstore(init["address"], port, timeout=max(0.5, init.get("op_timeout_s", 5) * 0.8))
    send({"type": "init_ok"})
    for line in sys.stdin:  # EOF: the run is over
        op = json.loads(line)
        answer = handle(store, op)
        answer["id"] = op["id"]
        send(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
