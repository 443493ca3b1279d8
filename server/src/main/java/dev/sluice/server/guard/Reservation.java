package dev.sluice.server.guard;

/**
 * What {@link Guard#admit} held for one request: against its key's budget and rate limits, and its
 * place under the caps on requests in flight; settled once with the request's real cost and tokens
 * when it ends, which also gives the place back.
 */
@FunctionalInterface
public interface Reservation {
  /** Holds nothing (a request not admitted yet). */
  Reservation NONE = (costPicos, tokens) -> {};

  /** Replaces what was reserved with what the request really cost ({@code costPicos}, 0 when unknown). */
  void settle(long costPicos, long tokens);
}
