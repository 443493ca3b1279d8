package dev.sluice.server.relay;

import java.util.function.BooleanSupplier;

/** A bounded wait for a condition that has no notification of its own (a counter, a flag). */
final class Waits {
  /** A hang guard: what these tests wait for happens within milliseconds. */
  private static final long BOUND_NANOS = 5_000_000_000L;

  private Waits() {}

  static void until(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + BOUND_NANOS;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) throw new AssertionError("not within 5 s: " + what);
      Thread.sleep(1);
    }
  }
}
