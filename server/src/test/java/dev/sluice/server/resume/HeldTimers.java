package dev.sluice.server.resume;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one timer thread of grace periods and expiries, held busy so that a test decides when timers
 * that came due meanwhile run, and can wait until every timer due by some delay has run. A single
 * thread runs them in the order they fall due (the earlier scheduled first among equals), which
 * is what makes both deterministic.
 */
final class HeldTimers {
  private final CountDownLatch release = new CountDownLatch(1);

  private HeldTimers(ScheduledExecutorService timers) throws InterruptedException {
    var holding = new CountDownLatch(1);
    timers.execute(() -> {
      holding.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    if (!holding.await(5, TimeUnit.SECONDS)) throw new AssertionError("the timer thread was busy");
  }

  /** Holds {@code timers}, a single-thread executor, until {@link #release}. */
  static HeldTimers hold(ScheduledExecutorService timers) throws InterruptedException {
    return new HeldTimers(timers);
  }

  /** Lets the timer thread go: the timers that came due meanwhile run, in order. */
  void release() {
    release.countDown();
  }

  /** Returns once every timer of {@code timers} scheduled so far to run within {@code delayNanos} has run. */
  static void awaitDue(ScheduledExecutorService timers, long delayNanos) throws Exception {
    timers.schedule(() -> {}, delayNanos, TimeUnit.NANOSECONDS).get(5, TimeUnit.SECONDS);
  }
}
