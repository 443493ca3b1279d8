package dev.sluice.policy;

import java.time.Duration;

/**
 * How the circuit breaker of each upstream model behaves.
 *
 * @param enabled false to call every upstream whatever its recent failures
 * @param failures consecutive failed attempts (retryable failures only) that open the breaker
 * @param cooldown how long an open breaker sends requests straight to their fallbacks
 * @param halfOpenProbes how many requests, after the cooldown, try the upstream again; all must
 *     succeed to close the breaker, one failure opens it for another cooldown
 */
public record BreakerSettings(boolean enabled, int failures, Duration cooldown, int halfOpenProbes) {

  /** On; five consecutive failures open it for 30 s; one probe decides. */
  public static final BreakerSettings DEFAULT = new BreakerSettings(true, 5, Duration.ofSeconds(30), 1);

  public BreakerSettings {
    if (failures < 1) throw new IllegalArgumentException("failures must be at least 1");
    if (halfOpenProbes < 1) throw new IllegalArgumentException("halfOpenProbes must be at least 1");
    if (cooldown == null || cooldown.isNegative() || cooldown.isZero()) {
      throw new IllegalArgumentException("cooldown must be positive");
    }
  }
}
