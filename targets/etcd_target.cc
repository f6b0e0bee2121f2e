// The "etcd" target: a third-party store (etcd 3.4, Debian's etcd-server)
// deployed as a cluster on the nodes (EtcdDb) with a v3-gateway client
// (EtcdClient) for the register workload and transactions (f "txn": the
// list-append and rw-register workloads, multi-key, so fs has "txn" as well as
// "txn-single"; etcd_txn.h). Options (--target-opt k=v):
// client-port, peer-port, binary, start-timeout-ms, request-timeout-ms,
// initial-members (see etcd_db.h). Also the worked example of "testing a
// third-party store" in the README.
#include <memory>

#include "targets/etcd_client.h"
#include "targets/etcd_db.h"

namespace faultline {
namespace {

Result<Target> MakeEtcdTarget(const TargetOptions& options) {
  auto parsed = ParseEtcdOptions(options);
  if (!parsed.ok()) return parsed.status();
  EtcdOptions o = *parsed;
  Target t;
  t.name = "etcd";
  t.db = std::make_unique<EtcdDb>(o);
  t.new_client = [o] { return std::make_unique<EtcdClient>(o.client_port, o.request_timeout); };
  t.fs = {"read", "write", "cas", "txn", "txn-single"};
  t.needs_nodes = true;
  return t;
}

Registrar<TargetFactory> kEtcdTarget("etcd",
                             "etcd 3.4 (Debian's etcd-server) deployed as a cluster on the nodes; "
                             "register, list-append and rw-register workloads",
                             &MakeEtcdTarget);

}  // namespace
}  // namespace faultline
