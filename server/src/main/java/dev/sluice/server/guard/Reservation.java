package dev.sluice.server.guard;

/**
 * What {@link Guard#admit} held against a key's budget and rate limits for one request, settled
 * once with the request's real cost and tokens when it ends.
 */
@FunctionalInterface
public interface Reservation {
  /** Holds nothing: the caller has no key, or its key has neither a budget nor limits. */
  Reservation NONE = (costPicos, tokens) -> {};

  /** Replaces what was reserved with what the request really cost ({@code costPicos}, 0 when unknown). */
  void settle(long costPicos, long tokens);
}
