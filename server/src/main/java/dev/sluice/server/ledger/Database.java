package dev.sluice.server.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.sluice.server.config.Accounting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The ledger's database: a HikariCP pool on {@code SLUICE_DB_URL}, its schema migrated by Flyway on
 * open. SQLite (the default, a file under {@code ./data/}) runs in WAL mode with {@code
 * synchronous=FULL}, so a committed row survives a crash of the process and of the machine, and with a
 * busy timeout, so that {@code sluice keys create} can write while a gateway runs. PostgreSQL when the
 * URL says so.
 */
public final class Database implements AutoCloseable {
  private final HikariDataSource pool;
  private final boolean sqlite;

  private Database(HikariDataSource pool, boolean sqlite) {
    this.pool = pool;
    this.sqlite = sqlite;
  }

  /** Opens the pool and migrates the schema; a failure closes what it opened. */
  public static Database open(Accounting accounting) {
    String url = accounting.dbUrl();
    boolean sqlite = url.startsWith("jdbc:sqlite:");
    var config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName("sluice-ledger");
    if (sqlite) {
      createParentFolder(url);
      // Read by sqlite-jdbc on each new connection.
      config.addDataSourceProperty("journal_mode", "WAL");
      config.addDataSourceProperty("synchronous", "FULL");
      config.addDataSourceProperty("busy_timeout", "10000");
      // One writer at a time anyway (the ledger writer batches); a few readers for /v1/usage and keys.
      config.setMaximumPoolSize(4);
    } else {
      if (accounting.dbUser() != null) config.setUsername(accounting.dbUser());
      if (accounting.dbPassword() != null) config.setPassword(accounting.dbPassword());
      config.setMaximumPoolSize(8);
    }
    config.setMinimumIdle(1);
    config.setConnectionTimeout(10_000);
    var pool = new HikariDataSource(config);
    try {
      Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return new Database(pool, sqlite);
  }

  private static void createParentFolder(String url) {
    String path = url.substring("jdbc:sqlite:".length());
    int query = path.indexOf('?');
    if (query >= 0) path = path.substring(0, query);
    if (path.isEmpty() || path.startsWith(":memory:") || path.startsWith("file:")) return;
    Path parent = Path.of(path).toAbsolutePath().getParent();
    try {
      if (parent != null) Files.createDirectories(parent);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the ledger's folder " + parent, e);
    }
  }

  public DataSource dataSource() {
    return pool;
  }

  public boolean sqlite() {
    return sqlite;
  }

  @Override
  public void close() {
    pool.close();
  }
}
