package dev.sluice.server.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The replay log's bounds: never drops what a live reader still needs; drops the oldest otherwise. */
class ReplayLogTest {
  private static final int CAP = 64 * 1024;
  /** A 16 KiB event data: four fill the cap. */
  private static final String DATA = "x".repeat(16 * 1024 - 40);

  private static void append(ReplayLog log, long seq) throws Exception {
    log.event(null, "st_0000000000000000:" + seq, DATA);
  }

  private static long seqOf(ReplayLog.Step step) {
    return ((ReplayLog.Event) step).seq();
  }

  /** Waits (bounded) until {@code t} parks, which is what a full log makes the generator do. */
  private static void awaitParked(Thread t) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
      if (System.nanoTime() > deadline) throw new AssertionError("the generator never waited; state " + t.getState());
      Thread.sleep(1);
    }
  }

  @Test
  void makesTheGeneratorWaitAtTheCapUntilALiveReaderReads() throws Exception {
    var log = new ReplayLog(CAP);
    ReplayLog.Cursor reader = log.follow(-1);
    for (long i = 0; i < 3; i++) append(log, i);
    var fourth = new CompletableFuture<Void>();
    Thread generator = Thread.ofPlatform().start(() -> {
      try {
        append(log, 3);
        append(log, 4);
        fourth.complete(null);
      } catch (Exception e) {
        fourth.completeExceptionally(e);
      }
    });
    awaitParked(generator);
    assertThat(fourth).as("the generator may not run further ahead of a live reader than the cap").isNotDone();
    assertThat(seqOf(reader.next(0))).isEqualTo(0);
    fourth.get(5, TimeUnit.SECONDS);
    for (long i = 1; i <= 4; i++) assertThat(seqOf(reader.next(0))).isEqualTo(i);
    assertThat(reader.next(0)).isEqualTo(ReplayLog.QUIET);
  }

  @Test
  void dropsTheOldestEventsWithoutAReaderAndRefusesAResumeFromBeforeTheWindow() throws Exception {
    var log = new ReplayLog(CAP);
    for (long i = 0; i < 10; i++) append(log, i);
    log.end("trailer");
    assertThatThrownBy(() -> log.follow(2)).isInstanceOfSatisfying(ReplayLog.Gone.class,
        g -> assertThat(g.firstKept()).isGreaterThan(3).isLessThanOrEqualTo(9));
    ReplayLog.Cursor late = log.follow(8);
    assertThat(seqOf(late.next(0))).isEqualTo(9);
    assertThat(late.next(0)).isEqualTo(new ReplayLog.End("trailer", null));
    String framed = new String(((ReplayLog.Event) log.follow(8).next(0)).sse(), StandardCharsets.UTF_8);
    assertThat(framed).startsWith("id: st_0000000000000000:9\ndata: xxx").endsWith("\n\n");
  }

  @Test
  void neverMakesACancelledStreamWaitForAStalledReader() throws Exception {
    var log = new ReplayLog(CAP);
    ReplayLog.Cursor stalled = log.follow(-1);
    log.release();
    for (long i = 0; i < 10; i++) append(log, i);
    assertThatThrownBy(() -> stalled.next(0)).isInstanceOf(ReplayLog.Gone.class);
  }

  @Test
  void wakesAWaitingReaderWhenItIsClosed() throws Exception {
    var log = new ReplayLog(CAP);
    ReplayLog.Cursor reader = log.follow(-1);
    var step = CompletableFuture.supplyAsync(() -> {
      try {
        return reader.next(TimeUnit.SECONDS.toNanos(30));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    reader.close();
    assertThat(step.get(5, TimeUnit.SECONDS)).isEqualTo(ReplayLog.CLOSED);
    assertThat(log.readers()).isZero();
  }
}
