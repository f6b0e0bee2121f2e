// SqlDb: deploys the SQL targets' servers on the nodes from Debian's packages
// and controls them for the nemeses (kill/start and pause/resume by pid file,
// targets/daemon.h; the data directory, HasDataDir, for the disk nemesis;
// the log). Which nodes run a server: topology=single, the
// first node only (on the others Setup/Kill/Start do nothing); topology=
// primary-replicas, every node: the first the primary, the rest asynchronous
// replicas of it.
//
// PostgresDb (Debian's postgresql; bin-dir, default /usr/lib/postgresql/15/bin):
//   /var/lib/faultline/postgres/data   PGDATA (initdb --auth=trust, owned by
//                                      the postgres user, which the server
//                                      runs as: initdb and postgres refuse root)
//   /var/lib/faultline/postgres/       its unix socket, postgres.pid (ours)
//   /var/log/faultline/postgres.log
//   Replicas: pg_basebackup -R from the primary (retried until the primary
//   answers), then hot standbys streaming from it. Kill and pause signal the
//   postmaster and its children (the backends).
// MariaDb (Debian's mariadb-server, /usr/sbin/mariadbd, --no-defaults):
//   /var/lib/faultline/mariadb/data    mariadb-install-db; the server runs as
//                                      the mysql user (--user=mysql)
//   /var/lib/faultline/mariadb/init.sql  run at every start: the database
//                                      `faultline` and user faultline/faultline
//                                      from anywhere; on a replica also
//                                      CHANGE MASTER TO the primary (GTID) and
//                                      START SLAVE
//   /var/log/faultline/mariadb.log
//   binlog on (ROW), server-id = node index + 1.
// A node without the package gets it with apt-get (non-interactive).
// Setup waits until the server accepts a client connection from the
// controller (start-timeout-ms). Thread safety: calls for distinct nodes may
// run concurrently.
#pragma once

#include <memory>

#include "targets/sql/sql_options.h"
#include "targets/target.h"

namespace faultline {

// The Db of the options' dialect (deploy must be true).
std::unique_ptr<Db> MakeSqlDb(const SqlOptions& options);

}  // namespace faultline
