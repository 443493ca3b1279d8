package dev.sluice.server.lifecycle;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The requests being handled now, streams included; a graceful stop waits until there are none. Thread-safe. */
public final class RequestsInFlight {
  private int count;

  /** A request arrived; {@link #end} must follow, once. */
  public synchronized void begin() {
    count++;
  }

  /** A request was answered (or failed). */
  public synchronized void end() {
    if (--count == 0) notifyAll();
  }

  /** Waits until no request is in flight; false if some still are after {@code timeout}. */
  public synchronized boolean awaitNone(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (count > 0) {
      long left = end - System.nanoTime();
      if (left <= 0) return false;
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }
}
