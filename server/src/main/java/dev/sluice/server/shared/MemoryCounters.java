package dev.sluice.server.shared;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/** {@link Counters} of one instance, in memory: fixed windows, expired counters swept as they are hit. */
public final class MemoryCounters implements Counters {
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  /** One counter's window: its count and when it resets ({@link System#nanoTime()}). */
  private static final class Window {
    final long resetsAt;
    long count;

    Window(long resetsAt) {
      this.resetsAt = resetsAt;
    }
  }

  @Override
  public Decision hit(String key, long amount, long limit, Duration window) {
    long now = System.nanoTime();
    if (windows.size() > 10_000) windows.values().removeIf(w -> now - w.resetsAt >= 0);
    Window w = windows.compute(key, (k, old) -> old == null || now - old.resetsAt >= 0 ? new Window(now + window.toNanos()) : old);
    synchronized (w) {
      Duration left = Duration.ofNanos(Math.max(0, w.resetsAt - now));
      if (w.count + amount > limit) return new Decision(false, w.count, left);
      w.count += amount;
      return new Decision(true, w.count, left);
    }
  }
}
