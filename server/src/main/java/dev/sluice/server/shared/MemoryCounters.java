package dev.sluice.server.shared;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/** {@link Counters} of one instance, in memory: fixed windows, expired counters swept as they are hit. */
public final class MemoryCounters implements Counters {
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  /** One counter's window: its count and when it resets ({@link System#nanoTime()}). */
  private static final class Window {
    final long resetsAt;
    long count;

    Window(long resetsAt, long count) {
      this.resetsAt = resetsAt;
      this.count = count;
    }
  }

  @Override
  public Decision hit(String key, long amount, long limit, Duration window) {
    long now = System.nanoTime();
    return add(key, amount, limit, now, () -> new Window(now + window.toNanos(), 0));
  }

  @Override
  public Decision hitUntil(String key, long amount, long limit, Instant end, LongSupplier seed) {
    long now = System.nanoTime();
    return add(key, amount, limit, now,
        () -> new Window(now + Math.max(1, Duration.between(Instant.now(), end).toNanos()), seed.getAsLong()));
  }

  private Decision add(String key, long amount, long limit, long now, java.util.function.Supplier<Window> fresh) {
    if (windows.size() > 10_000) windows.values().removeIf(w -> now - w.resetsAt >= 0);
    Window w = windows.compute(key, (k, old) -> old == null || now - old.resetsAt >= 0 ? fresh.get() : old);
    synchronized (w) {
      Duration left = Duration.ofNanos(Math.max(0, w.resetsAt - now));
      if (w.count + amount > limit) return new Decision(false, w.count, left);
      w.count += amount;
      return new Decision(true, w.count, left);
    }
  }

  @Override
  public void adjust(String key, long amount) {
    long now = System.nanoTime();
    Window w = windows.get(key);
    if (w == null) return;
    synchronized (w) {
      if (now - w.resetsAt < 0) w.count += amount;
    }
  }
}
