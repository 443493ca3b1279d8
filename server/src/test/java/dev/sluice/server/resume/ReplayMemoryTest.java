package dev.sluice.server.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The bound on all replay logs together: the total never exceeds it; a live reader loses nothing
 * (its generator waits); without a reader, or after a cancel, the oldest events go; discarded logs
 * give their bytes back.
 */
class ReplayMemoryTest {
  private static final int LOG_CAP = 64 * 1024;
  /** A 16 KiB event data: four fill one log. */
  private static final String DATA = "x".repeat(16 * 1024 - 40);
  /** The framed size of one event of {@link #DATA} with a seq below 10. */
  private static final int EVENT = frameSize();

  private final AtomicInteger full = new AtomicInteger();

  private static int frameSize() {
    var log = new ReplayLog(LOG_CAP);
    try {
      append(log, 0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return (int) log.bytes();
  }

  private ReplayMemory memory(long cap) {
    return new ReplayMemory(cap, full::incrementAndGet);
  }

  private static ReplayLog log(ReplayMemory memory) {
    var log = new ReplayLog(LOG_CAP, null, memory);
    log.register();
    return log;
  }

  private static void append(ReplayLog log, long seq) throws Exception {
    log.event(null, "st_0000000000000000:" + seq, DATA);
  }

  private static long seqOf(ReplayLog.Step step) {
    return ((ReplayLog.Event) step).seq();
  }

  private static CompletableFuture<Void> appendAsync(ReplayLog log, long seq) {
    var done = new CompletableFuture<Void>();
    Thread.ofVirtual().start(() -> {
      try {
        append(log, seq);
        done.complete(null);
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
    });
    return done;
  }

  /** Waits (bounded) until some append waits for room in the total. */
  private static void awaitWaiting(ReplayMemory memory) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!memory.pressed()) {
      if (System.nanoTime() > deadline) throw new AssertionError("no append ever waited for room");
      Thread.sleep(1);
    }
  }

  @Test
  void manyStreamsWithLiveReadersStayUnderTheTotalAndLoseNothing() throws Exception {
    // Room for two and a half logs' worth for 12 streams of 40 events each (640 KiB apiece).
    long cap = 5L * EVENT * 2 + EVENT / 2;
    ReplayMemory memory = memory(cap);
    int streams = 12;
    int events = 40;
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      var readers = new ArrayList<Future<List<Long>>>();
      var generators = new ArrayList<Future<?>>();
      for (int s = 0; s < streams; s++) {
        ReplayLog log = log(memory);
        ReplayLog.Cursor cursor = log.follow(-1);
        generators.add(threads.submit(() -> {
          for (long i = 0; i < events; i++) append(log, i);
          log.end(null);
          return null;
        }));
        readers.add(threads.submit(() -> {
          var seen = new ArrayList<Long>();
          for (ReplayLog.Step step = cursor.next(TimeUnit.SECONDS.toNanos(10)); !(step instanceof ReplayLog.End);
              step = cursor.next(TimeUnit.SECONDS.toNanos(10))) {
            seen.add(seqOf(step));
          }
          return seen;
        }));
      }
      for (Future<?> g : generators) g.get(30, TimeUnit.SECONDS);
      var every = new ArrayList<Long>();
      for (long i = 0; i < events; i++) every.add(i);
      for (Future<List<Long>> r : readers) assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo(every);
    }
    assertThat(memory.peak()).isLessThanOrEqualTo(cap).isGreaterThan(cap - 2L * EVENT);
    assertThat(full).as("the total was full, so the bound did something").hasPositiveValue();
  }

  @Test
  void withoutAReaderAnotherLogsOldestEventsGoAndAResumeFromBeforeThemIsGone() throws Exception {
    ReplayMemory memory = memory(4L * EVENT);
    ReplayLog idle = log(memory);
    for (long i = 0; i < 4; i++) append(idle, i);
    idle.end(null);
    ReplayLog busy = log(memory);
    ReplayLog.Cursor reader = busy.follow(-1);
    append(busy, 0);
    append(busy, 1);
    assertThat(memory.held()).isEqualTo(4L * EVENT).isEqualTo(idle.bytes() + busy.bytes());
    assertThatThrownBy(() -> idle.follow(-1)).isInstanceOfSatisfying(ReplayLog.Gone.class,
        g -> assertThat(g.firstKept()).isEqualTo(2));
    assertThat(seqOf(idle.follow(1).next(0))).isEqualTo(2);
    assertThat(seqOf(reader.next(0))).isZero();
  }

  @Test
  void aGeneratorWithAReaderWaitsForRoomUntilAReaderMovesOn() throws Exception {
    ReplayMemory memory = memory(4L * EVENT);
    ReplayLog first = log(memory);
    ReplayLog.Cursor firstReader = first.follow(-1);
    for (long i = 0; i < 3; i++) append(first, i);
    ReplayLog second = log(memory);
    ReplayLog.Cursor secondReader = second.follow(-1);
    append(second, 0);
    CompletableFuture<Void> waiting = appendAsync(second, 1);
    awaitWaiting(memory);
    assertThat(waiting).as("every byte held is one a live reader has not read").isNotDone();
    assertThat(seqOf(firstReader.next(0))).isZero();
    waiting.get(5, TimeUnit.SECONDS);
    assertThat(memory.held()).isEqualTo(4L * EVENT);
    assertThat(seqOf(secondReader.next(0))).isZero();
    assertThat(seqOf(secondReader.next(0))).isEqualTo(1);
    // The reader's event went as it read it, to make the room: the kept window starts after it.
    assertThatThrownBy(() -> first.follow(-1)).isInstanceOf(ReplayLog.Gone.class);
  }

  @Test
  void aWaitingGeneratorWhoseReaderLeavesLetsItsEventGoAtOnceWhenNothingCanMakeRoom() throws Exception {
    ReplayMemory memory = memory(2L * EVENT);
    ReplayLog other = log(memory);
    ReplayLog.Cursor otherReader = other.follow(-1);
    append(other, 0);
    append(other, 1);
    ReplayLog log = log(memory);
    ReplayLog.Cursor reader = log.follow(-1);
    CompletableFuture<Void> waiting = appendAsync(log, 0);
    awaitWaiting(memory);
    reader.close();
    waiting.get(5, TimeUnit.SECONDS);
    assertThat(log.bytes()).isZero();
    assertThatThrownBy(() -> log.follow(-1)).as("event 0 went at once")
        .isInstanceOfSatisfying(ReplayLog.Gone.class, g -> assertThat(g.firstKept()).isEqualTo(1));
    assertThat(seqOf(otherReader.next(0))).as("the other stream's reader lost nothing").isZero();
    assertThat(seqOf(otherReader.next(0))).isEqualTo(1);
  }

  /** A total of two events, each held for a reader that has not read it, and the append of a third waiting. */
  private record Stuck(ReplayMemory memory, ReplayLog log, ReplayLog.Cursor reader, CompletableFuture<Void> append) {}

  private Stuck stuck() throws Exception {
    ReplayMemory memory = memory(2L * EVENT);
    ReplayLog other = log(memory);
    other.follow(-1);
    append(other, 0);
    ReplayLog log = log(memory);
    ReplayLog.Cursor reader = log.follow(-1);
    append(log, 0);
    CompletableFuture<Void> waiting = appendAsync(log, 1);
    awaitWaiting(memory);
    return new Stuck(memory, log, reader, waiting);
  }

  @Test
  void aReaderThatLeavesAWaitingGeneratorGivesItsLogsEventsForRoom() throws Exception {
    Stuck stuck = stuck();
    stuck.reader().close();
    stuck.append().get(5, TimeUnit.SECONDS);
    assertThat(stuck.memory().held()).isEqualTo(2L * EVENT);
    assertThatThrownBy(() -> stuck.log().follow(-1)).isInstanceOfSatisfying(ReplayLog.Gone.class,
        g -> assertThat(g.firstKept()).isEqualTo(1));
    assertThat(seqOf(stuck.log().follow(0).next(0))).isEqualTo(1);
  }

  @Test
  void aCancelledStreamNeverWaitsForRoom() throws Exception {
    Stuck stuck = stuck();
    stuck.log().release();
    stuck.append().get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stuck.reader().next(0)).isInstanceOf(ReplayLog.Gone.class);
    assertThat(stuck.memory().peak()).isLessThanOrEqualTo(2L * EVENT);
  }

  @Test
  void whileAStreamWaitsForRoomALogNobodyFollowsKeepsNothingNew() throws Exception {
    Stuck stuck = stuck();
    ReplayLog unfollowed = log(stuck.memory());
    append(unfollowed, 0);
    assertThat(unfollowed.bytes()).isZero();
    assertThatThrownBy(() -> unfollowed.follow(-1)).isInstanceOfSatisfying(ReplayLog.Gone.class,
        g -> assertThat(g.firstKept()).isEqualTo(1));
    assertThat(stuck.append()).as("the followed stream still waits for its reader").isNotDone();
    stuck.reader().next(0);
    stuck.append().get(5, TimeUnit.SECONDS);
  }

  @Test
  void aDiscardedLogGivesItsBytesBackAsItsReadersMoveOn() throws Exception {
    ReplayMemory memory = memory(0);
    ReplayLog log = log(memory);
    for (long i = 0; i < 3; i++) append(log, i);
    log.end(null);
    ReplayLog.Cursor late = log.follow(0);
    log.discard();
    assertThat(memory.held()).as("event 0 is behind the only reader").isEqualTo(2L * EVENT);
    assertThat(seqOf(late.next(0))).isEqualTo(1);
    assertThat(memory.held()).isEqualTo(EVENT);
    late.close();
    assertThat(memory.held()).isZero();
    assertThat(log.bytes()).isZero();
  }
}
