package dev.sluice.server.config;

import java.util.List;

/**
 * What {@code models.<alias>} adds to an alias beyond its target.
 *
 * @param fallbacks the models to try, in order, once the target's attempts are spent or its breaker
 *     is open ({@code provider/model}, bare names or other aliases' targets)
 * @param timeouts the deadlines of requests for this alias: the global ones with this alias's
 *     overrides applied
 */
public record ModelPolicy(List<String> fallbacks, Timeouts timeouts) {
  public ModelPolicy {
    fallbacks = List.copyOf(fallbacks);
    if (timeouts == null) throw new IllegalArgumentException("timeouts are required");
  }
}
