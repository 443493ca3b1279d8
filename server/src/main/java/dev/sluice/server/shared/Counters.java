package dev.sluice.server.shared;

import java.time.Duration;

/**
 * Atomic counters with a limit, for rate limits (requests or tokens per minute) and budgets: one
 * {@link #hit} adds to a counter and checks the limit in one step, so that instances sharing the
 * counters (Redis) cannot together exceed it. Windows are fixed: a counter starts at its first
 * hit and resets {@code window} later.
 */
public interface Counters extends AutoCloseable {

  /**
   * Adds {@code amount} to the counter {@code key} unless that would take it over {@code limit}.
   *
   * @param key names the counter (a virtual key's id and what it counts); the same key on every instance is the same counter
   * @param window how long a counter lives from its first hit
   */
  Decision hit(String key, long amount, long limit, Duration window);

  /**
   * Adds {@code amount} (negative to give back) to the counter {@code key} while its window is open,
   * whatever the limit: a correction once the real figure is known. Does nothing once the window has
   * ended, so that a correction never opens a window of its own (a late give-back would otherwise
   * become credit in the next window).
   */
  void adjust(String key, long amount);

  /**
   * Like {@link #hit}, for a counter that ends at a fixed instant and, when absent, starts from
   * {@code seed} (asked only then, e.g. what a key already spent this period, from the ledger). Of
   * instances seeding the same counter at once, one seed wins; the others' are not used.
   *
   * @param end when the counter is forgotten (the next call seeds it again)
   */
  Decision hitUntil(String key, long amount, long limit, java.time.Instant end, java.util.function.LongSupplier seed);

  /**
   * The answer of one {@link #hit}.
   *
   * @param allowed true if the amount was added
   * @param count the counter after this hit (unchanged when refused); -1 when unknown (shared state unreachable)
   * @param retryAfter when refused: until the window resets, the {@code Retry-After} to send; else the window's remaining time
   */
  record Decision(boolean allowed, long count, Duration retryAfter) {}

  @Override
  default void close() {}
}
