package dev.sluice.provider.sim;

import java.time.Duration;

/**
 * How fast the simulated provider talks.
 *
 * @param tokensPerSecond the pace between tokens; 0 or less means as fast as the reader takes them
 * @param firstTokenDelay how long it "thinks" before the first token
 */
public record SimConfig(double tokensPerSecond, Duration firstTokenDelay) {
  /** About the pace of a hosted model: 30 tokens a second, no thinking time. */
  public static final SimConfig DEFAULT = new SimConfig(30, Duration.ZERO);

  public SimConfig {
    if (firstTokenDelay == null || firstTokenDelay.isNegative()) {
      throw new IllegalArgumentException("firstTokenDelay must be zero or positive");
    }
  }

  long nanosPerToken() {
    return tokensPerSecond <= 0 ? 0 : (long) (1_000_000_000L / tokensPerSecond);
  }
}
