package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.config.Accounting;
import org.junit.jupiter.api.Test;
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

  @Test
  void isNotReadyWhileItsLedgerIsUnreachable() throws Exception {
    PgCluster own = PgCluster.start();
    try (TestGateway g = TestGateway.start(b -> {
      try {
        return b.accounting(b.build().accounting().withDb(own.newDatabase(), PgCluster.USER, null));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    })) {
      assertThat(g.get("/readyz").statusCode()).isEqualTo(200);
      own.close();
      var down = g.get("/readyz");
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.body()).contains("ledger");
      assertThat(g.get("/healthz").statusCode()).isEqualTo(200);
    } finally {
      own.close();
    }
  }
}
