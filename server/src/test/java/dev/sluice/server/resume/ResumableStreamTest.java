package dev.sluice.server.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.server.relay.Outcome;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A resumable stream with a real replay log and a real timer thread: followers replay from where
 * they were, the last one leaving starts a grace period, and a stream nobody resumes is cancelled
 * as a client disconnect, unless it already ended.
 */
class ResumableStreamTest {
  private static final String ID = "st_00000000000000a1";
  private static final int CAP = 64 * 1024;
  /** A 16 KiB event: four fill the log's cap. */
  private static final String BIG = "x".repeat(16 * 1024 - 40);
  private static final BooleanSupplier NOWHERE_ELSE = () -> false;

  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  private final CancelRecordingSource source = new CancelRecordingSource();

  @AfterEach
  void stopTimers() {
    timers.shutdownNow();
  }

  private ResumableStream stream(Duration grace, BooleanSupplier followedElsewhere) {
    return new ResumableStream(ID, new ReplayLog(CAP), source, grace, timers, followedElsewhere);
  }

  private static void log(ResumableStream stream, long seq, String data) throws Exception {
    stream.log().event(null, ID + ":" + seq, data);
  }

  private static String next(ReplayLog.Cursor cursor) throws Exception {
    var event = (ReplayLog.Event) cursor.next(0);
    return event.seq() + " " + new String(event.sse(), StandardCharsets.UTF_8);
  }

  @Test
  void replaysEventsAfterTheLastEventIdInOrder() throws Exception {
    ResumableStream stream = stream(Duration.ofSeconds(30), NOWHERE_ELSE);
    for (long seq = 0; seq < 4; seq++) log(stream, seq, "token " + seq);
    ReplayLog.Cursor resumed = stream.attach(1);
    assertThat(next(resumed)).isEqualTo("2 id: " + ID + ":2\ndata: token 2\n\n");
    assertThat(next(resumed)).isEqualTo("3 id: " + ID + ":3\ndata: token 3\n\n");
    assertThat(resumed.next(0)).as("caught up with a stream still generating").isEqualTo(ReplayLog.QUIET);
    log(stream, 4, "token 4");
    stream.log().end(": done");
    assertThat(next(resumed)).startsWith("4 ");
    assertThat(resumed.next(0)).isEqualTo(new ReplayLog.End(": done", null));
    assertThat(next(stream.attach(-1))).as("no Last-Event-ID: from the start").startsWith("0 ");
  }

  @Test
  void abortsAfterTheGracePeriodWithNoFollower() throws Exception {
    Duration grace = Duration.ofMillis(100);
    ResumableStream stream = stream(grace, NOWHERE_ELSE);
    ReplayLog.Cursor cursor = stream.attach(-1);
    long left = System.nanoTime();
    stream.detach(cursor);
    GatewayError reason = source.cancelled.get(5, TimeUnit.SECONDS);
    assertThat(reason.clientGone()).as("cancelled as a client disconnect: %s", reason).isTrue();
    assertThat(reason.message()).contains("grace period of 100 ms");
    assertThat(Duration.ofNanos(source.cancelledAtNanos() - left)).isGreaterThanOrEqualTo(grace);
  }

  @Test
  void cancelsTheMomentTheLastFollowerLeavesWithNoGracePeriod() throws Exception {
    ResumableStream stream = stream(Duration.ZERO, NOWHERE_ELSE);
    ReplayLog.Cursor first = stream.attach(-1);
    ReplayLog.Cursor second = stream.attach(-1);
    stream.detach(first);
    stream.detach(first);
    assertThat(source.cancelled).as("one follower is still there, however often the other leaves").isNotDone();
    stream.detach(second);
    assertThat(source.cancelled).isDone();
    assertThat(source.cancels).hasValue(1);
  }

  @Test
  void keepsGeneratingForAFollowerThatComesBackWithinTheGracePeriod() throws Exception {
    Duration grace = Duration.ofMillis(50);
    ResumableStream stream = stream(grace, NOWHERE_ELSE);
    ReplayLog.Cursor before = stream.attach(-1);
    HeldTimers.whileHeld(timers, () -> {
      stream.detach(before);
      stream.attach(-1);
    });
    HeldTimers.awaitDue(timers, grace.toNanos());
    assertThat(source.cancelled).as("the grace timer ran and found a follower").isNotDone();
    assertThat(stream.running()).isTrue();
  }

  /** A follower that came and went restarts the grace period: the first one's timer is stale. */
  @Test
  void countsTheGracePeriodFromTheLastFollowerLeaving() throws Exception {
    Duration grace = Duration.ofMillis(50);
    ResumableStream stream = stream(grace, NOWHERE_ELSE);
    ReplayLog.Cursor first = stream.attach(-1);
    Future<Boolean> cancelledAfterTheFirstGracePeriod = HeldTimers.whileHeld(timers, () -> {
      stream.detach(first);
      // Runs on the timer thread after the first grace timer and before the second, which the
      // next follower's leaving starts.
      Future<Boolean> probe = timers.schedule(source.cancelled::isDone, grace.toNanos(), TimeUnit.NANOSECONDS);
      stream.detach(stream.attach(-1));
      return probe;
    });
    assertThat(cancelledAfterTheFirstGracePeriod.get(5, TimeUnit.SECONDS)).as("cancelled by a stale grace timer").isFalse();
    assertThat(source.cancelled.get(5, TimeUnit.SECONDS).clientGone()).isTrue();
  }

  @Test
  void waitsWhileAFollowerOnAnotherInstanceFollows() throws Exception {
    Duration grace = Duration.ofMillis(50);
    var asked = new AtomicInteger();
    // Followed elsewhere at the first grace period's end, no longer at the second.
    ResumableStream stream = stream(grace, () -> asked.incrementAndGet() == 1);
    ReplayLog.Cursor cursor = stream.attach(-1);
    long left = System.nanoTime();
    stream.detach(cursor);
    GatewayError reason = source.cancelled.get(5, TimeUnit.SECONDS);
    assertThat(reason.clientGone()).isTrue();
    assertThat(asked).hasValue(2);
    assertThat(Duration.ofNanos(source.cancelledAtNanos() - left)).isGreaterThanOrEqualTo(grace.multipliedBy(2));
  }

  /**
   * Once the registry closed its timers (the gateway stops), no grace period can run and nobody
   * will resume: the follower leaving (in a finally block, or on a Jetty thread) cancels at once
   * rather than throw.
   */
  @Test
  void cancelsAtOnceWhenTheLastFollowerLeavesAfterTheTimersStopped() throws Exception {
    ResumableStream stream = stream(Duration.ofSeconds(30), NOWHERE_ELSE);
    ReplayLog.Cursor cursor = stream.attach(-1);
    timers.shutdownNow();
    stream.detach(cursor);
    assertThat(source.cancelled.getNow(null)).isNotNull().satisfies(reason -> assertThat(reason.clientGone()).isTrue());
  }

  @Test
  void findsNothingToAbortOnceTheTerminalEventIsEncoded() throws Exception {
    ResumableStream stream = stream(Duration.ZERO, NOWHERE_ELSE);
    ReplayLog.Cursor cursor = stream.attach(-1);
    stream.ending();
    assertThat(stream.cancel(GatewayError.of(ErrorType.CANCELLED, "aborted by the client"))).isFalse();
    stream.detach(cursor);
    assertThat(source.cancelled).as("neither the abort nor the last follower leaving cancels it").isNotDone();
    assertThat(stream.running()).isFalse();
  }

  /** Without it, an abort would wait on a reader that stopped reading, with its upstream still open. */
  @Test
  void cancelReleasesAGeneratorWaitingForASlowFollower() throws Exception {
    ResumableStream stream = stream(Duration.ofSeconds(30), NOWHERE_ELSE);
    stream.attach(-1); // reads nothing
    var generated = new CompletableFuture<Void>();
    Thread generator = Thread.ofPlatform().start(() -> {
      try {
        for (long seq = 0; seq < 8; seq++) log(stream, seq, BIG);
        generated.complete(null);
      } catch (Exception e) {
        generated.completeExceptionally(e);
      }
    });
    awaitParked(generator);
    assertThat(generated).as("the log is full and its follower needs every event").isNotDone();
    assertThat(stream.cancel(GatewayError.of(ErrorType.CANCELLED, "aborted by the client"))).isTrue();
    generated.get(5, TimeUnit.SECONDS);
    assertThat(source.cancelled.get().message()).isEqualTo("aborted by the client");
  }

  /**
   * A resume from before the kept window is refused; the refused follower must not count, or a
   * stream whose client can no longer resume it would generate forever.
   */
  @Test
  void abortsAfterTheGracePeriodWhenTheOnlyResumeIsRefused() throws Exception {
    Duration grace = Duration.ofMillis(50);
    ResumableStream stream = stream(grace, NOWHERE_ELSE);
    ReplayLog.Cursor cursor = stream.attach(-1);
    HeldTimers.whileHeld(timers, () -> {
      stream.detach(cursor);
      for (long seq = 0; seq < 8; seq++) log(stream, seq, BIG); // nobody follows: the oldest go
      assertThatThrownBy(() -> stream.attach(0)).isInstanceOf(ReplayLog.Gone.class);
    });
    assertThat(source.cancelled.get(5, TimeUnit.SECONDS).clientGone()).isTrue();
  }

  @Test
  void completesItsOutcomeWhenTheGeneratorFinishes() throws Exception {
    ResumableStream stream = stream(Duration.ZERO, NOWHERE_ELSE);
    var outcome = Outcome.rejected(GatewayError.of(ErrorType.UPSTREAM_ERROR, "the upstream failed"));
    assertThat(stream.outcome()).isNotDone();
    stream.finished(outcome);
    assertThat(stream.outcome().getNow(null)).isSameAs(outcome);
    assertThat(stream.running()).isFalse();
    assertThat(stream.cancel(GatewayError.of(ErrorType.CANCELLED, "aborted by the client"))).isFalse();
  }

  /** Waits (bounded) until {@code t} parks, which is what a full log makes the generator do. */
  private static void awaitParked(Thread t) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (t.getState() != Thread.State.WAITING) {
      if (System.nanoTime() - deadline > 0) throw new AssertionError("the generator never waited; state " + t.getState());
      Thread.sleep(1);
    }
  }
}
