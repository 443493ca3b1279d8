package dev.sluice.server.ledger;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;

/**
 * Watches for the ledger's database to come back: once {@linkplain #watch asked}, checks every
 * {@code every} whether it takes writes, and when it does, says so once and rests until asked again.
 * Its own virtual thread does the checking, so the writer never waits on a database that is away.
 */
final class RecoveryProbe implements AutoCloseable {
  private final BooleanSupplier takesWrites;
  private final Duration every;
  private final Runnable back;
  /** A permit per request to watch; a request made while a check succeeds only costs another check. */
  private final Semaphore wanted = new Semaphore(0);
  private final Thread thread;

  RecoveryProbe(BooleanSupplier takesWrites, Duration every, Runnable back) {
    this.takesWrites = takesWrites;
    this.every = every;
    this.back = back;
    this.thread = Thread.ofVirtual().name("sluice-ledger-probe").start(this::run);
  }

  /** Starts watching (or goes on): the database just failed to take rows. */
  void watch() {
    wanted.release();
  }

  @Override
  public void close() {
    thread.interrupt();
  }

  private void run() {
    try {
      while (true) {
        wanted.acquire();
        while (!takesWrites.getAsBoolean()) Thread.sleep(every);
        wanted.drainPermits();
        back.run();
      }
    } catch (InterruptedException e) {
      // Closed.
    }
  }
}
