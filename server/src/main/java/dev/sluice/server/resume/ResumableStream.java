package dev.sluice.server.resume;

import dev.sluice.provider.EventStream;
import dev.sluice.server.relay.Outcome;
import dev.sluice.stream.GatewayError;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One browser stream whose generation is decoupled from its delivery: the generator relays the
 * upstream into the {@link ReplayLog}, and clients, one after another (a reconnecting {@code
 * EventSource}) or even side by side, follow the log. The upstream sees one request however many
 * times the client reconnects.
 *
 * <p>When the last reader leaves a running stream, a grace period starts; a reader that attaches
 * within it keeps the stream going, otherwise the stream is cancelled as a client disconnect and
 * its outcome is {@code aborted} with the usage generated so far.
 */
public final class ResumableStream {
  private final String id;
  private final ReplayLog log;
  private final EventStream source;
  private final Duration grace;
  private final ScheduledExecutorService timers;
  private final java.util.function.BooleanSupplier followedElsewhere;
  private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
  private final Object state = new Object();
  /** True until the terminal event is encoded: an abort after that finds nothing to abort. */
  private boolean running = true;
  private int readers;
  /** Bumped by every attach and detach, so that a grace timer knows whether it is still the latest. */
  private long epoch;

  /**
   * @param followedElsewhere whether a client on another instance follows this stream now, which
   *     extends its grace period
   */
  public ResumableStream(String id, ReplayLog log, EventStream source, Duration grace, ScheduledExecutorService timers,
      java.util.function.BooleanSupplier followedElsewhere) {
    this.followedElsewhere = followedElsewhere;
    this.id = id;
    this.log = log;
    this.source = source;
    this.grace = grace;
    this.timers = timers;
  }

  public String id() {
    return id;
  }

  public ReplayLog log() {
    return log;
  }

  /** Completes with the generation's outcome when the generator returns. */
  public CompletableFuture<Outcome> outcome() {
    return outcome;
  }

  /** A reader of the events after {@code afterSeq}; the caller must {@link #detach} it when done. */
  public ReplayLog.Cursor attach(long afterSeq) throws ReplayLog.Gone {
    // Counted before the cursor exists, so that a grace period ending meanwhile sees this reader coming.
    synchronized (state) {
      readers++;
      epoch++;
    }
    try {
      return log.follow(afterSeq);
    } catch (ReplayLog.Gone | RuntimeException e) {
      long mine;
      synchronized (state) {
        readers--;
        if (readers > 0 || !running) throw e;
        mine = ++epoch;
      }
      startGrace(mine);
      throw e;
    }
  }

  /** Lets go of a reader; the last one to leave a running stream starts its grace period. Idempotent per cursor. */
  public void detach(ReplayLog.Cursor cursor) {
    if (!cursor.closeIfOpen()) return;
    long mine;
    synchronized (state) {
      readers--;
      if (readers > 0 || !running) return;
      mine = ++epoch;
    }
    startGrace(mine);
  }

  private void startGrace(long mine) {
    if (grace.isZero()) {
      expire(mine);
      return;
    }
    try {
      timers.schedule(() -> expire(mine), grace.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stopped) {
      // The registry closed its timers: the gateway stops, and no client will resume.
      cancel(GatewayError.clientDisconnected("the gateway is stopping; no client can resume"));
    }
  }

  /** The grace period that began at {@code mine} is over: cancel, unless a client came back (here or elsewhere). */
  private void expire(long mine) {
    synchronized (state) {
      if (readers > 0 || !running || epoch != mine) return;
    }
    if (followedElsewhere.getAsBoolean()) {
      timers.schedule(() -> expire(mine), grace.isZero() ? 1_000_000_000L : grace.toNanos(), TimeUnit.NANOSECONDS);
      return;
    }
    cancel(GatewayError.clientDisconnected("no client resumed within the grace period of " + grace.toMillis() + " ms"));
  }

  /** Called by the generator as it encodes the terminal event: from then on there is nothing to abort. */
  public void ending() {
    synchronized (state) {
      running = false;
    }
  }

  /** Whether the stream still generates. */
  public boolean running() {
    synchronized (state) {
      return running;
    }
  }

  /**
   * Aborts the stream at once if it still generates ({@code DELETE /api/streams/{id}}, a grace
   * period's end, shutdown). Returns false if it had already ended.
   */
  public boolean cancel(GatewayError reason) {
    if (!running()) return false;
    source.cancel(reason);
    // A generator waiting for a slow reader must get to the failure now, not when the reader catches up.
    log.release();
    return true;
  }

  /** Records how the generation ended. */
  public void finished(Outcome result) {
    ending();
    outcome.complete(result);
  }
}
