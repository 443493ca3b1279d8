package dev.sluice.server.config;

import dev.sluice.provider.sim.SimConfig;
import java.time.Duration;

/** {@code sim:}: the simulated provider's pace. */
record SimSection(Double tokensPerSecond, Duration firstTokenDelay) {
  SimConfig over(SimConfig base) {
    return new SimConfig(tokensPerSecond == null ? base.tokensPerSecond() : tokensPerSecond,
        firstTokenDelay == null ? base.firstTokenDelay() : firstTokenDelay);
  }
}
