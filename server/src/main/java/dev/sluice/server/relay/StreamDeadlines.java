package dev.sluice.server.relay;

import dev.sluice.server.config.Timeouts;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Enforces one stream's deadlines — first token, idle between events, total — and sends heartbeats
 * while the stream is quiet. The HTTP client's own timeout covers only the response headers, so
 * without this a silent upstream would hold a stream forever.
 *
 * <p>Runs on the gateway's one {@link RelayTimer}: one check per stream is armed at a time, for the
 * nearest deadline or heartbeat. The stream's thread only writes a volatile timestamp per event and
 * never arms anything for it; a check that finds the deadline moved (events came meanwhile) arms
 * the next one for the new time. So a busy stream costs the timer one check per idle deadline, not
 * one per event. An expiry cancels the upstream with a typed {@code upstream_timeout} error naming
 * the deadline; a heartbeat due is written on a virtual thread of its own, never on the timer's.
 *
 * <p>The idle deadline measures the upstream's silence, so it runs only while the relay waits for
 * the upstream: while the relay is blocked handing events to a slow client it does not read, and
 * the data the upstream already sent waits in the buffers. The deadline stands still during such a
 * delivery ({@link #delivering}) and counts again from its end ({@link #delivered}); the write
 * timeout is what bounds a client that accepts nothing, and the total deadline still binds.
 */
final class StreamDeadlines {

  /** The deadlines, by the code their timeout error carries. */
  enum Deadline {
    FIRST_TOKEN("first_token", "no first token from the upstream within "),
    IDLE("idle", "the upstream sent nothing for "),
    TOTAL("total", "the stream exceeded its total deadline of ");

    private final String code;
    private final String what;

    Deadline(String code, String what) {
      this.code = code;
      this.what = what;
    }

    Duration limit(Timeouts timeouts) {
      return switch (this) {
        case FIRST_TOKEN -> timeouts.firstToken();
        case IDLE -> timeouts.idle();
        case TOTAL -> timeouts.total();
      };
    }

    GatewayError error(Timeouts timeouts) {
      return new GatewayError(ErrorType.UPSTREAM_TIMEOUT, "Upstream timed out: " + what + limit(timeouts).toMillis()
          + " ms.", null, code, 0, null);
    }
  }

  private final RelayTimer timer;
  private final Timeouts timeouts;
  private final long heartbeatNanos;
  private final Consumer<GatewayError> cancel;
  private final ClientChannel channel;
  private final long startNanos;
  private final AtomicBoolean heartbeatInFlight = new AtomicBoolean();
  private volatile long lastEventNanos;
  private volatile boolean sawEvent;
  /** Set by the stream's thread while it hands events to the client. */
  private volatile boolean delivering;
  /** Set by a check that found a delivery in progress and stopped timing the idle deadline. */
  private volatile boolean idleSuspended;
  private volatile boolean heartbeatsOff;
  private volatile boolean stopped;
  /** The one armed check, replaced under this object's lock so that two never run side by side. */
  private RelayTimer.Armed armed;
  /** Counts arming, so that a check armed before the latest one knows it is stale. */
  private long generation;

  /**
   * @param cancel cancels the stream's upstream, with the reason; must not block
   * @param channel the client to send heartbeats to, or null for a response that is not a stream
   */
  StreamDeadlines(RelayTimer timer, Timeouts timeouts, Duration heartbeat, Consumer<GatewayError> cancel,
      ClientChannel channel) {
    this.timer = timer;
    this.timeouts = timeouts;
    this.heartbeatNanos = channel == null || heartbeat.isZero() ? 0 : heartbeat.toNanos();
    this.cancel = cancel;
    this.channel = channel;
    this.startNanos = System.nanoTime();
  }

  void start() {
    check();
  }

  /** Called by the stream's thread for each upstream event. */
  void onEvent() {
    lastEventNanos = System.nanoTime();
    if (!sawEvent) {
      sawEvent = true;
      // The check is armed for the first-token deadline; the idle deadline may come sooner. Later
      // events only push deadlines out, so only the first one needs to re-arm it.
      check();
    }
  }

  /** The stream's thread starts handing events to the client: the upstream's silence stops counting. */
  void delivering() {
    delivering = true;
  }

  /** The events are with the client: the upstream's silence counts again, from now. */
  void delivered() {
    lastEventNanos = System.nanoTime();
    delivering = false;
    if (idleSuspended) {
      // A check found the delivery blocked and armed only the total deadline: time the idle one again.
      idleSuspended = false;
      check();
    }
  }

  /** The client left and the stream drains: no more heartbeats (their failure would cancel the drain). */
  void stopHeartbeats() {
    heartbeatsOff = true;
  }

  void stop() {
    stopped = true;
    synchronized (this) {
      if (armed != null) armed.disarm();
      armed = null;
      generation++;
    }
  }

  /** Checks the deadlines now, then arms the next check; on the timer's thread or the stream's. */
  private void check() {
    long mine;
    synchronized (this) {
      mine = ++generation;
      if (armed != null) armed.disarm();
      armed = null;
    }
    if (stopped) return;
    long now = System.nanoTime();
    Deadline next = sawEvent ? Deadline.IDLE : Deadline.FIRST_TOKEN;
    long deadline = (sawEvent ? lastEventNanos : startNanos) + next.limit(timeouts).toNanos();
    long total = startNanos + timeouts.total().toNanos();
    if (next == Deadline.IDLE && delivering) {
      // Blocked on the client, not waiting for the upstream: only the total deadline runs, until
      // delivered() checks again (it sees idleSuspended, set before delivering is read again).
      idleSuspended = true;
      if (!delivering) {
        idleSuspended = false;
        check(); // the delivery ended meanwhile: time the idle deadline again, from its end
        return;
      }
      deadline = total;
    }
    // On a tie the total deadline is the one that binds (a policy stream's first-token one is the total).
    if (total - deadline <= 0) {
      deadline = total;
      next = Deadline.TOTAL;
    }
    if (now - deadline >= 0) {
      stopped = true;
      cancel.accept(next.error(timeouts));
      return;
    }
    long wake = deadline;
    if (heartbeatNanos > 0 && !heartbeatsOff) {
      long beat = channel.lastWriteNanos() + heartbeatNanos;
      if (now - beat >= 0) {
        sendHeartbeat();
        beat = now + heartbeatNanos;
      }
      if (beat - wake < 0) wake = beat;
    }
    arm(mine, wake - now);
  }

  private void arm(long mine, long delayNanos) {
    synchronized (this) {
      // A later check (or stop) came meanwhile: it armed what is needed, or nothing.
      if (generation != mine || stopped) return;
      armed = timer.after(delayNanos, () -> checkIfLatest(mine));
    }
  }

  private void checkIfLatest(long mine) {
    synchronized (this) {
      if (generation != mine) return;
    }
    check();
  }

  /** On its own virtual thread, so that a client slow to take it cannot delay the timer or a deadline. */
  private void sendHeartbeat() {
    if (!heartbeatInFlight.compareAndSet(false, true)) return;
    Thread.ofVirtual().name("sluice-heartbeat").start(() -> {
      try {
        if (!stopped && !channel.heartbeat()) {
          cancel.accept(GatewayError.clientDisconnected("heartbeat write failed"));
        }
      } finally {
        heartbeatInFlight.set(false);
      }
    });
  }
}
