package dev.sluice.server.config;

import dev.sluice.policy.Resilience.MidStream;
import java.util.List;

/**
 * What {@code models.<alias>} adds to an alias beyond its target.
 *
 * @param fallbacks the models to try, in order, once the target's attempts are spent or its breaker
 *     is open ({@code provider/model}, bare names or other aliases' targets)
 * @param timeouts the deadlines of requests for this alias: the global ones with this alias's
 *     overrides applied
 * @param midStream {@code on_midstream_failure}: fail honestly (default) or continue on the chain
 * @param drain {@code on_client_abort: drain}: how long to keep reading the upstream, sending nothing,
 *     after the client left, to learn the provider's real usage ({@code drain_max}); null for
 *     {@code cancel} (the default: the upstream is cancelled at once)
 */
public record ModelPolicy(List<String> fallbacks, Timeouts timeouts, MidStream midStream, java.time.Duration drain) {
  public ModelPolicy {
    fallbacks = List.copyOf(fallbacks);
    if (timeouts == null || midStream == null) throw new IllegalArgumentException("timeouts and midStream are required");
  }

  /** Cancelling the upstream when the client leaves. */
  public ModelPolicy(List<String> fallbacks, Timeouts timeouts, MidStream midStream) {
    this(fallbacks, timeouts, midStream, null);
  }

  /** Fallbacks and deadlines, failing honestly mid-stream. */
  public ModelPolicy(List<String> fallbacks, Timeouts timeouts) {
    this(fallbacks, timeouts, MidStream.FAIL);
  }
}
