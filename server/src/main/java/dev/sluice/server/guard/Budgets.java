package dev.sluice.server.guard;

import java.time.Duration;
import java.time.LocalDate;

/**
 * Each key's USD budget per period, with reservations: a request reserves its worst-case cost before
 * it starts and settles with its real cost when it ends, so that concurrent requests can overshoot a
 * budget by no more than what in-flight requests cost beyond their reservations. State is behind this
 * interface so that a shared implementation (Redis, for several instances) can replace the
 * in-memory one.
 *
 * <p>A reservation belongs to the period of the UTC day it was made on, and settles against that
 * period even when the request ends in the next one. Budgets fail closed: while what a key spent
 * cannot be read or counted (the ledger or the shared counters are unreachable), a key with a
 * budget is refused with a retry hint, never admitted unchecked.
 */
public interface Budgets {
  /** The refusal while a key's spend cannot be read or counted: retry in a second. */
  Refusal UNCHECKABLE = new Refusal("Budgets cannot be checked right now; retry shortly.", Duration.ofSeconds(1));

  /** Reserves {@code picos} against {@code key}'s budget in the period holding {@code today}; null when admitted, else why not. */
  Refusal reserve(VirtualKey key, long picos, LocalDate today);

  /**
   * Replaces a reservation of {@code reservedPicos}, made on {@code reservedOn}, with the real cost
   * {@code actualPicos}, in the period the reservation was made in.
   */
  void settle(VirtualKey key, LocalDate reservedOn, long reservedPicos, long actualPicos);
}
