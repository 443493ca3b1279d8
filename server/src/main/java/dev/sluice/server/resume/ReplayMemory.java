package dev.sluice.server.resume;

import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bytes all replay logs of this instance hold together, under one cap ({@code
 * resume.max_total_log_bytes}): every event a {@link ReplayLog} keeps is taken from here and given
 * back when the log drops it, or when the log is discarded at the end of its retention window.
 *
 * <p>The bound follows the rules each log already follows for its own cap, rather than refusing new
 * browser streams with a 503. A refusal alone could not bound the total, since running streams keep
 * growing; it would need every stream to reserve its whole {@code log_bytes} up front, which at the
 * defaults (256 MiB, 4 MiB) would allow 64 browser streams, retained ones included, while an
 * ordinary answer's log holds tens of KiB. Here, when the total is full, a log about to append:
 *
 * <ol>
 *   <li>drops its own oldest events that no following reader still needs;
 *   <li>else has other logs drop theirs, oldest log first ({@link #reclaim}): events already read,
 *       events of streams whose client left, and retained logs of ended streams; a resume from
 *       before what a log still keeps then gets the "can no longer be resumed" error, as after a
 *       log's own cap;
 *   <li>else, with a client following, waits (the upstream read pauses, the same backpressure as a
 *       full log) until some reader moves on or leaves and bytes come free; while logs wait, every
 *       reader drops the events it leaves behind at once;
 *   <li>else (no client following, or the stream was cancelled) never waits: the event goes at once,
 *       as the oldest of a log without a reader would, and a resume from before it gets the error.
 *       While some append waits, such a log keeps nothing new at all: room goes to the streams
 *       someone follows.
 * </ol>
 *
 * <p>So nothing is dropped under a live reader, a slow client slows only its own stream, and the
 * total never exceeds the cap. While the pressure lasts nothing becomes reclaimable without being
 * given back at once, so one look through the logs per period of pressure is enough ({@link
 * #swept}): the cost of a full total does not grow with the number of logs at every append. A cap
 * of 0 leaves the total unbounded (only counted).
 */
public final class ReplayMemory {
  private final long cap;
  private final Runnable onFull;
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  /** Logs that may give bytes back, by registration order: the oldest first. */
  private final ConcurrentSkipListMap<Long, ReplayLog> logs = new ConcurrentSkipListMap<>();
  private final AtomicLong registrations = new AtomicLong();
  /** Appends waiting for room now; while there are any, every change that frees bytes is announced. */
  private final AtomicInteger waiters = new AtomicInteger();
  /** Periods of pressure (some append waiting, without a break) begun so far. */
  private final AtomicLong periods = new AtomicLong();
  /** The period in which a look through every log found nothing to give back; -1 before any. */
  private volatile long sweptIn = -1;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Bumped, under {@link #lock}, by every announced change; a waiter waits for it to move. */
  private final AtomicLong changes = new AtomicLong();

  /**
   * @param cap the most bytes all logs hold together; 0: unbounded
   * @param onFull told each time an append finds the total full (the {@code log_bytes} refusals' count)
   */
  public ReplayMemory(long cap, Runnable onFull) {
    if (cap < 0) throw new IllegalArgumentException("cap must not be negative");
    this.cap = cap;
    this.onFull = onFull;
  }

  /** No bound (a log made on its own, as in tests). */
  static ReplayMemory unbounded() {
    return new ReplayMemory(0, () -> {});
  }

  /** The cap, or 0 when unbounded. */
  public long cap() {
    return cap;
  }

  /** Bytes held by all logs now. */
  public long held() {
    return held.get();
  }

  /** The most bytes held at any one time since the start. */
  public long peak() {
    return peak.get();
  }

  /** Whether {@code bytes} could ever be held at once. */
  boolean canHold(long bytes) {
    return cap == 0 || bytes <= cap;
  }

  /** Whether {@code bytes} fit under the cap now. */
  boolean fits(long bytes) {
    return cap == 0 || held.get() + bytes <= cap;
  }

  /** Takes {@code bytes} if they fit under the cap now; false, taking nothing, if they do not. */
  boolean take(long bytes) {
    long before;
    do {
      before = held.get();
      if (cap > 0 && before + bytes > cap) return false;
    } while (!held.compareAndSet(before, before + bytes));
    peak.accumulateAndGet(before + bytes, Math::max);
    return true;
  }

  /** Gives back {@code bytes} a log dropped. */
  void give(long bytes) {
    if (bytes == 0) return;
    held.addAndGet(-bytes);
    announceIfWaited();
  }

  /** Whether some append waits for room, so that readers drop what they leave behind. */
  boolean pressed() {
    return waiters.get() > 0;
  }

  /** Whether some append other than the caller's waits for room ({@code callerWaits}: the caller's does). */
  boolean pressedByOthers(boolean callerWaits) {
    return waiters.get() > (callerWaits ? 1 : 0);
  }

  /** Wakes the waiting appends to look again: bytes came free, or a log's readers moved on. */
  void announceIfWaited() {
    if (waiters.get() == 0) return;
    lock.lock();
    try {
      changes.incrementAndGet();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** An append found the total full and will look for room: counted, and told of changes from now on. */
  void startWaiting() {
    onFull.run();
    if (waiters.getAndIncrement() == 0) periods.incrementAndGet();
  }

  void stopWaiting() {
    waiters.decrementAndGet();
  }

  /** The count of changes so far, read before looking for room; {@link #awaitChange} waits for it to move. */
  long changes() {
    return changes.get();
  }

  /** Waits until a change is announced after {@code seen} was read. */
  void awaitChange(long seen) throws InterruptedException {
    lock.lock();
    try {
      while (changes.get() == seen) changed.await();
    } finally {
      lock.unlock();
    }
  }

  /** The current period of pressure, read by a waiting append before it looks through the logs. */
  long period() {
    return periods.get();
  }

  /**
   * Whether the logs were already found with nothing to give back in {@code period}. While the
   * pressure lasts nothing becomes reclaimable without being given back at once (readers drop what
   * they leave behind, logs nobody follows keep nothing new), so a second look would find nothing.
   */
  boolean swept(long period) {
    return sweptIn == period;
  }

  /** A look through every log, begun in {@code period} by a waiting append, found nothing to give back. */
  void markSwept(long period) {
    sweptIn = period;
  }

  /** Makes {@code log}'s events reclaimable by other logs; returns its registration, for {@link #unregister}. */
  long register(ReplayLog log) {
    long id = registrations.incrementAndGet();
    logs.put(id, log);
    return id;
  }

  void unregister(long registration) {
    logs.remove(registration);
  }

  /**
   * Has other logs than {@code asking}, oldest first, drop the events none of their readers needs,
   * until {@code bytes} came free; returns the bytes freed. Called with no log's lock held, and locks
   * one log at a time, so two logs reclaiming from each other cannot deadlock.
   */
  long reclaim(long bytes, ReplayLog asking) {
    long freed = 0;
    for (ReplayLog log : logs.values()) {
      if (freed >= bytes) break;
      if (log != asking) freed += log.shed(bytes - freed);
    }
    return freed;
  }
}
