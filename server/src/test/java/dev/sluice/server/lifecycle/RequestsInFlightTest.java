package dev.sluice.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a graceful stop waits for: the requests being handled. */
@Timeout(10)
class RequestsInFlightTest {

  private static CompletableFuture<Boolean> awaitNone(RequestsInFlight inFlight, Duration timeout) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return inFlight.awaitNone(timeout);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void aWaitEndsWhenTheLastRequestInFlightEnds() throws Exception {
    var inFlight = new RequestsInFlight();
    inFlight.begin();
    inFlight.begin();
    CompletableFuture<Boolean> drained = awaitNone(inFlight, Duration.ofSeconds(10));
    inFlight.end();
    assertThat(drained).isNotDone();
    inFlight.end();
    assertThat(drained.get(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aWaitGivesUpWhenARequestOutlivesItsTimeout() throws Exception {
    var inFlight = new RequestsInFlight();
    inFlight.begin();
    assertThat(inFlight.awaitNone(Duration.ofMillis(50))).isFalse();
  }

  @Test
  void aWaitWithNoRequestInFlightReturnsAtOnce() throws Exception {
    assertThat(new RequestsInFlight().awaitNone(Duration.ZERO)).isTrue();
  }
}
