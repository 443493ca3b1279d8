package dev.sluice.server.guard;

/**
 * Each key's requests and tokens per minute. A request takes one request and its estimated tokens as
 * it starts, and corrects the tokens when it ends (a request that used more than estimated delays the
 * key's next ones). State is behind this interface so that a shared implementation (Redis, for
 * several instances) can replace the in-memory one.
 */
public interface Limits {
  /** Takes one request and {@code tokens}; null when admitted, else why not (with when to retry). */
  Refusal acquire(VirtualKey key, long tokens);

  /** Corrects a request's {@code reservedTokens} to {@code actualTokens}. */
  void settle(VirtualKey key, long reservedTokens, long actualTokens);
}
