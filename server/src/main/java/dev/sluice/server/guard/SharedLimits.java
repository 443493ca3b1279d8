package dev.sluice.server.guard;

import dev.sluice.server.shared.Counters;
import java.time.Duration;

/**
 * {@link Limits} on {@link Counters} shared by every instance (Redis): per key, a fixed one-minute
 * window of requests ({@code rpm:<id>}) and one of tokens ({@code tpm:<id>}), each taken by one
 * atomic add-and-check, so instances together admit exactly the limit. {@code Retry-After} is the
 * time until the window that refused resets. A request's tokens are corrected to the real count when
 * it ends (a give-back or a surcharge within the same window; none once the window is over).
 *
 * <p>While the counters cannot be reached, they answer as {@code redis.on_failure} says; a refusal
 * then says so and asks for a retry in a second.
 */
public final class SharedLimits implements Limits {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private final Counters counters;

  public SharedLimits(Counters counters) {
    this.counters = counters;
  }

  @Override
  public Refusal acquire(VirtualKey key, long tokens) {
    if (key.rpm() != null) {
      Counters.Decision d = counters.hit("rpm:" + key.id(), 1, key.rpm(), MINUTE);
      if (!d.allowed()) return refusal(d, "Rate limit reached: this key may make " + key.rpm() + " requests per minute.");
    }
    if (key.tpm() != null) {
      // At most a whole window, so that a large request is not refused forever.
      Counters.Decision d = counters.hit("tpm:" + key.id(), Math.min(tokens, key.tpm()), key.tpm(), MINUTE);
      if (!d.allowed()) {
        // The request does not start: it gives back the request it took.
        if (key.rpm() != null) counters.adjust("rpm:" + key.id(), -1);
        return refusal(d, "Rate limit reached: this key may use " + key.tpm() + " tokens per minute.");
      }
    }
    return null;
  }

  @Override
  public void settle(VirtualKey key, long reservedTokens, long actualTokens) {
    if (key.tpm() == null) return;
    counters.adjust("tpm:" + key.id(), actualTokens - Math.min(reservedTokens, key.tpm()));
  }

  static Refusal refusal(Counters.Decision d, String limited) {
    // count -1: the shared counters are unreachable and redis.on_failure is closed.
    if (d.count() < 0) return new Refusal("Limits cannot be checked right now; retry shortly.", d.retryAfter());
    return new Refusal(limited, d.retryAfter().isZero() ? Duration.ofSeconds(1) : d.retryAfter());
  }
}
