package dev.sluice.server.config;

import dev.sluice.policy.RetryPolicy;
import java.time.Duration;

/** {@code retry:}: retries of one model before its first token. */
record RetrySection(Integer attempts, Duration baseBackoff, Duration maxBackoff, Duration budget, Duration maxRetryAfter) {
  RetryPolicy over(RetryPolicy base) {
    return new RetryPolicy(
        attempts == null ? base.attempts() : Checks.atLeast(attempts, 1, "retry.attempts"),
        baseBackoff == null ? base.baseBackoff() : baseBackoff,
        maxBackoff == null ? base.maxBackoff() : maxBackoff,
        budget == null ? base.budget() : budget,
        maxRetryAfter == null ? base.maxRetryAfter() : maxRetryAfter);
  }
}
