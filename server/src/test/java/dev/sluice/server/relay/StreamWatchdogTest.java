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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One stream's watchdog on its own: which deadline fires when, and its heartbeats to a real client. */
@Timeout(20)
class StreamWatchdogTest {
  private static final Duration SHORT = Duration.ofMillis(100);

  /** The first cancel the watchdog asks for. */
  private final CompletableFuture<GatewayError> cancelled = new CompletableFuture<>();

  private StreamWatchdog watchdog(Duration firstToken, Duration idle, Duration total) {
    return new StreamWatchdog(new Timeouts(NEVER, NEVER, firstToken, idle, total), Duration.ZERO, cancelled::complete,
        null);
  }

  private GatewayError awaitCancel() throws Exception {
    return cancelled.get(10, TimeUnit.SECONDS);
  }

  @Test
  void firesTheFirstTokenDeadlineWhenNoEventArrives() throws Exception {
    StreamWatchdog watchdog = watchdog(SHORT, NEVER, NEVER);
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
    StreamWatchdog watchdog = watchdog(NEVER, SHORT, NEVER);
    watchdog.start();
    watchdog.onEvent();
    long lastEvent = System.nanoTime();
    GatewayError timeout = awaitCancel();
    assertThat(Duration.ofNanos(System.nanoTime() - lastEvent)).isGreaterThanOrEqualTo(SHORT);
    assertThat(timeout.code()).isEqualTo("idle");
    assertThat(timeout.message()).isEqualTo("Upstream timed out: the upstream sent nothing for 100 ms.");
  }

  @Test
  void firesTheTotalDeadlineWhenItComesBeforeTheOthers() throws Exception {
    StreamWatchdog watchdog = watchdog(NEVER, NEVER, SHORT);
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
    StreamWatchdog watchdog = watchdog(SHORT, SHORT, SHORT);
    watchdog.start();
    watchdog.stop();
    assertThat(cancelled).failsWithin(Duration.ofMillis(400)).withThrowableThat().isInstanceOf(TimeoutException.class);
  }

  /** Counted down once the handler's watchdog runs. */
  private final CountDownLatch running = new CountDownLatch(1);

  /** Runs a watchdog with heartbeats every 50 ms on a real response until {@code release}; returns the client. */
  private Socket heartbeating(RelayLoopback loopback, CountDownLatch release, Duration firstToken,
      boolean heartbeatsOff) throws Exception {
    var timeouts = new Timeouts(NEVER, NEVER, firstToken, NEVER, NEVER);
    return loopback.request(channel -> {
      var watchdog = new StreamWatchdog(timeouts, Duration.ofMillis(50), cancelled::complete, channel);
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
