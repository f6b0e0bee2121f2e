#!/usr/bin/env python3
"""faultline adapter for etcd 3.4 through its v3 JSON gateway (POST /v3/kv/...).

Keys and values are base64 in the gateway; values are stored as their JSON
text, so a register holds any JSON value. Standard library only. The protocol
is the one of ringstore_adapter.py (README "The adapter protocol").
"""
import base64
import http.client
import json
import sys


def b64(text):
    return base64.b64encode(text.encode()).decode()


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


class Etcd:
    def __init__(self, address, port, timeout):
        self.address, self.port, self.timeout = address, port, timeout
        self.conn = None

    def post(self, path, body):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.address, self.port, timeout=self.timeout)
        try:
            self.conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            res = self.conn.getresponse()
            text = res.read()
        except Exception:
            self.conn.close()
            self.conn = None
            raise
        try:
            return res.status, json.loads(text)
        except ValueError:
            return res.status, {"error": text[:200].decode("utf-8", "replace")}


def handle(etcd, op):
    f, value = op["f"], op.get("value")
    key = op.get("key")
    key = b64(key if isinstance(key, str) else "default" if key is None else json.dumps(key))
    if f == "read":
        req = ("/v3/kv/range", {"key": key})
    elif f == "write":
        req = ("/v3/kv/put", {"key": key, "value": b64(json.dumps(value))})
    elif f == "cas":
        req = ("/v3/kv/txn", {
            "compare": [{"key": key, "target": "VALUE", "result": "EQUAL", "value": b64(json.dumps(value[0]))}],
            "success": [{"request_put": {"key": key, "value": b64(json.dumps(value[1]))}}]})
    else:
        return {"type": "fail", "error": "unsupported f " + f}
    try:
        status, body = etcd.post(*req)
    except ConnectionRefusedError as e:
        return {"type": "fail", "error": "cannot connect: %s" % e}
    except (OSError, http.client.HTTPException) as e:
        # A read has no effect either way; a write may have happened.
        return {"type": "fail" if f == "read" else "info", "error": "%s: %s" % (type(e).__name__, e)}
    if status != 200 or not isinstance(body, dict):
        error = "HTTP %d: %s" % (status, body.get("error", "") if isinstance(body, dict) else body)
        return {"type": "fail" if f == "read" else "info", "error": error}
    if f == "read":
        kvs = body.get("kvs") or []
        # proto3 JSON leaves out empty fields: an empty value has no "value".
        raw = base64.b64decode(kvs[0].get("value", "")).decode() if kvs else None
        return {"type": "ok", "value": None if raw is None else json.loads(raw)}
    if f == "cas" and not body.get("succeeded", False):
        return {"type": "fail", "error": "precondition failed"}
    return {"type": "ok"}


def main():
    init = json.loads(sys.stdin.readline() or "null")
    if not init or init.get("type") != "init":
        send({"type": "error", "error": "expected an init message first"})
        return 1
    port = int(init.get("opts", {}).get("client-port", "2479"))
    etcd = Etcd(init["address"], port, timeout=max(0.5, init.get("op_timeout_s", 5) * 0.8))
    send({"type": "init_ok"})
    for line in sys.stdin:
        op = json.loads(line)
        answer = handle(etcd, op)
        answer["id"] = op["id"]
        send(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
