package dev.sluice.server.relay;

import dev.sluice.server.config.Timeouts;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Enforces one stream's deadlines — first token, idle between events, total — and sends heartbeat
 * comments while the stream is quiet. The HTTP client's own timeout covers only the response
 * headers, so without this a silent upstream would hold a stream forever.
 *
 * <p>Runs on its own virtual thread, parked until the nearest deadline; the stream's thread only
 * writes a volatile timestamp per event, so the hot path pays no scheduling cost. An expiry cancels
 * the upstream with a typed {@code upstream_timeout} error naming the deadline.
 *
 * <p>The idle deadline measures the upstream's silence, so it runs only while the relay waits for
 * the upstream: while the relay is blocked handing an event to a slow client it does not read, and
 * the data the upstream already sent waits in the buffers. The deadline stands still during such a
 * delivery ({@link #delivering}) and counts again from its end ({@link #delivered}); the write
 * timeout is what bounds a client that accepts nothing, and the total deadline still binds.
 */
final class StreamWatchdog implements Runnable {

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

  private final Timeouts timeouts;
  private final long heartbeatNanos;
  private final Consumer<GatewayError> cancel;
  private final ClientChannel channel;
  private final long startNanos;
  private final AtomicBoolean heartbeatInFlight = new AtomicBoolean();
  private volatile long lastEventNanos;
  private volatile boolean sawEvent;
  /** Set by the stream's thread while it hands an event to the client. */
  private volatile boolean delivering;
  /** Set by the watchdog when it found a delivery in progress and stopped timing the idle deadline. */
  private volatile boolean idleSuspended;
  private volatile boolean heartbeatsOff;
  private volatile boolean stopped;
  private volatile Thread thread;

  /**
   * @param cancel cancels the stream's upstream, with the reason
   * @param channel the client to send heartbeats to, or null for a response that is not a stream
   */
  StreamWatchdog(Timeouts timeouts, Duration heartbeat, Consumer<GatewayError> cancel, ClientChannel channel) {
    this.timeouts = timeouts;
    this.heartbeatNanos = channel == null || heartbeat.isZero() ? 0 : heartbeat.toNanos();
    this.cancel = cancel;
    this.channel = channel;
    this.startNanos = System.nanoTime();
  }

  void start() {
    thread = Thread.ofVirtual().name("sluice-watchdog").start(this);
  }

  /** Called by the stream's thread for each upstream event. */
  void onEvent() {
    lastEventNanos = System.nanoTime();
    if (!sawEvent) {
      sawEvent = true;
      // The watchdog sleeps until the first-token deadline; the idle deadline may come sooner.
      // Later events only push deadlines out, so only the first one needs to wake it.
      Thread t = thread;
      if (t != null) LockSupport.unpark(t);
    }
  }

  /** The stream's thread starts handing an event to the client: the upstream's silence stops counting. */
  void delivering() {
    delivering = true;
  }

  /** The event is with the client: the upstream's silence counts again, from now. */
  void delivered() {
    lastEventNanos = System.nanoTime();
    delivering = false;
    if (idleSuspended) {
      // The watchdog parked past the idle deadline while the delivery blocked: wake it to time it again.
      idleSuspended = false;
      Thread t = thread;
      if (t != null) LockSupport.unpark(t);
    }
  }

  /** The client left and the stream drains: no more heartbeats (their failure would cancel the drain). */
  void stopHeartbeats() {
    heartbeatsOff = true;
  }

  void stop() {
    stopped = true;
    Thread t = thread;
    if (t != null) LockSupport.unpark(t);
  }

  @Override
  public void run() {
    while (!stopped) {
      long now = System.nanoTime();
      Deadline next = sawEvent ? Deadline.IDLE : Deadline.FIRST_TOKEN;
      long deadline = (sawEvent ? lastEventNanos : startNanos) + next.limit(timeouts).toNanos();
      long total = startNanos + timeouts.total().toNanos();
      if (next == Deadline.IDLE && delivering) {
        // Blocked on the client, not waiting for the upstream: only the total deadline runs, until
        // delivered() wakes this thread (it sees idleSuspended, set before delivering is read again).
        idleSuspended = true;
        if (!delivering) {
          idleSuspended = false;
          continue; // the delivery ended meanwhile: time the idle deadline again, from its end
        }
        deadline = total;
      }
      // On a tie the total deadline is the one that binds (a policy stream's first-token one is the total).
      if (total - deadline <= 0) {
        deadline = total;
        next = Deadline.TOTAL;
      }
      if (now - deadline >= 0) {
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
      LockSupport.parkNanos(this, wake - now);
    }
  }

  /** On its own virtual thread, so that a client slow to take it cannot delay a deadline. */
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
