package dev.sluice.server.resume;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one timer thread of grace periods and expiries, held busy so that a test decides when the
 * timers that came due meanwhile run, and can wait until every timer due by some delay has run. A
 * single thread runs timers in the order they fall due (the earlier scheduled first among equals),
 * which is what makes both deterministic.
 */
final class HeldTimers {
  private HeldTimers() {}

  /** What a test does while the timer thread is held. */
  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }

  /** Runs {@code body} while {@code timers}, a single-thread executor, is held; its timers due meanwhile run after. */
  static void whileHeld(ScheduledExecutorService timers, Body body) throws Exception {
    whileHeld(timers, () -> {
      body.run();
      return null;
    });
  }

  /** {@link #whileHeld(ScheduledExecutorService, Body)} for a body with a result. */
  static <T> T whileHeld(ScheduledExecutorService timers, Callable<T> body) throws Exception {
    var holding = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    timers.execute(() -> {
      holding.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    if (!holding.await(5, TimeUnit.SECONDS)) throw new AssertionError("the timer thread was busy");
    try {
      return body.call();
    } finally {
      release.countDown();
    }
  }

  /** Returns once every timer of {@code timers} scheduled so far to run within {@code delayNanos} has run. */
  static void awaitDue(ScheduledExecutorService timers, long delayNanos) throws Exception {
    timers.schedule(() -> {}, delayNanos, TimeUnit.NANOSECONDS).get(5, TimeUnit.SECONDS);
  }
}
