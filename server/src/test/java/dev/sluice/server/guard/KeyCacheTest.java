package dev.sluice.server.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.server.config.Accounting;
import dev.sluice.server.ledger.Database;
import dev.sluice.stream.GatewayException;
import dev.sluice.usage.PriceTable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keys while the ledger's database is away: a key read before is served as it was (the database's
 * outage must not become the gateway's, its rows going to the journal meanwhile), a key never seen
 * cannot be checked, and the table is not asked by every request during the outage.
 */
class KeyCacheTest {
  private static final long CACHE = 2_000_000_000L;

  private Path dir;
  private Database db;
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicInteger asked = new AtomicInteger();
  private final AtomicLong now = new AtomicLong(1);
  private KeyStore store;
  private Guard guard;

  @BeforeEach
  void open() throws Exception {
    dir = Files.createTempDirectory("sluice-keycache-");
    db = Database.open(Accounting.DEFAULT.withDbUrl("jdbc:sqlite:" + dir.resolve("keys.db")));
    store = new KeyStore(switchable(db.dataSource()));
    guard = new Guard(store, Accounting.DEFAULT, new InMemoryBudgets((id, day) -> 0), new InMemoryLimits(),
        PriceTable.bundled(), Map.of(), Map.of(), StreamCaps.NONE, now::get);
  }

  @AfterEach
  void close() throws Exception {
    db.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** A data source that refuses connections while {@link #down} is set, and counts what is asked of it. */
  private DataSource switchable(DataSource real) {
    return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getConnection")) {
            asked.incrementAndGet();
            if (down.get()) throw new SQLException("Connection refused (the database is stopped)");
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private String newKey(String name) throws SQLException {
    String secret = store.create(new KeyStore.NewKey(name, null, BudgetPeriod.MONTH, null, null, List.of())).secret();
    guard.keysChanged();
    return secret;
  }

  @Test
  void aKeyReadBeforeTheDatabaseWentAwayIsStillServed() throws Exception {
    String known = newKey("known");
    String unseen = newKey("unseen");
    assertThat(guard.authenticate(known)).isInstanceOf(Caller.Key.class);

    down.set(true);
    now.addAndGet(CACHE + 1);
    assertThat(guard.authRequired()).as("auth stays on: a key existed").isTrue();
    assertThat(guard.authenticate(known)).isInstanceOf(Caller.Key.class);
    assertThatThrownBy(() -> guard.authenticate(unseen)).isInstanceOf(GatewayException.class)
        .hasMessageContaining("cannot be checked");

    // Within the cache's time the table is not asked again, however many requests come.
    int before = asked.get();
    for (int i = 0; i < 100; i++) guard.authenticate(known);
    assertThat(asked.get()).isEqualTo(before);

    down.set(false);
    now.addAndGet(CACHE + 1);
    assertThat(guard.authenticate(unseen)).as("read again once the table answers").isInstanceOf(Caller.Key.class);
  }

  @Test
  void failsClosedWhenTheKeyTableWasNeverRead() {
    down.set(true);
    assertThat(guard.authRequired()).as("nobody can be told apart").isTrue();
  }
}
