package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Breakers per model: made on first use, forgotten when idle, so caller-chosen names cannot pile up. */
class CircuitBreakersTest {
  private final AtomicLong now = new AtomicLong();

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void forgetsBreakersOfModelsNobodyAskedForAfterTheIdlePeriod() {
    var breakers = new CircuitBreakers(new BreakerSettings(true, 3, Duration.ofSeconds(30), 1), now::get);
    for (int i = 0; i < 50; i++) breakers.acquire("openai/random-" + i).succeeded();
    assertThat(breakers.size()).isEqualTo(50);
    advance(CircuitBreakers.IDLE_EVICTION.minusSeconds(60));
    breakers.acquire("openai/gpt-4o").succeeded(); // still in use
    advance(Duration.ofSeconds(90));
    breakers.acquire("openai/gpt-4o").succeeded();
    assertThat(breakers.size()).isEqualTo(1);
    assertThat(breakers.state("openai/gpt-4o")).isEqualTo(CircuitBreakers.State.CLOSED);
    assertThat(breakers.state("openai/never-asked")).isEqualTo(CircuitBreakers.State.CLOSED);
    assertThat(breakers.size()).as("looking at a state makes no breaker").isEqualTo(1);
  }

  @Test
  void keepsAnOpenBreakerAtLeastForItsCooldown() {
    Duration cooldown = CircuitBreakers.IDLE_EVICTION.multipliedBy(2);
    var breakers = new CircuitBreakers(new BreakerSettings(true, 1, cooldown, 1), now::get);
    breakers.acquire("openai/flaky").failed("HTTP 500");
    assertThat(breakers.state("openai/flaky")).isEqualTo(CircuitBreakers.State.OPEN);
    advance(CircuitBreakers.IDLE_EVICTION.plusMinutes(1));
    breakers.acquire("openai/other").succeeded();
    assertThat(breakers.state("openai/flaky")).isEqualTo(CircuitBreakers.State.OPEN);
    assertThat(breakers.acquire("openai/flaky")).as("still open within its cooldown").isNull();
  }
}
