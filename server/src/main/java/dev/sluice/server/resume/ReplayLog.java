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
  private String trailer;
  private GatewayError earlyError;
  /** Written by the generator's thread only, outside the lock, in append order. */
  private final SharedStreams.Mirror mirror;

  public ReplayLog(long capBytes) {
    this(capBytes, null);
  }

  /** @param mirror where every event and the end are also written (other instances follow it), or null */
  public ReplayLog(long capBytes, SharedStreams.Mirror mirror) {
    this.capBytes = capBytes;
    this.mirror = mirror;
  }

  @Override
  public void event(String type, String id, String data) throws IOException {
    writer.reset();
    writer.event(type, id, data);
    append(writer.toByteArray());
  }

  @Override
  public void event(String type, String id, byte[] utf8, int off, int len) throws IOException {
    writer.reset();
    writer.event(type, id, utf8, off, len);
    append(writer.toByteArray());
  }

  /** Logs have no comments: heartbeats are each reader's, and the timing trailer comes with the end. */
  @Override
  public void comment(String text) {}

  private void append(byte[] sse) throws IOException {
    long seq;
    lock.lock();
    try {
      if (ended) throw new IOException("the replay log already ended");
      while (bytes + sse.length > capBytes && first < next) {
        if (!released && someReaderNeeds(first)) {
          try {
            changed.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the log was full");
          }
          continue;
        }
        bytes -= entries.get(head).length;
        entries.set(head++, null);
        first++;
      }
      if (head > 1024 && head > entries.size() / 2) {
        entries.subList(0, head).clear();
        head = 0;
      }
      entries.add(sse);
      bytes += sse.length;
      seq = next++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (mirror != null) mirror.event(seq, sse);
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
        return true;
      } finally {
        lock.unlock();
      }
    }
  }
}
