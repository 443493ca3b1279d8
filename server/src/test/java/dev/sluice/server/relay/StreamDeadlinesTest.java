package dev.sluice.server.relay;

import static dev.sluice.server.relay.RelayLoopback.NEVER;
import static dev.sluice.server.relay.RelayLoopback.readUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.config.Timeouts;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One stream's deadlines on the shared timer: which deadline fires when, what the stream's thread
 * tells them, and the heartbeats to a real client.
 */
@Timeout(20)
class StreamDeadlinesTest {
  private static final Duration SHORT = Duration.ofMillis(100);

  /** The first cancel the deadlines ask for. */
  private final CompletableFuture<GatewayError> cancelled = new CompletableFuture<>();
  private final RelayTimer timer = new RelayTimer();

  @AfterEach
  void stopTheTimer() {
    timer.close();
  }

  private StreamDeadlines watchdog(Duration firstToken, Duration idle, Duration total) {
    return new StreamDeadlines(timer, new Timeouts(NEVER, NEVER, firstToken, idle, total), Duration.ZERO,
        cancelled::complete, null);
  }

  private GatewayError awaitCancel() throws Exception {
    return cancelled.get(10, TimeUnit.SECONDS);
  }

  @Test
  void firesTheFirstTokenDeadlineWhenNoEventArrives() throws Exception {
    StreamDeadlines watchdog = watchdog(SHORT, NEVER, NEVER);
    long start = System.nanoTime();
    watchdog.start();
    GatewayError timeout = awaitCancel();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
    assertThat(timeout.type()).isEqualTo(ErrorType.UPSTREAM_TIMEOUT);
    assertThat(timeout.code()).isEqualTo("first_token");
    assertThat(timeout.message()).isEqualTo("Upstream timed out: no first token from the upstream within 100 ms.");
  }

  @Test
  void firesTheIdleDeadlineWhenNoEventArrivesAfterTheLast() throws Exception {
    StreamDeadlines watchdog = watchdog(NEVER, SHORT, NEVER);
    watchdog.start();
    watchdog.onEvent();
    long lastEvent = System.nanoTime();
    GatewayError timeout = awaitCancel();
    assertThat(Duration.ofNanos(System.nanoTime() - lastEvent)).isGreaterThanOrEqualTo(SHORT);
    assertThat(timeout.code()).isEqualTo("idle");
    assertThat(timeout.message()).isEqualTo("Upstream timed out: the upstream sent nothing for 100 ms.");
  }

  @Test
  void laterEventsPushTheIdleDeadlineOutWithoutArmingAnything() throws Exception {
    StreamDeadlines watchdog = watchdog(NEVER, SHORT, NEVER);
    watchdog.start();
    long until = System.nanoTime() + 3 * SHORT.toNanos();
    long lastEvent;
    do {
      lastEvent = System.nanoTime();
      watchdog.onEvent();
      assertThat(cancelled).as("events every few ms keep the stream alive").isNotDone();
      Thread.sleep(5);
    } while (System.nanoTime() - until < 0);
    assertThat(awaitCancel().code()).isEqualTo("idle");
    assertThat(Duration.ofNanos(System.nanoTime() - lastEvent)).isGreaterThanOrEqualTo(SHORT);
  }

  @Test
  void theIdleDeadlineStandsStillWhileEventsAreBeingDeliveredAndCountsFromTheirEnd() throws Exception {
    StreamDeadlines watchdog = watchdog(NEVER, SHORT, NEVER);
    watchdog.start();
    watchdog.onEvent();
    watchdog.delivering();
    // Blocked on a slow client for three idle deadlines: not upstream silence.
    assertThat(cancelled).failsWithin(SHORT.multipliedBy(3)).withThrowableThat().isInstanceOf(TimeoutException.class);
    long delivered = System.nanoTime();
    watchdog.delivered();
    assertThat(awaitCancel().code()).isEqualTo("idle");
    assertThat(Duration.ofNanos(System.nanoTime() - delivered)).isGreaterThanOrEqualTo(SHORT);
  }

  @Test
  void aThousandStreamsShareTheOneTimerThread() throws Exception {
    int before = Thread.activeCount();
    var fired = new java.util.concurrent.CountDownLatch(1_000);
    for (int i = 0; i < 1_000; i++) {
      new StreamDeadlines(timer, new Timeouts(NEVER, NEVER, SHORT, NEVER, NEVER), Duration.ZERO,
          error -> fired.countDown(), null).start();
    }
    assertThat(Thread.activeCount() - before).as("platform threads started").isLessThanOrEqualTo(1);
    assertThat(fired.await(10, TimeUnit.SECONDS)).as("every first-token deadline fired").isTrue();
  }

  @Test
  void firesTheTotalDeadlineWhenItComesBeforeTheOthers() throws Exception {
    StreamDeadlines watchdog = watchdog(NEVER, NEVER, SHORT);
    watchdog.start();
    watchdog.onEvent();
    assertThat(awaitCancel().code()).isEqualTo("total");
  }

  @Test
  void onATieTheTotalDeadlineIsTheOneThatFires() throws Exception {
    // A policy stream's watchdog has its first-token deadline moved to the total: the error names the total.
    watchdog(SHORT, NEVER, SHORT).start();
    GatewayError timeout = awaitCancel();
    assertThat(timeout.code()).isEqualTo("total");
    assertThat(timeout.message()).isEqualTo("Upstream timed out: the stream exceeded its total deadline of 100 ms.");
  }

  @Test
  void cancelsNothingOnceStopped() {
    StreamDeadlines watchdog = watchdog(SHORT, SHORT, SHORT);
    watchdog.start();
    watchdog.stop();
    assertThat(cancelled).failsWithin(Duration.ofMillis(400)).withThrowableThat().isInstanceOf(TimeoutException.class);
  }

  /** Counted down once the handler's deadlines run. */
  private final CountDownLatch running = new CountDownLatch(1);

  /** Runs deadlines with heartbeats every 50 ms on a real response until {@code release}; returns the client. */
  private Socket heartbeating(RelayLoopback loopback, CountDownLatch release, Duration firstToken,
      boolean heartbeatsOff) throws Exception {
    var timeouts = new Timeouts(NEVER, NEVER, firstToken, NEVER, NEVER);
    return loopback.request(channel -> {
      var watchdog = new StreamDeadlines(timer, timeouts, Duration.ofMillis(50), cancelled::complete, channel);
      if (heartbeatsOff) watchdog.stopHeartbeats();
      watchdog.start();
      running.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } finally {
        watchdog.stop();
      }
      channel.finish();
      return null;
    });
  }

  @Test
  void sendsHeartbeatsWhileTheStreamIsQuiet() throws Exception {
    var release = new CountDownLatch(1);
    try (RelayLoopback loopback = RelayLoopback.start();
        Socket client = heartbeating(loopback, release, NEVER, false)) {
      String seen = readUntil(client, ": ping\n");
      assertThat(seen).startsWith("HTTP/1.1 200").contains("text/event-stream");
      readUntil(client, ": ping\n");
      release.countDown();
      loopback.outcome();
    }
    assertThat(cancelled).isNotDone();
  }

  @Test
  void cancelsTheUpstreamAsAClientDisconnectWhenAHeartbeatCannotBeWritten() throws Exception {
    var release = new CountDownLatch(1);
    try (RelayLoopback loopback = RelayLoopback.start()) {
      Socket client = heartbeating(loopback, release, NEVER, false);
      readUntil(client, ": ping\n");
      RelayLoopback.reset(client);
      GatewayError gone = awaitCancel();
      assertThat(gone.clientGone()).isTrue();
      assertThat(gone.message()).contains("heartbeat write failed");
      release.countDown();
    }
  }

  @Test
  void sendsNoHeartbeatOnceTheyAreStoppedSoOnlyADeadlineEndsADrain() throws Exception {
    var release = new CountDownLatch(1);
    try (RelayLoopback loopback = RelayLoopback.start()) {
      Socket client = heartbeating(loopback, release, Duration.ofMillis(300), true);
      running.await();
      RelayLoopback.reset(client);
      // A heartbeat to the reset client would cancel as a disconnect; none is sent, so the deadline is what fires.
      assertThat(awaitCancel().code()).isEqualTo("first_token");
      release.countDown();
    }
  }
}
