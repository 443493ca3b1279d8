package dev.sluice.server.config;

import java.time.Duration;

/**
 * Upstream deadlines, each enforced separately: {@code connect} by the HTTP client, {@code headers}
 * as the client's request timeout, {@code firstToken} per attempt by the resilience policy, and
 * {@code idle} and {@code total} by the stream's watchdog (the HTTP client's own timeout stops at the
 * response headers).
 */
public record Timeouts(Duration connect, Duration headers, Duration firstToken, Duration idle, Duration total) {
  public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60),
      Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofMinutes(10));

  /**
   * The same deadlines with the first-token one moved to the total: for the watchdog of a stream
   * whose resilience policy enforces first-token deadlines per attempt (a whole-stream first-token
   * deadline would cut the retries short).
   */
  public Timeouts withFirstTokenPerAttempt() {
    return new Timeouts(connect, headers, total, idle, total);
  }

  /** The same deadlines with the idle one moved to the total: for a policy stream that enforces idle itself. */
  public Timeouts withoutIdle() {
    return new Timeouts(connect, headers, firstToken, total, total);
  }
}
