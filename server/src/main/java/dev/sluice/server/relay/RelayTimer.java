package dev.sluice.server.relay;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The one timer of a gateway's streams: their first-token, idle and total deadlines, their
 * heartbeats and the drain caps, on one thread, instead of a parked thread per stream. A hashed
 * timer wheel (Netty's) arms and cancels in constant time however many streams are open; it ticks
 * every {@link #TICK}, so a task runs up to one tick late, never early.
 *
 * <p>Tasks run on the timer's thread and must not block: a stream's check only compares
 * timestamps, cancels an upstream (which never blocks) or starts a virtual thread to write.
 * Created with the server and stopped with it.
 */
public final class RelayTimer implements AutoCloseable {
  /**
   * The wheel's resolution: fine enough for deadlines of a few hundred milliseconds, and coarse
   * enough that the timer's thread, which wakes every tick, costs an idle gateway nothing to speak of.
   */
  static final Duration TICK = Duration.ofMillis(10);

  /** A task armed on the timer. */
  @FunctionalInterface
  public interface Armed {
    /** Disarms the task if it has not run yet; does nothing otherwise. */
    void disarm();
  }

  private final HashedWheelTimer wheel;

  public RelayTimer() {
    ThreadFactory threads = task -> {
      Thread t = new Thread(task, "sluice-relay-timer");
      t.setDaemon(true);
      return t;
    };
    // No leak detection: the server stops its timer; a test's timer that is collected unstopped is no leak.
    this.wheel = new HashedWheelTimer(threads, TICK.toNanos(), TimeUnit.NANOSECONDS, 512, false);
  }

  /** Runs {@code task} on the timer's thread once {@code delayNanos} have passed. */
  public Armed after(long delayNanos, Runnable task) {
    Timeout timeout;
    try {
      timeout = wheel.newTimeout(t -> task.run(), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    } catch (IllegalStateException stopped) {
      // The server stopped its timer: a stream still running now is being closed with its connection.
      return NOTHING;
    }
    return timeout::cancel;
  }

  private static final Armed NOTHING = () -> {};

  /** Stops the timer: armed tasks never run. */
  @Override
  public void close() {
    wheel.stop();
  }
}
