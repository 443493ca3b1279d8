package dev.sluice.server.ledger;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A real database's connections, handed out under the test's control: held at a gate until the test
 * opens it (a writer stuck in its database), or failing once with a given error (a writer that fails
 * unexpectedly).
 */
final class ControlledDataSource implements DataSource {
  private final DataSource real;
  private final AtomicReference<CountDownLatch> gate = new AtomicReference<>(new CountDownLatch(0));
  private final AtomicReference<Error> failNext = new AtomicReference<>();
  private final CountDownLatch held = new CountDownLatch(1);

  ControlledDataSource(DataSource real) {
    this.real = real;
  }

  /** From now on, connections wait until {@link #release()}. */
  void hold() {
    gate.set(new CountDownLatch(1));
  }

  void release() {
    gate.get().countDown();
  }

  /** Waits until a caller is held at the gate. */
  void awaitHeld() throws InterruptedException {
    held.await();
  }

  /** The next connection asked for throws {@code error} instead. */
  void failNext(Error error) {
    failNext.set(error);
  }

  @Override
  public Connection getConnection() throws SQLException {
    Error error = failNext.getAndSet(null);
    if (error != null) throw error;
    CountDownLatch now = gate.get();
    if (now.getCount() > 0) {
      held.countDown();
      try {
        now.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted at the gate", e);
      }
    }
    return real.getConnection();
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return getConnection();
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return real.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    real.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    real.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return real.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return real.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return real.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return real.isWrapperFor(iface);
  }
}
