package dev.sluice.policy;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When and how long to wait before trying the same model again.
 *
 * <p>A failed attempt is retried only if its error is {@linkplain #retryable retryable}: a connection
 * error, an upstream stream that broke before its first event, a deadline (headers, first token),
 * HTTP 408, 409, 429, 500, 502, 503, 504 or 529. Never 400, 401, 403, 404, 413 or 422: the same
 * request would fail the same way.
 *
 * <p>The wait before retry {@code n} (1 for the first retry) is drawn uniformly from
 * {@code [0, min(maxBackoff, baseBackoff * 2^(n-1))]} ("full jitter"): many gateways retrying after
 * one upstream blip spread out instead of arriving together. An upstream's {@code Retry-After} (or
 * {@code retry-after-ms}) replaces the drawn wait when it is at most {@code maxRetryAfter}; a longer
 * one means this model will not serve us soon, so the policy stops retrying it and the request
 * moves on to its next fallback at once, as openai-python does for a {@code Retry-After} over two
 * minutes.
 *
 * <p>{@code budget} bounds the time a request spends on retries, measured from its start: no retry
 * of the same model starts after it, and no wait is made that would end past it. A fallback model
 * still gets its first attempt (the stream's total deadline bounds that), since a target that hung
 * until its first-token deadline is exactly when a fallback is needed.
 *
 * @param attempts attempts per model, the first one included (1 means no retry)
 * @param baseBackoff the upper bound of the first retry's wait
 * @param maxBackoff the largest upper bound any retry's wait can have
 * @param budget the time after which no retry starts
 * @param maxRetryAfter the longest {@code Retry-After} the policy waits for
 */
public record RetryPolicy(int attempts, Duration baseBackoff, Duration maxBackoff, Duration budget,
    Duration maxRetryAfter) {

  /** Three attempts, 500 ms base and 8 s maximum backoff, a 30 s budget, {@code Retry-After} up to 30 s. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(500), Duration.ofSeconds(8),
      Duration.ofSeconds(30), Duration.ofSeconds(30));

  public RetryPolicy {
    if (attempts < 1) throw new IllegalArgumentException("attempts must be at least 1");
    requireNonNegative(baseBackoff, "baseBackoff");
    requireNonNegative(maxBackoff, "maxBackoff");
    requireNonNegative(budget, "budget");
    requireNonNegative(maxRetryAfter, "maxRetryAfter");
  }

  /** Whether a failure before the first token may be retried: see the class comment for the list. */
  public static boolean retryable(GatewayError error) {
    if (error.type() == ErrorType.CANCELLED) return false;
    // 529 is Anthropic's "overloaded"; GatewayError.retryable() already counts every status >= 500,
    // 408, 409, 429 and status-less connection and stream failures, and no 4xx but those.
    return error.retryable();
  }

  /**
   * The wait before retry {@code retry} (1 for the first), or null when the upstream asked for more
   * than {@link #maxRetryAfter}: then this model is not retried.
   *
   * @param retryAfter the upstream's {@code Retry-After}, or null
   */
  public Duration delay(int retry, Duration retryAfter, RandomGenerator random) {
    if (retry < 1) throw new IllegalArgumentException("retry counts from 1");
    if (retryAfter != null) return retryAfter.compareTo(maxRetryAfter) > 0 ? null : retryAfter;
    long cap = ceiling(retry).toNanos();
    return cap == 0 ? Duration.ZERO : Duration.ofNanos(random.nextLong(cap + 1));
  }

  /** {@code min(maxBackoff, baseBackoff * 2^(retry-1))}, without overflow. */
  Duration ceiling(int retry) {
    long base = baseBackoff.toNanos();
    long max = maxBackoff.toNanos();
    int shift = Math.min(retry - 1, 62);
    if (base > (max >> shift)) return maxBackoff;
    return Duration.ofNanos(Math.min(max, base << shift));
  }

  private static void requireNonNegative(Duration d, String what) {
    if (d == null || d.isNegative()) throw new IllegalArgumentException(what + " must be zero or positive");
  }
}
