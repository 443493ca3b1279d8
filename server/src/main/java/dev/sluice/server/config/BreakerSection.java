package dev.sluice.server.config;

import dev.sluice.policy.BreakerSettings;
import java.time.Duration;

/** {@code circuit_breaker:}: one breaker per provider/model. */
record BreakerSection(Boolean enabled, Integer failures, Duration cooldown, Integer halfOpenProbes) {
  BreakerSettings over(BreakerSettings base) {
    return new BreakerSettings(
        enabled == null ? base.enabled() : enabled,
        failures == null ? base.failures() : Checks.atLeast(failures, 1, "circuit_breaker.failures"),
        cooldown == null ? base.cooldown() : Checks.positive(cooldown, "circuit_breaker.cooldown"),
        halfOpenProbes == null ? base.halfOpenProbes() : Checks.atLeast(halfOpenProbes, 1, "circuit_breaker.half_open_probes"));
  }
}
