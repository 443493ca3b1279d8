package dev.sluice.server.resume;

import dev.sluice.server.relay.EventLog;
import dev.sluice.sse.SseWriter;
import dev.sluice.stream.GatewayError;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One browser stream's replay log, in memory: the stream's events, framed once as Server-Sent
 * Events, in order; event {@code seq} (the {@code <seq>} of its {@code id: <streamId>:<seq>}) is
 * the log's entry {@code seq}. The generator appends; any number of {@link Cursor readers} follow.
 *
 * <p>Bounded by {@code capBytes}. When an append would exceed it, the oldest events go, except
 * that an event a following reader has not yet read never goes: the generator then waits, so the
 * upstream read pauses and TCP slows the upstream down (the same backpressure as a direct relay,
 * with at most the cap in between). Nothing is dropped under a live reader. Without a reader (the
 * client left, the stream runs on for its grace period) old events do go, and a resume from before
 * the kept window is refused with {@link Gone}. After {@link #release()} (the stream was cancelled)
 * the generator never waits, so a cancel cannot be held up by a stalled reader.
 *
 * <p>Every kept byte is also taken from the instance's {@link ReplayMemory}, which bounds all logs
 * together by the same rules: see there for what an append does when the total is full.
 */
public final class ReplayLog implements EventLog {
  /** What a reader gets from {@link Cursor#next}. */
  public sealed interface Step {}

  /** One framed event. */
  public record Event(long seq, byte[] sse) implements Step {}

  /** The log ended and the reader has read everything. */
  public record End(String trailer, GatewayError earlyError) implements Step {}

  /** No event: {@link #QUIET} or {@link #CLOSED}. */
  public record Signal(String name) implements Step {}

  /** Nothing new within the wait: a reader's cue to send a heartbeat. */
  public static final Signal QUIET = new Signal("quiet");

  /** The reader was closed (its client left) while it waited. */
  public static final Signal CLOSED = new Signal("closed");

  /** A resume from before the events this log still keeps. */
  public static final class Gone extends Exception {
    private final long firstKept;

    Gone(long firstKept) {
      super(null, null, false, false);
      this.firstKept = firstKept;
    }

    /** The seq of the oldest event still kept (or of the first event after a gap). */
    public long firstKept() {
      return firstKept;
    }
  }

  /** A resume that cannot be served from {@code firstKept} on. */
  public static Gone gone(long firstKept) {
    return new Gone(firstKept);
  }

  private final long capBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final SseWriter writer = new SseWriter();
  /** Kept events from index {@code head}; the one at index i has seq {@code first + i - head}. */
  private final ArrayList<byte[]> entries = new ArrayList<>();
  private final List<Cursor> readers = new ArrayList<>(2);
  private int head;
  private long first;
  private long next;
  private long bytes;
  private boolean ended;
  private boolean released;
  /** Past its retention window: whatever no reader needs goes, and goes as readers move on. */
  private boolean discarded;
  private long registration;
  private String trailer;
  private GatewayError earlyError;
  /** Written by the generator's thread only, outside the lock, in append order. */
  private final SharedStreams.Mirror mirror;
  private final ReplayMemory memory;

  /** A log bounded by its own cap only. */
  public ReplayLog(long capBytes) {
    this(capBytes, null, ReplayMemory.unbounded());
  }

  /**
   * @param mirror where every event and the end are also written (other instances follow it), or null
   * @param memory the bound on the bytes of all logs, which this one takes its bytes from
   */
  public ReplayLog(long capBytes, SharedStreams.Mirror mirror, ReplayMemory memory) {
    this.capBytes = capBytes;
    this.mirror = mirror;
    this.memory = memory;
  }

  @Override
  public void event(String type, String id, String data) throws IOException {
    writer.event(type, id, data);
    appendFramed();
  }

  @Override
  public void event(String type, String id, byte[] utf8, int off, int len) throws IOException {
    writer.event(type, id, utf8, off, len);
    appendFramed();
  }

  /** Appends the event just framed, and empties the writer: its shared buffer goes back between events. */
  private void appendFramed() throws IOException {
    byte[] framed;
    try {
      framed = writer.toByteArray();
    } finally {
      writer.reset();
    }
    append(framed);
  }

  /** Logs have no comments: heartbeats are each reader's, and the timing trailer comes with the end. */
  @Override
  public void comment(String text) {}

  private void append(byte[] sse) throws IOException {
    long seq;
    boolean waiting = false;
    // Other logs are asked for room until they have none to give; from then on, while this append
    // waits, every reader that moves on or leaves gives back what it no longer needs by itself.
    boolean askOthers = true;
    try {
      while (true) {
        long seen;
        long period;
        boolean mayWait;
        lock.lock();
        try {
          if (ended) throw new IOException("the replay log already ended");
          fitUnderOwnCap(sse.length);
          boolean followed = !released && !readers.isEmpty();
          if (!followed && memory.pressedByOthers(waiting)) {
            // A stream with a client following waits for room: a log nobody follows keeps nothing new.
            seq = letGo();
            break;
          }
          if (takeRoom(sse.length)) {
            seq = keep(sse);
            break;
          }
          // The total is full and this log cannot make room itself. A live reader is waited for;
          // without one (or once cancelled) the event goes at once, as the oldest of such a log would.
          mayWait = followed && memory.canHold(sse.length);
          if (!askOthers && !mayWait) {
            seq = letGo();
            break;
          }
          if (!waiting) {
            memory.startWaiting();
            waiting = true;
          }
          seen = memory.changes();
          period = memory.period();
        } finally {
          lock.unlock();
        }
        if (askOthers) {
          if (!memory.swept(period) && memory.reclaim(sse.length, this) > 0) continue;
          memory.markSwept(period);
          askOthers = false;
          if (!mayWait) continue;
        }
        if (!memory.fits(sse.length)) memory.awaitChange(seen);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the replay logs were full");
    } finally {
      if (waiting) memory.stopWaiting();
    }
    if (mirror != null) mirror.event(seq, sse);
  }

  /** Drops the oldest events until {@code length} more bytes fit under this log's own cap, waiting for readers that need them. */
  private void fitUnderOwnCap(int length) throws InterruptedException {
    while (bytes + length > capBytes && first < next) {
      if (!released && someReaderNeeds(first)) {
        changed.await();
        continue;
      }
      memory.give(dropOldest());
    }
  }

  /** Takes {@code length} bytes from the total, dropping this log's oldest events no reader needs (after a cancel: any) for them. */
  private boolean takeRoom(int length) {
    while (!memory.take(length)) {
      if (first == next || (!released && someReaderNeeds(first))) return false;
      memory.give(dropOldest());
    }
    return true;
  }

  private long keep(byte[] sse) {
    if (head > 1024 && head > entries.size() / 2) {
      entries.subList(0, head).clear();
      head = 0;
    }
    entries.add(sse);
    bytes += sse.length;
    changed.signalAll();
    return next++;
  }

  /** Logs the next event as dropped at once: the log is emptied first, so that it keeps no gap. */
  private long letGo() {
    while (first < next) memory.give(dropOldest());
    long seq = next++;
    first = next;
    changed.signalAll();
    return seq;
  }

  /** Drops the oldest kept event; returns its size, for the caller to give back to the total. */
  private int dropOldest() {
    byte[] oldest = entries.get(head);
    entries.set(head++, null);
    first++;
    bytes -= oldest.length;
    return oldest.length;
  }

  /**
   * Drops the oldest events no reader needs, up to {@code wanted} bytes (another log's append needs
   * room: {@link ReplayMemory#reclaim}); returns the bytes freed.
   */
  long shed(long wanted) {
    lock.lock();
    try {
      long freed = 0;
      while (freed < wanted && first < next && !someReaderNeeds(first)) freed += dropOldest();
      memory.give(freed);
      return freed;
    } finally {
      lock.unlock();
    }
  }

  /**
   * After a reader moved on or left: while some append waits for room, or once the log is past its
   * retention, the events no reader needs any more go now. Called with the lock held.
   */
  private void shedBehindReaders() {
    if (!discarded && !memory.pressed()) return;
    long freed = 0;
    while (first < next && !someReaderNeeds(first)) freed += dropOldest();
    memory.give(freed);
  }

  /** Lets other logs' appends take this log's spare events when the total is full ({@link ReplayMemory#reclaim}). */
  void register() {
    lock.lock();
    try {
      registration = memory.register(this);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The stream's retention window is over: the events no reader needs go now, and the rest as their
   * readers move on or leave. Idempotent.
   */
  void discard() {
    lock.lock();
    try {
      if (discarded) return;
      discarded = true;
      shedBehindReaders();
      memory.unregister(registration);
    } finally {
      lock.unlock();
    }
  }

  /** Bytes of events kept now. */
  public long bytes() {
    lock.lock();
    try {
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  private boolean someReaderNeeds(long seq) {
    for (Cursor c : readers) if (c.position <= seq) return true;
    return false;
  }

  @Override
  public boolean started() {
    lock.lock();
    try {
      return next > 0;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void end(String trailer) {
    lock.lock();
    try {
      if (ended) return;
      ended = true;
      this.trailer = trailer;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (mirror != null) mirror.end(trailer, null);
  }

  @Override
  public void failEarly(GatewayError error) {
    lock.lock();
    try {
      if (ended) return;
      earlyError = error;
      ended = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (mirror != null) mirror.end(null, error);
  }

  /** The stream was cancelled: appends never wait for readers again. */
  public void release() {
    lock.lock();
    try {
      released = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    // A generator waiting for room in the total must stop waiting too.
    memory.announceIfWaited();
  }

  /**
   * A reader of the events after {@code afterSeq} ({@code -1}: from the start).
   *
   * @throws Gone if some of those events are no longer kept
   */
  public Cursor follow(long afterSeq) throws Gone {
    lock.lock();
    try {
      if (afterSeq + 1 < first) throw new Gone(first);
      var cursor = new Cursor(afterSeq + 1);
      readers.add(cursor);
      return cursor;
    } finally {
      lock.unlock();
    }
  }

  /** Readers following now. */
  public int readers() {
    lock.lock();
    try {
      return readers.size();
    } finally {
      lock.unlock();
    }
  }

  /** One reader's place in the log. Closing it lets the generator run ahead of it. */
  public final class Cursor implements Follower {
    private long position;
    private boolean closed;

    private Cursor(long position) {
      this.position = position;
    }

    /**
     * The next step, waiting at most {@code timeoutNanos} for it.
     *
     * @throws Gone if the stream was cancelled and events this reader had not read were dropped
     */
    @Override
    public Step next(long timeoutNanos) throws Gone, InterruptedException {
      lock.lock();
      try {
        long nanos = timeoutNanos;
        while (true) {
          if (closed) return CLOSED;
          if (position < first) throw new Gone(first);
          if (position < next) {
            byte[] sse = entries.get(head + (int) (position - first));
            var step = new Event(position++, sse);
            changed.signalAll();
            shedBehindReaders();
            return step;
          }
          if (ended) return new End(trailer, earlyError);
          if (nanos <= 0) return QUIET;
          nanos = changed.awaitNanos(nanos);
        }
      } finally {
        lock.unlock();
      }
    }

    /** Detaches this reader; a reader blocked in {@link #next} returns {@link #CLOSED}. Idempotent. */
    @Override
    public void close() {
      closeIfOpen();
    }

    /** Like {@link #close}; true if this call closed it. */
    boolean closeIfOpen() {
      lock.lock();
      try {
        if (closed) return false;
        closed = true;
        readers.remove(this);
        changed.signalAll();
        shedBehindReaders();
        // A waiting append looks again even if nothing came free: it may have lost its last reader.
        memory.announceIfWaited();
        return true;
      } finally {
        lock.unlock();
      }
    }
  }
}
