// The ringstore process: opens the replica store in --data-dir, builds the
// ring and the coordinator of --mode, and serves the HTTP/JSON API until
// killed. The API (all bodies JSON; keys are one URL path segment):
//
//   GET  /kv/{key}                      -> {"value": V}          (null when absent)
//   PUT  /kv/{key}          {"value": V} -> {"ok": true}
//   POST /kv/{key}/cas      {"expected": A, "new": B} -> {"ok": true}
//                                         | 409 {"error", "definite": true, "value": current}
//   POST /set/{key}/add     {"element": E} -> {"ok": true}
//   GET  /set/{key}                     -> {"value": [E, ...]}
//   POST /counter/{key}/add {"delta": D}   -> {"ok": true, "value": new total}   (D an integer)
//   GET  /counter/{key}                 -> {"value": N}          (0 when absent)
//   GET  /health                        -> {"ok": true, "id": ..., "mode": ...}
//   GET  /ring[?key=K]                  -> nodes, tokens (or K's replicas)
//   GET  /status                        -> mode, peers seen, log size, counters
//   POST /internal/...                  node-to-node RPCs of the mode
//
// Errors: {"error": "...", "definite": true|false}. definite = the operation
// certainly did not and will not take effect (400 bad request, 409 cas
// precondition failed, 503 no quorum); definite=false = it may have (504).
// Bodies over 1 MiB, JSON nested deeper than 256, numbers out of range,
// malformed JSON, missing fields and keys that are not UTF-8 get 400; the
// server stays up. The routes are NodeApi's (node_api.h), so they can be
// called in-process; httplib only frames the requests.
//
// Threading: a large fixed pool of server threads (a request waiting on peers
// must not starve others; keep-alive peer connections each hold one).
#pragma once

#include "targets/ringstore/config.h"

namespace faultline::ringstore {

// Serves until the process is killed. Returns a process exit code (1 with a
// one-line message on stderr when the store cannot be opened or the listen
// address cannot be bound).
int RunRingstore(const Config& config);

}  // namespace faultline::ringstore
