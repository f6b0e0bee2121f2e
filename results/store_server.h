// StoreServer: `faultline serve`, a read-only web view of a results store.
//
//   /                      the runs, newest first, grouped by test name (the
//                          group with the newest run first), coloured by
//                          verdict (Jepsen's colours; crashed and running runs
//                          say so), with start time, duration, ops, ops/s and
//                          availability; ?test=SUBSTRING&verdict=V filters
//                          (V: valid, invalid, unknown, crashed, running).
//   /run/<test>/<stamp>    one run: its facts, live status while it runs
//                          (refreshing on its own from /status/...), its files
//                          and node logs, its report.
//   /status/<test>/<stamp> the run's status.json (run_status.h) plus its index
//                          state, as JSON.
//   /files/<path>          a file under the store (report.html, history.jsonl,
//                          nodes/<node>/..., ...), downloadable.
//
// The listing reads the runs index (runs_index.h) and lists the store's run
// directories (names only), never every results.json, so 10,000 runs list in
// well under a second. Paths are checked before anything is opened: a path
// segment that is empty, ".", "..", hidden (".x"), or holds '%', '\\' or a
// control character (httplib has already decoded %XX once, so "%2e%2e" came in
// as ".."), and any file whose real path (symlinks resolved) is not under the
// store, is 404. Only GET and HEAD exist; nothing is ever written or run.
// Binds 127.0.0.1 unless told otherwise. Requests are served by a pool of
// threads; the object is thread-safe once started.
#pragma once

#include <memory>
#include <string>

#include "harness/core/status.h"

namespace faultline {

struct ServeOptions {
  std::string store = "store";
  std::string bind = "127.0.0.1";  // only this host by default: results can hold secrets
  int port = 8080;                 // 0: any free port (see StoreServer::port)
};

class StoreServer {
 public:
  explicit StoreServer(ServeOptions options);
  ~StoreServer();  // stops and joins
  StoreServer(const StoreServer&) = delete;
  StoreServer& operator=(const StoreServer&) = delete;

  // Binds and starts serving on a thread of its own. Error: the store is not
  // a directory, or the address cannot be bound (names both).
  Status Start();
  // The bound port (after Start).
  int port() const;
  // Stops serving; idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline
