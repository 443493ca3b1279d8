package dev.sluice.server.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.sluice.server.config.Accounting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
  /**
   * How long the writer waits for a connection before it journals: short, so that streams ending
   * while the database is away wait little (HikariCP's own default, 30 s, is for readers).
   */
  private static final long WRITER_CONNECT_MILLIS = 2_000;
  /** PostgreSQL: a writer's statement that hears nothing for this long fails, and its rows are journaled. */
  private static final String WRITER_SOCKET_SECONDS = "10";

  private final HikariDataSource pool;
  private final Accounting accounting;
  private HikariDataSource writer;

  private Database(HikariDataSource pool, Accounting accounting) {
    this.pool = pool;
    this.accounting = accounting;
  }

  /** Opens the pool and migrates the schema; a failure closes what it opened. */
  public static Database open(Accounting accounting) {
    var config = poolConfig(accounting, "sluice-ledger");
    if (sqlite(accounting.dbUrl())) {
      createParentFolder(accounting.dbUrl());
      // One writer at a time anyway (the ledger writer batches); a few readers for /v1/usage and keys.
      config.setMaximumPoolSize(4);
    } else {
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
    return new Database(pool, accounting);
  }

  private static HikariConfig poolConfig(Accounting accounting, String name) {
    var config = new HikariConfig();
    config.setJdbcUrl(accounting.dbUrl());
    config.setPoolName(name);
    if (sqlite(accounting.dbUrl())) {
      // Read by sqlite-jdbc on each new connection.
      config.addDataSourceProperty("journal_mode", "WAL");
      config.addDataSourceProperty("synchronous", "FULL");
      config.addDataSourceProperty("busy_timeout", "10000");
    } else {
      if (accounting.dbUser() != null) config.setUsername(accounting.dbUser());
      if (accounting.dbPassword() != null) config.setPassword(accounting.dbPassword());
    }
    return config;
  }

  private static boolean sqlite(String url) {
    return url.startsWith("jdbc:sqlite:");
  }

  /** The SQLite file's path, or null when the URL names no file (PostgreSQL, in memory). */
  private static Path sqliteFile(String url) {
    if (!sqlite(url)) return null;
    String path = url.substring("jdbc:sqlite:".length());
    int query = path.indexOf('?');
    if (query >= 0) path = path.substring(0, query);
    if (path.isEmpty() || path.startsWith(":memory:") || path.startsWith("file:")) return null;
    return Path.of(path).toAbsolutePath();
  }

  private static void createParentFolder(String url) {
    Path file = sqliteFile(url);
    Path parent = file == null ? null : file.getParent();
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
    return sqlite(accounting.dbUrl());
  }

  /** The ledger's folder: the SQLite file's, else {@code ./data} (where the ledger's local files go). */
  public Path folder() {
    Path file = sqliteFile(accounting.dbUrl());
    return file != null && file.getParent() != null ? file.getParent() : Path.of("data");
  }

  /**
   * The ledger writer's own connections (one: the writer commits one batch at a time), separate from
   * the readers' pool so that they can fail fast: a short connection timeout and, on PostgreSQL, a
   * socket timeout. Opened on first use.
   */
  public synchronized DataSource writerDataSource() {
    if (writer == null) {
      var config = poolConfig(accounting, "sluice-ledger-writer");
      config.setMaximumPoolSize(1);
      config.setMinimumIdle(1);
      config.setConnectionTimeout(WRITER_CONNECT_MILLIS);
      config.setValidationTimeout(1_000);
      // The database may be away right now: the writer journals, it does not fail to start.
      config.setInitializationFailTimeout(-1);
      if (!sqlite()) {
        config.addDataSourceProperty("socketTimeout", WRITER_SOCKET_SECONDS);
        config.addDataSourceProperty("connectTimeout", Long.toString(WRITER_CONNECT_MILLIS / 1000));
      }
      writer = new HikariDataSource(config);
    }
    return writer;
  }

  /**
   * Whether the database answers within {@code millis} (for {@code /readyz}). The check runs on its
   * own virtual thread, so a database that hangs makes the answer "no", not a hung probe.
   */
  public boolean answers(long millis) {
    var answer = new CompletableFuture<Boolean>();
    Thread.ofVirtual().name("sluice-ledger-ping").start(() -> {
      try (Connection c = pool.getConnection()) {
        answer.complete(c.isValid((int) Math.max(1, millis / 1000)));
      } catch (SQLException | RuntimeException e) {
        answer.complete(false);
      }
    });
    try {
      return answer.get(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      synchronized (this) {
        if (writer != null) writer.close();
      }
    } finally {
      pool.close();
    }
  }
}
