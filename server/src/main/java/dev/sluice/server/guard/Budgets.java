package dev.sluice.server.guard;

/**
 * Each key's USD budget per period, with reservations: a request reserves its worst-case cost before
 * it starts and settles with its real cost when it ends, so that concurrent requests can overshoot a
 * budget by no more than what in-flight requests cost beyond their reservations. State is behind this
 * interface so that a shared implementation (Redis, for several instances) can replace the
 * in-memory one.
 */
public interface Budgets {
  /** Reserves {@code picos} against {@code key}'s budget; null when admitted, else why not. */
  Refusal reserve(VirtualKey key, long picos);

  /** Replaces a reservation of {@code reservedPicos} with the real cost {@code actualPicos}. */
  void settle(VirtualKey key, long reservedPicos, long actualPicos);
}
