// The "ringstore" target: the bundled store deployed over SSH (RingstoreDb)
// plus its HTTP client (RingstoreClient). Options (--target-opt k=v): mode,
// replicas, vnodes, port, binary, start-timeout-ms, request-timeout-ms,
// rpc-timeout-ms (see ringstore_db.h).
#include <memory>

#include "targets/ringstore_client.h"
#include "targets/ringstore_db.h"

namespace faultline {
namespace {

Result<Target> MakeRingstoreTarget(const TargetOptions& options) {
  auto parsed = ParseRingstoreOptions(options);
  if (!parsed.ok()) return parsed.status();
  RingstoreOptions o = *parsed;
  Target t;
  t.name = "ringstore";
  t.db = std::make_unique<RingstoreDb>(o);
  t.new_client = [o] { return std::make_unique<RingstoreClient>(o.port, o.request_timeout); };
  // "txn-single": transactions of one micro-op (each a CASPaxos round on one
  // key); ringstore has no multi-key transactions, so not "txn".
  t.fs = {"read", "write", "cas", "set-add", "set-read", "counter-add", "counter-read", "txn-single"};
  t.needs_nodes = true;
  return t;
}

Registrar<TargetFactory> kRingstoreTarget("ringstore",
                             "the bundled store (consistent-hash ring + Paxos) deployed on the nodes; "
                             "mode=paxos|lww|eventual",
                             &MakeRingstoreTarget);

}  // namespace
}  // namespace faultline
