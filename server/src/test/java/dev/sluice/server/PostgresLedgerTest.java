package dev.sluice.server;

import dev.sluice.server.config.Accounting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The same ledger contract on a real PostgreSQL server, one fresh database per test. */
class PostgresLedgerTest extends LedgerContract {
  static PgCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = PgCluster.start();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) cluster.close();
  }

  @Override
  Accounting freshLedger(Accounting base) throws Exception {
    return base.withDb(cluster.newDatabase(), PgCluster.USER, null);
  }
}
